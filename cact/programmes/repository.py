"""The programme's queries: its population, its sittings, coverage facts and the result rows
analytics read (other domains' tables are read here, written only through their services)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, insert, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cact.delivery.models import Attempt
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember
from cact.programmes.schemas import Filters
from cact.scoring.models import Result, ResultCompetency
from cact.sittings.models import Enrollment, Sitting
from cact.standards.models import Position

FINISHED = ("submitted", "expired")  # what counts as assessed (terminated: sit again)


@dataclass(frozen=True)
class MemberFacts:
    participant: Participant
    position_code: str | None
    position_group: str | None
    assessed: bool
    scheduled: bool
    sittings: tuple[str, ...]


@dataclass(frozen=True)
class AssessedRow:
    """The latest finished, scored attempt of one person in the programme (after filters)."""

    result_id: int
    attempt_id: int
    participant_id: int
    nip: str | None
    name: str
    unit: str | None
    group: str | None
    position_code: str | None
    sitting_id: int
    jpm: Decimal | None
    category: str | None
    nine_box: int | None
    policy_id: int


class ProgrammeRepository(Repository[Programme]):
    model = Programme

    async def by_code(self, code: str) -> Programme | None:
        return await self.one_or_none(self.select().where(Programme.code == code))

    def ordered(self) -> Select[Programme]:
        return self.select().order_by(Programme.created_at.desc(), Programme.id.desc())

    async def population_sizes(self, ids: Collection[int]) -> dict[int, int]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(ProgrammeMember.programme_id, func.count())
            .where(ProgrammeMember.programme_id.in_(list(ids)))
            .group_by(ProgrammeMember.programme_id)
        )
        return {pid: int(n) for pid, n in rows}

    async def sittings(self, programme_id: int) -> list[Sitting]:
        statement = (
            select(Sitting)
            .where(Sitting.programme_id == programme_id)
            .order_by(Sitting.starts_at, Sitting.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def sitting_for_update(self, sitting_id: int) -> Sitting | None:
        statement = select(Sitting).where(Sitting.id == sitting_id).with_for_update()
        found: Sitting | None = await self.session.scalar(statement)
        return found

    async def members(self, programme_id: int) -> dict[int, ProgrammeMember]:
        statement = select(ProgrammeMember).where(ProgrammeMember.programme_id == programme_id)
        return {m.participant_id: m for m in await self.session.scalars(statement)}

    async def upsert_members(self, programme_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """Add the people; for those already in the population refresh group and row."""
        if not rows:
            return
        statement = pg_insert(ProgrammeMember).values(
            [{"programme_id": programme_id, **row} for row in rows]
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["programme_id", "participant_id"],
                set_={
                    "position_group": func.coalesce(
                        statement.excluded.position_group, ProgrammeMember.position_group
                    ),
                    "source_row": statement.excluded.source_row,
                },
            )
        )

    async def member_facts(self, programme_id: int) -> list[MemberFacts]:
        """Per person of the population: assessed? on a wave still to come? which waves?"""
        waves = (
            select(
                Enrollment.participant_id,
                Sitting.code,
                Sitting.status.label("sitting_status"),
                Enrollment.attendance,
                Attempt.status.label("attempt_status"),
                Result.id.label("result_id"),
            )
            .join(Sitting, Sitting.id == Enrollment.sitting_id)
            .outerjoin(Attempt, Attempt.enrollment_id == Enrollment.id)
            .outerjoin(Result, and_(Result.attempt_id == Attempt.id, Result.is_current))
            .where(Sitting.programme_id == programme_id)
            .subquery()
        )
        assessed = func.bool_or(
            and_(waves.c.result_id.is_not(None), waves.c.attempt_status.in_(FINISHED))
        )
        still_to_come = func.bool_or(
            and_(
                waves.c.sitting_status != "closed",
                waves.c.attendance != "absent",
                func.coalesce(waves.c.attempt_status, "not_started").in_(
                    ("not_started", "in_progress")
                ),
            )
        )
        codes = func.array_remove(func.array_agg(waves.c.code.distinct()), None)
        statement = (
            select(
                Participant,
                Position.code,
                func.coalesce(ProgrammeMember.position_group, Position.group),
                func.coalesce(assessed, False),
                func.coalesce(still_to_come, False),
                codes,
            )
            .select_from(ProgrammeMember)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .outerjoin(waves, waves.c.participant_id == ProgrammeMember.participant_id)
            .where(ProgrammeMember.programme_id == programme_id)
            .group_by(Participant.id, Position.code, Position.group, ProgrammeMember.position_group)
            .order_by(Participant.unit, Participant.name, Participant.id)
        )
        return [
            MemberFacts(p, code, group, bool(a), bool(s), tuple(sorted(c or ())))
            for p, code, group, a, s, c in await self.session.execute(statement)
        ]

    async def assessed_outside(self, programme_id: int) -> int:
        statement = (
            select(func.count(Attempt.participant_id.distinct()))
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(Result, and_(Result.attempt_id == Attempt.id, Result.is_current))
            .outerjoin(
                ProgrammeMember,
                and_(
                    ProgrammeMember.programme_id == programme_id,
                    ProgrammeMember.participant_id == Attempt.participant_id,
                ),
            )
            .where(
                Sitting.programme_id == programme_id,
                Attempt.status.in_(FINISHED),
                ProgrammeMember.participant_id.is_(None),
            )
        )
        return int(await self.session.scalar(statement) or 0)

    async def free_seats(self, sitting: Sitting) -> list[int]:
        from cact.rooms.models import Seat

        taken = select(Enrollment.seat_id).where(
            Enrollment.sitting_id == sitting.id, Enrollment.seat_id.is_not(None)
        )
        statement = (
            select(Seat.id)
            .where(Seat.room_id == sitting.room_id, Seat.id.not_in(taken))
            .order_by(Seat.grid_row, Seat.grid_col, Seat.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def enrolled_ids(self, sitting_id: int) -> set[int]:
        statement = select(Enrollment.participant_id).where(Enrollment.sitting_id == sitting_id)
        return set((await self.session.scalars(statement)).all())

    async def enroll(self, sitting_id: int, seats: dict[int, int | None]) -> None:
        rows = [
            {"sitting_id": sitting_id, "participant_id": pid, "seat_id": seat}
            for pid, seat in seats.items()
        ]
        if rows:
            await self.session.execute(insert(Enrollment), rows)

    # ------------------------------------------------------------ analytics

    def assessed(self, programme_id: int, filters: Filters) -> Any:
        """The latest finished, scored attempt per person in the programme: a subquery."""
        group = func.coalesce(ProgrammeMember.position_group, Position.group)
        latest = (
            select(
                Result.id.label("result_id"),
                Attempt.id.label("attempt_id"),
                Participant.id.label("participant_id"),
                Participant.nip,
                Participant.name,
                Participant.unit,
                group.label("group"),
                Position.code.label("position_code"),
                Attempt.sitting_id,
                Result.jpm,
                Result.category,
                Result.nine_box,
                Result.policy_id,
            )
            .select_from(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(Participant, Participant.id == Attempt.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .outerjoin(
                ProgrammeMember,
                and_(
                    ProgrammeMember.programme_id == programme_id,
                    ProgrammeMember.participant_id == Participant.id,
                ),
            )
            .where(
                Sitting.programme_id == programme_id,
                Result.is_current,
                Attempt.status.in_(FINISHED),
            )
            .order_by(Participant.id, Attempt.closed_at.desc().nulls_last(), Attempt.id.desc())
            .ext(distinct_on(Participant.id))
        )
        if filters.sitting_id is not None:
            latest = latest.where(Attempt.sitting_id == filters.sitting_id)
        if filters.unit is not None:
            latest = latest.where(Participant.unit == filters.unit)
        if filters.group is not None:
            latest = latest.where(group == filters.group)
        return latest.subquery("assessed")

    async def assessed_rows(self, programme_id: int, filters: Filters) -> list[AssessedRow]:
        base = self.assessed(programme_id, filters)
        statement = select(*base.c).order_by(base.c.unit, base.c.name, base.c.participant_id)
        return [AssessedRow(*row) for row in await self.session.execute(statement)]

    async def levels(self, programme_id: int, filters: Filters) -> dict[int, dict[str, int]]:
        """result id → competency → attained level, for the assessed rows."""
        base = self.assessed(programme_id, filters)
        statement = select(
            ResultCompetency.result_id,
            ResultCompetency.competency_code,
            ResultCompetency.attained_level,
        ).join(base, base.c.result_id == ResultCompetency.result_id)
        found: dict[int, dict[str, int]] = {}
        for result_id, code, level in await self.session.execute(statement):
            found.setdefault(result_id, {})[code] = level
        return found

    async def heat(self, programme_id: int, filters: Filters) -> list[tuple[Any, ...]]:
        """(unit, competency, assessed, below, mean gap) against each person's own standard."""
        base = self.assessed(programme_id, filters)
        rc = ResultCompetency
        unit = func.coalesce(base.c.unit, "")
        statement = (
            select(
                unit,
                rc.competency_code,
                func.count(),
                func.count().filter(rc.gap < 0),
                func.avg(rc.gap),
            )
            .join(base, base.c.result_id == rc.result_id)
            .where(rc.required_level.is_not(None))
            .group_by(unit, rc.competency_code)
            .order_by(unit, rc.competency_code)
        )
        return [tuple(row) for row in await self.session.execute(statement)]

    def needs_statement(self, programme_id: int, filters: Filters) -> Select[Any]:
        base = self.assessed(programme_id, filters)
        rc = ResultCompetency
        return (
            select(
                rc.competency_code,
                base.c.participant_id,
                base.c.nip,
                base.c.name,
                base.c.unit,
                base.c.position_code,
                rc.attained_level,
                rc.required_level,
                rc.gap,
            )
            .join(base, base.c.result_id == rc.result_id)
            .where(rc.gap < 0)
            .order_by(rc.competency_code, rc.gap, base.c.name, base.c.participant_id)
        )

    async def needs(self, programme_id: int, filters: Filters) -> list[tuple[Any, ...]]:
        return [
            tuple(r)
            for r in await self.session.execute(self.needs_statement(programme_id, filters))
        ]

    async def units_and_groups(self, programme_id: int) -> tuple[list[str], list[str]]:
        """Every unit and position group in the population or among the assessed."""
        base = self.assessed(programme_id, Filters())
        member_unit = (
            select(Participant.unit)
            .join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
            .where(ProgrammeMember.programme_id == programme_id)
        )
        member_group = (
            select(func.coalesce(ProgrammeMember.position_group, Position.group))
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(ProgrammeMember.programme_id == programme_id)
        )
        units = await self.session.scalars(select(base.c.unit).union(member_unit))
        groups = await self.session.scalars(select(base.c.group).union(member_group))
        return sorted(u for u in units if u), sorted(g for g in groups if g)


