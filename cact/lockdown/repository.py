"""Queries on browser policies and refusals."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select
from sqlalchemy.dialects.postgresql import insert

from cact.exam.models import Attempt
from cact.kit.repository import Repository
from cact.lockdown.models import BrowserPolicy, BrowserRefusal
from cact.participants.models import Participant


@dataclass(frozen=True)
class Shown:
    reason: str
    refused_at: datetime
    count: int


class BrowserPolicyRepository(Repository[BrowserPolicy]):
    model = BrowserPolicy


class BrowserRefusalRepository(Repository[BrowserRefusal]):
    model = BrowserRefusal

    async def note(
        self, attempt_id: int, sitting_id: int, reason: str, now: datetime, audit_every: timedelta
    ) -> bool:
        """Keep the latest refusal; True when it is to be audited (new, another reason, or the
        last audit of it is older than ``audit_every``): a loop cannot flood the log."""
        table = BrowserRefusal.__table__
        fresh = insert(BrowserRefusal).values(
            attempt_id=attempt_id,
            sitting_id=sitting_id,
            reason=reason,
            refused_at=now,
            count=1,
            audited_at=now,
        )
        due = or_(
            table.c.reason != fresh.excluded.reason,
            table.c.audited_at < now - audit_every,
        )
        statement = fresh.on_conflict_do_update(
            index_elements=[table.c.attempt_id],
            set_={
                "reason": fresh.excluded.reason,
                "refused_at": now,
                "count": table.c.count + 1,
                "audited_at": case((due, now), else_=table.c.audited_at),
            },
        ).returning(table.c.audited_at)
        audited_at = await self.session.scalar(statement)
        return bool(audited_at == now)

    async def shown(
        self, sitting_id: int, attempt_ids: Collection[int] | None = None
    ) -> dict[int, Shown]:
        """The refusals since each attempt's latest login (what the proctor's tile shows)."""
        statement = (
            select(
                BrowserRefusal.attempt_id,
                BrowserRefusal.reason,
                BrowserRefusal.refused_at,
                BrowserRefusal.count,
            )
            .join(Attempt, Attempt.id == BrowserRefusal.attempt_id)
            .where(
                BrowserRefusal.sitting_id == sitting_id,
                or_(
                    Attempt.kiosk_session_started_at.is_(None),
                    and_(BrowserRefusal.refused_at > Attempt.kiosk_session_started_at),
                ),
            )
        )
        if attempt_ids is not None:
            statement = statement.where(BrowserRefusal.attempt_id.in_(list(attempt_ids)))
        rows = (await self.session.execute(statement)).all()
        return {int(row[0]): Shown(str(row[1]), row[2], int(row[3])) for row in rows}

    async def participant_of(self, attempt_id: int) -> tuple[int, str] | None:
        row = (
            await self.session.execute(
                select(Participant.id, Participant.participant_no)
                .join(Attempt, Attempt.participant_id == Participant.id)
                .where(Attempt.id == attempt_id)
            )
        ).first()
        return None if row is None else (int(row[0]), str(row[1]))
