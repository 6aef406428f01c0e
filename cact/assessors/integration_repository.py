"""The integration's queries: the person in the programme, their CACT result, the matrix as it
applies to them, and the signed-off versions of their integrated profile."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import (
    AssessmentMethod,
    Integration,
    IntegrationLevel,
    IntegrationRule,
    MethodWeight,
)
from cact.assessors.repository import PROGRAMME_MEMBER
from cact.auth.models import StaffUser
from cact.competencies.models import Competency
from cact.exam.models import Attempt, Enrollment, Sitting
from cact.exam.statuses import FINISHED_ATTEMPT
from cact.participants.models import Participant
from cact.rooms.models import Room
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy
from cact.standards.models import Position

DEFAULT_RULE = "weighted_mean"
DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Person:
    participant: Participant
    group: str  # the matrix's position group for them ('' = everyone's)


@dataclass(frozen=True)
class CactResult:
    """The person's latest finished, scored attempt in the programme (as programme results)."""

    result: Result
    sitting_code: str
    time_zone: str
    policy: ScoringPolicy
    competencies: dict[str, ResultCompetency]


class IntegrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rule(self, programme_id: int) -> str:
        found = await self.session.get(IntegrationRule, programme_id)
        return found.rule if found else DEFAULT_RULE

    async def set_rule(self, programme_id: int, rule: str) -> None:
        found = await self.session.get(IntegrationRule, programme_id)
        if found is None:
            self.session.add(IntegrationRule(programme_id=programme_id, rule=rule))
        else:
            found.rule = rule
            found.updated_at = func.now()
        await self.session.flush()

    async def person(self, programme_id: int, participant_id: int) -> Person | None:
        """The participant, when a member of the programme or enrolled in one of its sittings."""
        member = (
            select(PROGRAMME_MEMBER.c.position_group)
            .where(
                PROGRAMME_MEMBER.c.programme_id == programme_id,
                PROGRAMME_MEMBER.c.participant_id == participant_id,
            )
            .scalar_subquery()
        )
        enrolled = (
            select(Enrollment.id)
            .join(Sitting, Sitting.id == Enrollment.sitting_id)
            .where(
                Enrollment.participant_id == participant_id, Sitting.programme_id == programme_id
            )
            .exists()
        )
        statement = (
            select(Participant, func.coalesce(member, Position.group, ""))
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(
                Participant.id == participant_id,
                or_(
                    select(PROGRAMME_MEMBER.c.participant_id)
                    .where(
                        PROGRAMME_MEMBER.c.programme_id == programme_id,
                        PROGRAMME_MEMBER.c.participant_id == participant_id,
                    )
                    .exists(),
                    enrolled,
                ),
            )
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else Person(row[0], row[1] or "")

    async def lock(self, programme_id: int, participant_id: int) -> None:
        """One sign-off at a time per person and programme (the next version number)."""
        await self.session.execute(
            select(
                func.pg_advisory_xact_lock(
                    func.hashtextextended(f"integration:{programme_id}:{participant_id}", 0)
                )
            )
        )

    async def cact_result(self, programme_id: int, participant_id: int) -> CactResult | None:
        statement = (
            select(Result, Sitting.code, Room.time_zone, ScoringPolicy)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(ScoringPolicy, ScoringPolicy.id == Result.policy_id)
            .outerjoin(Room, Room.id == Sitting.room_id)
            .where(
                Sitting.programme_id == programme_id,
                Attempt.participant_id == participant_id,
                Result.is_current,
                Attempt.status.in_(FINISHED_ATTEMPT),
            )
            .order_by(Attempt.closed_at.desc().nulls_last(), Attempt.id.desc())
            .limit(1)
        )
        row = (await self.session.execute(statement)).first()
        if row is None:
            return None
        result, code, zone, policy = row
        levels = await self.session.scalars(
            select(ResultCompetency).where(ResultCompetency.result_id == result.id)
        )
        return CactResult(
            result, code, zone or DEFAULT_ZONE, policy, {c.competency_code: c for c in levels}
        )

    async def time_zone(self, programme_id: int) -> str:
        """The zone of the programme's first sitting's room, for a person without CACT."""
        zone = await self.session.scalar(
            select(Room.time_zone)
            .join(Sitting, Sitting.room_id == Room.id)
            .where(Sitting.programme_id == programme_id)
            .order_by(Sitting.id)
            .limit(1)
        )
        return zone or DEFAULT_ZONE

    async def weights(self, programme_id: int, group: str) -> dict[str, dict[str, Decimal]]:
        """competency → method code → weight: the group's own cells, else everyone's."""
        own = await self.session.scalar(
            select(func.count())
            .select_from(MethodWeight)
            .where(MethodWeight.programme_id == programme_id, MethodWeight.position_group == group)
        )
        chosen = group if group and own else ""
        rows = await self.session.execute(
            select(MethodWeight.competency_code, AssessmentMethod.code, MethodWeight.weight)
            .join(AssessmentMethod, AssessmentMethod.id == MethodWeight.method_id)
            .where(MethodWeight.programme_id == programme_id, MethodWeight.position_group == chosen)
            .order_by(MethodWeight.competency_code, AssessmentMethod.id)
        )
        found: dict[str, dict[str, Decimal]] = {}
        for code, method, weight in rows:
            found.setdefault(code, {})[method] = weight
        return found

    async def method_order(self) -> list[str]:
        return list(
            await self.session.scalars(select(AssessmentMethod.code).order_by(AssessmentMethod.id))
        )

    async def competencies(self, codes: Collection[str]) -> dict[str, Competency]:
        if not codes:
            return {}
        rows = await self.session.scalars(
            select(Competency).where(Competency.code.in_(list(codes)))
        )
        return {c.code: c for c in rows}

    async def kinds(self) -> dict[str, str]:
        rows = await self.session.execute(select(Competency.code, Competency.kind))
        return {code: str(kind) for code, kind in rows}

    async def versions(
        self, programme_id: int, participant_id: int
    ) -> list[tuple[Integration, str]]:
        """Every signed-off version with the signer's name, the newest first."""
        rows = await self.session.execute(
            select(Integration, StaffUser.full_name)
            .join(StaffUser, StaffUser.id == Integration.signed_off_by)
            .where(
                Integration.programme_id == programme_id,
                Integration.participant_id == participant_id,
            )
            .order_by(Integration.version.desc())
        )
        return [(i, name) for i, name in rows]

    async def levels(self, integration_id: int) -> dict[str, IntegrationLevel]:
        rows = await self.session.scalars(
            select(IntegrationLevel)
            .where(IntegrationLevel.integration_id == integration_id)
            .order_by(IntegrationLevel.competency_code)
        )
        return {r.competency_code: r for r in rows}

    async def current_of_programme(self, programme_id: int) -> list[Integration]:
        """The newest version of every participant's integration in the programme."""
        rows = await self.session.scalars(
            select(Integration)
            .where(Integration.programme_id == programme_id)
            .order_by(Integration.participant_id, Integration.version.desc())
            .ext(distinct_on(Integration.participant_id))
        )
        return list(rows)

    async def current_for_attempt(self, attempt_id: int) -> Integration | None:
        """The newest version whose CACT part is this attempt's (any result version)."""
        found: Integration | None = await self.session.scalar(
            select(Integration)
            .join(Attempt, Attempt.id == attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(
                Integration.programme_id == Sitting.programme_id,
                Integration.participant_id == Attempt.participant_id,
                or_(Integration.attempt_id == attempt_id, Integration.attempt_id.is_(None)),
            )
            .order_by(Integration.version.desc())
            .limit(1)
        )
        return found

    async def signer(self, user_id: int) -> str:
        return str(
            await self.session.scalar(select(StaffUser.full_name).where(StaffUser.id == user_id))
            or ""
        )


@dataclass(frozen=True)
class PersonRow:
    participant_id: int
    participant_no: str
    name: str
    version: int | None
    jpm: Decimal | None


async def people(session: AsyncSession, programme_id: int) -> list[PersonRow]:
    """The programme's members and everyone enrolled in its sittings, with their newest
    signed-off version, by participant number."""
    inside = (
        select(PROGRAMME_MEMBER.c.participant_id.label("pid"))
        .where(PROGRAMME_MEMBER.c.programme_id == programme_id)
        .union(
            select(Enrollment.participant_id)
            .join(Sitting, Sitting.id == Enrollment.sitting_id)
            .where(Sitting.programme_id == programme_id)
        )
        .subquery()
    )
    newest = (
        select(Integration.participant_id, Integration.version, Integration.jpm)
        .where(Integration.programme_id == programme_id)
        .order_by(Integration.participant_id, Integration.version.desc())
        .ext(distinct_on(Integration.participant_id))
        .subquery()
    )
    rows = await session.execute(
        select(
            Participant.id,
            Participant.participant_no,
            Participant.name,
            newest.c.version,
            newest.c.jpm,
        )
        .join(inside, inside.c.pid == Participant.id)
        .outerjoin(newest, newest.c.participant_id == Participant.id)
        .order_by(Participant.participant_no)
    )
    return [PersonRow(*row) for row in rows]