@dataclass(frozen=True)
class HistoryRow:
    attempt_id: int
    sitting_code: str
    programme_code: str | None
    validity_months: int | None
    assessed_at: datetime
    jpm: Decimal | None
    category: str | None
    result_id: int


class HistoryRepository:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def person(self, participant_id: int) -> Participant | None:
        found: Participant | None = await self.session.get(Participant, participant_id)
        return found

    async def by_nip(self, nip: str) -> Participant | None:
        found: Participant | None = await self.session.scalar(
            select(Participant).where(Participant.nip == nip)
        )
        return found

    async def results(self, participant_id: int) -> list[HistoryRow]:
        statement = (
            select(
                Attempt.id,
                Sitting.code,
                Programme.code,
                Programme.validity_months,
                func.coalesce(Attempt.closed_at, Result.scored_at),
                Result.jpm,
                Result.category,
                Result.id,
            )
            .select_from(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .outerjoin(Programme, Programme.id == Sitting.programme_id)
            .where(
                Attempt.participant_id == participant_id,
                Result.is_current,
                Attempt.status.in_(FINISHED),
            )
            .order_by(func.coalesce(Attempt.closed_at, Result.scored_at), Attempt.id)
        )
        return [HistoryRow(*row) for row in await self.session.execute(statement)]

    async def levels(self, result_ids: Collection[int]) -> dict[int, dict[str, int]]:
        if not result_ids:
            return {}
        statement = select(
            ResultCompetency.result_id,
            ResultCompetency.competency_code,
            ResultCompetency.attained_level,
        ).where(ResultCompetency.result_id.in_(list(result_ids)))
        found: dict[int, dict[str, int]] = {}
        for result_id, code, level in await self.session.execute(statement):
            found.setdefault(result_id, {})[code] = level
        return found
