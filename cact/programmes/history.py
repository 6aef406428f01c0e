"""One person (NIP) across programmes and years: every finished, scored attempt, how long each
result stays valid (its programme's validity in months, default 36), and the latest valid one.
Earlier results are kept and shown; only the latest valid result is "the" result."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit import timezones
from cact.kit.errors import NotFound
from cact.programmes.models import DEFAULT_VALIDITY_MONTHS
from cact.programmes.repository import HistoryRepository, HistoryRow
from cact.programmes.schemas import HistoryResult, PersonHistory


class PersonNotFound(NotFound):
    code = "person_not_found"
    message = "Peserta tidak ditemukan. / Person not found."


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; a day the month lacks becomes its last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def valid_until(assessed_at: datetime, validity_months: int | None) -> datetime:
    return add_months(assessed_at, validity_months or DEFAULT_VALIDITY_MONTHS)


def is_valid(assessed_at: datetime, validity_months: int | None, as_of: datetime) -> bool:
    """Valid from the assessment up to, not including, the moment the period ends."""
    return assessed_at <= as_of < valid_until(assessed_at, validity_months)


def latest_valid(rows: list[HistoryRow], as_of: datetime) -> HistoryRow | None:
    valid = [r for r in rows if is_valid(r.assessed_at, r.validity_months, as_of)]
    return max(valid, key=lambda r: (r.assessed_at, r.attempt_id), default=None)


async def person_history(
    db: AsyncSession,
    *,
    participant_id: int | None = None,
    nip: str | None = None,
    as_of: datetime | None = None,
) -> PersonHistory:
    repo = HistoryRepository(db)
    person = (
        await repo.person(participant_id)
        if participant_id is not None
        else await repo.by_nip(nip or "")
    )
    if person is None:
        raise PersonNotFound()
    moment = as_of or datetime.now(UTC)
    rows = await repo.results(person.id)
    levels = await repo.levels([r.result_id for r in rows])
    latest = latest_valid(rows, moment)
    return PersonHistory(
        participant_id=person.id,
        nip=person.nip,
        name=person.name,
        as_of=moment,
        latest_valid_attempt_id=latest.attempt_id if latest else None,
        results=[
            HistoryResult(
                attempt_id=r.attempt_id,
                sitting_code=r.sitting_code,
                programme_code=r.programme_code,
                assessed_at=r.assessed_at,
                valid_until=valid_until(r.assessed_at, r.validity_months),
                time_zone=r.time_zone,
                valid=is_valid(r.assessed_at, r.validity_months, moment),
                latest_valid=latest is not None and r.attempt_id == latest.attempt_id,
                jpm=r.jpm,
                category=r.category,
                levels=levels.get(r.result_id, {}),
            )
            for r in rows
        ],
    )


def local_date(moment: datetime, zone: str | None) -> date:
    """The calendar date in the room's zone (stored times stay UTC)."""
    return timezones.local(moment, zone).date()
