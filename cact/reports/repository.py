"""The reports' read-only queries (other domains' tables are read, never written)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, and_, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.auth.models import StaffUser
from cact.competencies.models import Competency
from cact.exam.models import Attempt, Enrollment, Sitting
from cact.exam.statuses import FINISHED_ATTEMPT, AttemptStatus
from cact.participants.models import Participant
from cact.rooms.models import Room
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy
from cact.standards.models import Position

INCIDENT = "sitting.incident"


@dataclass(frozen=True)
class AttemptHeader:
    attempt: Attempt
    participant: Participant
    sitting: Sitting
    position: Position | None


@dataclass(frozen=True)
class MeanRow:
    code: str
    name_id: str
    name_en: str
    results: int
    mean_attained: Decimal
    mean_required: Decimal | None


@dataclass(frozen=True)
class IncidentRow:
    occurred_at: datetime
    actor: str
    note: str | None
    participant_name: str | None
    participant_no: str | None


@dataclass(frozen=True)
class RosterEntry:
    participant_id: int
    participant_no: str
    name: str
    nip: str | None
    attendance: str
    attempt_id: int | None
    attempt_status: str | None
    started_at: datetime | None
    close_reason: str | None
    close_note: str | None
    scored: bool


@dataclass(frozen=True)
class ReportedAttempt:
    attempt_id: int
    participant_no: str
    name: str
    nip: str | None


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def attempt_header(self, attempt_id: int) -> AttemptHeader | None:
        statement = (
            select(Attempt, Participant, Sitting, Position)
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(Attempt.id == attempt_id)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else AttemptHeader(*row)

    async def current_result(self, attempt_id: int) -> Result | None:
        statement = select(Result).where(Result.attempt_id == attempt_id, Result.is_current)
        found: Result | None = await self.session.scalar(statement)
        return found

    async def policies(self, ids: Collection[int]) -> dict[int, ScoringPolicy]:
        if not ids:
            return {}
        found = await self.session.scalars(
            select(ScoringPolicy).where(ScoringPolicy.id.in_(list(ids)))
        )
        return {p.id: p for p in found}

    async def competency_names(self, codes: Collection[str]) -> dict[str, tuple[str, str]]:
        if not codes:
            return {}
        rows = await self.session.execute(
            select(Competency.code, Competency.name_id, Competency.name_en).where(
                Competency.code.in_(list(codes))
            )
        )
        return {code: (name_id, name_en) for code, name_id, name_en in rows}

    async def competencies(self, codes: Collection[str]) -> dict[str, Competency]:
        if not codes:
            return {}
        rows = await self.session.scalars(
            select(Competency).where(Competency.code.in_(list(codes)))
        )
        return {c.code: c for c in rows}

    async def sitting(self, sitting_id: int) -> Sitting | None:
        return await self.session.get(Sitting, sitting_id)

    async def time_zone(self, sitting: Sitting) -> str:
        """The sitting's zone: its room's."""
        zone: str | None = await self.session.scalar(
            select(Room.time_zone).where(Room.id == sitting.room_id)
        )
        return zone or "Asia/Jakarta"

    async def current_results_of_sitting(self, sitting_id: int) -> list[Result]:
        statement = (
            select(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .where(Attempt.sitting_id == sitting_id, Result.is_current)
            .order_by(Result.attempt_id)
        )
        return list((await self.session.scalars(statement)).all())

    async def competency_means(
        self, sitting_id: int, *, leaving_out: Collection[int] = ()
    ) -> list[MeanRow]:
        """Means over the current results, without the attempts the distributions leave out."""
        rc = ResultCompetency
        statement = (
            select(
                rc.competency_code,
                Competency.name_id,
                Competency.name_en,
                func.count(),
                func.avg(rc.attained_level),
                func.avg(rc.required_level),
            )
            .join(Result, Result.id == rc.result_id)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Competency, Competency.code == rc.competency_code)
            .where(
                Attempt.sitting_id == sitting_id,
                Result.is_current,
                Attempt.id.not_in(list(leaving_out)),
            )
            .group_by(rc.competency_code, Competency.name_id, Competency.name_en)
            .order_by(rc.competency_code)
        )
        return [MeanRow(*row) for row in await self.session.execute(statement)]

    async def attendance(self, sitting_id: int) -> tuple[int, int, int, int]:
        """(registered, started, finished, terminated)."""
        registered = await self.session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.sitting_id == sitting_id)
        )
        counts = (
            await self.session.execute(
                select(
                    func.count().filter(Attempt.started_at.is_not(None)),
                    func.count().filter(Attempt.status.in_(FINISHED_ATTEMPT)),
                    func.count().filter(Attempt.status == AttemptStatus.TERMINATED),
                ).where(Attempt.sitting_id == sitting_id)
            )
        ).one()
        return int(registered or 0), int(counts[0]), int(counts[1]), int(counts[2])

    async def incidents(self, sitting_id: int) -> list[IncidentRow]:
        actor = func.coalesce(StaffUser.full_name, AuditEvent.actor_name)
        statement = (
            select(
                AuditEvent.occurred_at,
                actor,
                AuditEvent.reason,
                Participant.name,
                Participant.participant_no,
            )
            .outerjoin(
                StaffUser,
                and_(AuditEvent.actor_kind == "staff", StaffUser.id == AuditEvent.actor_id),
            )
            .outerjoin(
                Attempt,
                and_(
                    AuditEvent.target_type == "attempt",
                    cast(Attempt.id, String) == AuditEvent.target_id,
                ),
            )
            .outerjoin(Participant, Participant.id == Attempt.participant_id)
            .where(AuditEvent.sitting_id == sitting_id, AuditEvent.action == INCIDENT)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
        return [IncidentRow(*row) for row in await self.session.execute(statement)]

    async def roster(self, sitting_id: int) -> list[RosterEntry]:
        """Everyone enrolled on the sitting, with their attempt (if any) and whether it has a
        current result, by participant number."""
        scored = exists().where(Result.attempt_id == Attempt.id, Result.is_current)
        statement = (
            select(
                Participant.id,
                Participant.participant_no,
                Participant.name,
                Participant.nip,
                Enrollment.attendance,
                Attempt.id,
                Attempt.status,
                Attempt.started_at,
                Attempt.close_reason,
                Attempt.close_note,
                scored,
            )
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .outerjoin(Attempt, Attempt.enrollment_id == Enrollment.id)
            .where(Enrollment.sitting_id == sitting_id)
            .order_by(Participant.participant_no)
        )
        return [RosterEntry(*row) for row in await self.session.execute(statement)]

    async def reported_attempts(self, sitting_id: int) -> list[ReportedAttempt]:
        """The attempts of the sitting that have an individual report (a current result)."""
        statement = (
            select(Attempt.id, Participant.participant_no, Participant.name, Participant.nip)
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Result, and_(Result.attempt_id == Attempt.id, Result.is_current))
            .where(Attempt.sitting_id == sitting_id)
            .order_by(Participant.participant_no, Attempt.id)
        )
        return [ReportedAttempt(*row) for row in await self.session.execute(statement)]
