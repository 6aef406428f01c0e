"""The programme's queries: its population, its sittings, coverage facts and the result rows
analytics read (other domains' tables are read here, written only through their services)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cact.exam.models import Attempt, Enrollment, Sitting
from cact.exam.statuses import (
    FINISHED_ATTEMPT,
    UNFINISHED_ATTEMPT,
    AttemptStatus,
    Attendance,
    SittingStatus,
)
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember
from cact.rooms.models import Room, Seat
from cact.scoring.models import Result, ResultCompetency
from cact.standards.models import Position


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

    def member_statuses(self, programme_id: int) -> Any:
        """Per person of the population: their coverage status and the waves they are on.
        Assessed beats a wave still to come, which beats absent; no wave: unscheduled."""
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
            and_(waves.c.result_id.is_not(None), waves.c.attempt_status.in_(FINISHED_ATTEMPT))
        )
        to_come = func.bool_or(
            and_(
                waves.c.sitting_status != SittingStatus.CLOSED,
                waves.c.attendance != Attendance.ABSENT,
                func.coalesce(waves.c.attempt_status, AttemptStatus.NOT_STARTED).in_(
                    UNFINISHED_ATTEMPT
                ),
            )
        )
        status = case(
            (func.coalesce(assessed, False), "assessed"),
            (func.coalesce(to_come, False), "scheduled"),
            (func.count(waves.c.code) > 0, "absent"),
            else_="unscheduled",
        )
        codes = func.array_remove(func.array_agg(waves.c.code.distinct()), None)
        return (
            select(
                Participant.id.label("participant_id"),
                Participant.participant_no,
                Participant.nip,
                Participant.name,
                Position.code.label("position_code"),
                Participant.unit,
                func.coalesce(ProgrammeMember.position_group, Position.group).label("group"),
                status.label("status"),
                codes.label("sittings"),
            )
            .select_from(ProgrammeMember)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .outerjoin(waves, waves.c.participant_id == ProgrammeMember.participant_id)
            .where(ProgrammeMember.programme_id == programme_id)
            .group_by(Participant.id, Position.code, Position.group, ProgrammeMember.position_group)
            .subquery("statuses")
        )

    async def members_with_status(
        self, programme_id: int, status: str | None = None, limit: int | None = None
    ) -> list[tuple[Any, ...]]:
        found = self.member_statuses(programme_id)
        statement = select(*found.c).order_by(found.c.unit, found.c.name, found.c.participant_id)
        if status:
            statement = statement.where(found.c.status == status)
        if limit is not None:
            statement = statement.limit(limit)
        return [tuple(row) for row in await self.session.execute(statement)]

    async def status_counts(self, programme_id: int) -> dict[str, int]:
        found = self.member_statuses(programme_id)
        rows = await self.session.execute(
            select(found.c.status, func.count()).group_by(found.c.status)
        )
        return {status: int(n) for status, n in rows}

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
                Attempt.status.in_(FINISHED_ATTEMPT),
                ProgrammeMember.participant_id.is_(None),
            )
        )
        return int(await self.session.scalar(statement) or 0)

    async def free_seats(self, sitting: Sitting) -> list[int]:
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
    time_zone: str  # the sitting's room's: the zone a person reads the date in


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
                Room.time_zone,
            )
            .select_from(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(Room, Room.id == Sitting.room_id)
            .outerjoin(Programme, Programme.id == Sitting.programme_id)
            .where(
                Attempt.participant_id == participant_id,
                Result.is_current,
                Attempt.status.in_(FINISHED_ATTEMPT),
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
