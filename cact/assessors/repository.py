"""The assessors' queries. The programme's own tables are read through the schema
(``PROGRAMME`` / ``PROGRAMME_MEMBER`` below, no import): ``cact.programmes`` sits above this
package and will read the ratings for its job-person match."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Numeric,
    Select,
    String,
    any_,
    column,
    delete,
    func,
    literal,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on

from cact.assessors.models import (
    AssessmentMethod,
    AssessorAssignment,
    AssessorRating,
    MethodWeight,
)
from cact.auth.models import StaffUser
from cact.competencies.models import Competency
from cact.exam.models import Attempt, Enrollment, Sitting
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.scoring.models import Result, ResultCompetency
from cact.standards.models import Position

PROGRAMME = table(
    "programme",
    column("id", BigInteger),
    column("code", String),
    column("title", String),
)
PROGRAMME_MEMBER = table(
    "programme_member",
    column("programme_id", BigInteger),
    column("participant_id", BigInteger),
    column("position_group", String),
)


@dataclass(frozen=True)
class ProgrammeBrief:
    id: int
    code: str
    title: str


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment with the names the pages and the sheet show."""

    id: int
    assessor_id: int
    assessor: str
    participant_id: int
    participant_no: str
    participant_name: str
    method_id: int
    method_code: str
    method_name_id: str
    method_name_en: str
    programme_id: int | None  # the programme the matrix is read from (the sitting's, if so)
    programme_code: str | None
    sitting_id: int | None
    sitting_code: str | None
    position_group: str


@dataclass(frozen=True)
class EvidenceRow:
    """One current rating with who gave it: the seam the integration reads."""

    participant_id: int
    programme_id: int | None
    competency_code: str
    method_code: str
    assessor_id: int
    assessor: str
    level: int
    evidence: str
    version: int
    rated_at: datetime


class MethodRepository(Repository[AssessmentMethod]):
    model = AssessmentMethod

    async def listed(self, *, active_only: bool = False) -> list[AssessmentMethod]:
        statement = select(AssessmentMethod).order_by(AssessmentMethod.id)
        if active_only:
            statement = statement.where(AssessmentMethod.is_active)
        return list(await self.all(statement))

    async def by_code(self, code: str) -> AssessmentMethod | None:
        statement = select(AssessmentMethod).where(
            func.lower(AssessmentMethod.code) == code.lower()
        )
        return await self.one_or_none(statement)


class MatrixRepository(Repository[MethodWeight]):
    model = MethodWeight

    async def cells(self, programme_id: int, group: str | None = None) -> list[MethodWeight]:
        statement = select(MethodWeight).where(MethodWeight.programme_id == programme_id)
        if group is not None:
            statement = statement.where(MethodWeight.position_group == group)
        ordered = statement.order_by(
            MethodWeight.position_group, MethodWeight.competency_code, MethodWeight.method_id
        )
        return list(await self.all(ordered))

    async def groups(self, programme_id: int) -> list[str]:
        statement = (
            select(MethodWeight.position_group)
            .where(MethodWeight.programme_id == programme_id)
            .distinct()
            .order_by(MethodWeight.position_group)
        )
        return list((await self.session.scalars(statement)).all())

    async def replace_group(
        self, programme_id: int, group: str, cells: Sequence[dict[str, Any]]
    ) -> None:
        await self.session.execute(
            delete(MethodWeight).where(
                MethodWeight.programme_id == programme_id, MethodWeight.position_group == group
            )
        )
        await self.insert_rows(
            [{"programme_id": programme_id, "position_group": group, **c} for c in cells]
        )

    async def competencies_for(
        self, programme_id: int, group: str, method_id: int
    ) -> dict[str, Decimal]:
        """The competencies ``method`` evidences for the group: its own cells when the group
        has any, else the programme's cells for everyone (group ``''``)."""
        own = await self.session.scalar(
            select(func.count())
            .select_from(MethodWeight)
            .where(MethodWeight.programme_id == programme_id, MethodWeight.position_group == group)
        )
        chosen = group if group and own else ""
        rows = await self.session.execute(
            select(MethodWeight.competency_code, MethodWeight.weight)
            .where(
                MethodWeight.programme_id == programme_id,
                MethodWeight.position_group == chosen,
                MethodWeight.method_id == method_id,
            )
            .order_by(MethodWeight.competency_code)
        )
        return {code: weight for code, weight in rows}


class ScopeLookup:
    """Programmes, sittings and people an assignment can refer to."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def programmes(self) -> list[ProgrammeBrief]:
        rows = await self.session.execute(
            select(PROGRAMME.c.id, PROGRAMME.c.code, PROGRAMME.c.title).order_by(
                PROGRAMME.c.id.desc()
            )
        )
        return [ProgrammeBrief(i, c, t) for i, c, t in rows]

    async def programme(self, programme_id: int) -> ProgrammeBrief | None:
        row = (
            await self.session.execute(
                select(PROGRAMME.c.id, PROGRAMME.c.code, PROGRAMME.c.title).where(
                    PROGRAMME.c.id == programme_id
                )
            )
        ).first()
        return ProgrammeBrief(*row) if row else None

    async def sitting(self, sitting_id: int) -> Sitting | None:
        found: Sitting | None = await self.session.get(Sitting, sitting_id)
        return found

    async def members(self, programme_id: int, participant_ids: Collection[int]) -> set[int]:
        if not participant_ids:
            return set()
        rows = await self.session.scalars(
            select(PROGRAMME_MEMBER.c.participant_id).where(
                PROGRAMME_MEMBER.c.programme_id == programme_id,
                PROGRAMME_MEMBER.c.participant_id.in_(list(participant_ids)),
            )
        )
        return set(rows.all())

    async def enrolled(self, sitting_id: int, participant_ids: Collection[int]) -> set[int]:
        if not participant_ids:
            return set()
        rows = await self.session.scalars(
            select(Enrollment.participant_id).where(
                Enrollment.sitting_id == sitting_id,
                Enrollment.participant_id.in_(list(participant_ids)),
            )
        )
        return set(rows.all())

    async def people_by_number(self, numbers: Collection[str]) -> dict[str, Participant]:
        if not numbers:
            return {}
        rows = await self.session.scalars(
            select(Participant).where(Participant.participant_no.in_(list(numbers)))
        )
        return {p.participant_no: p for p in rows.all()}

    async def staff(self, user_id: int) -> StaffUser | None:
        found: StaffUser | None = await self.session.get(StaffUser, user_id)
        return found

    async def assessors(self) -> list[StaffUser]:
        rows = await self.session.scalars(
            select(StaffUser)
            .where(
                StaffUser.is_active,
                or_(
                    literal("assessor") == any_(StaffUser.roles),
                    literal("lead_assessor") == any_(StaffUser.roles),
                ),
            )
            .order_by(StaffUser.full_name, StaffUser.id)
        )
        return list(rows.all())

    async def competencies(self) -> list[Competency]:
        rows = await self.session.scalars(
            select(Competency).order_by(Competency.kind, Competency.code)
        )
        return list(rows.all())


class AssignmentRepository(Repository[AssessorAssignment]):
    model = AssessorAssignment

    def _rows(self) -> Select[*tuple[Any, ...]]:
        programme_id = func.coalesce(AssessorAssignment.programme_id, Sitting.programme_id)
        group = func.coalesce(PROGRAMME_MEMBER.c.position_group, Position.group, "")
        return (
            select(
                AssessorAssignment.id,
                AssessorAssignment.assessor_id,
                StaffUser.full_name,
                Participant.id,
                Participant.participant_no,
                Participant.name,
                AssessmentMethod.id,
                AssessmentMethod.code,
                AssessmentMethod.name_id,
                AssessmentMethod.name_en,
                programme_id,
                PROGRAMME.c.code,
                AssessorAssignment.sitting_id,
                Sitting.code,
                group,
            )
            .join(StaffUser, StaffUser.id == AssessorAssignment.assessor_id)
            .join(Participant, Participant.id == AssessorAssignment.participant_id)
            .join(AssessmentMethod, AssessmentMethod.id == AssessorAssignment.method_id)
            .outerjoin(Sitting, Sitting.id == AssessorAssignment.sitting_id)
            .outerjoin(PROGRAMME, PROGRAMME.c.id == programme_id)
            .outerjoin(
                PROGRAMME_MEMBER,
                (PROGRAMME_MEMBER.c.programme_id == programme_id)
                & (PROGRAMME_MEMBER.c.participant_id == Participant.id),
            )
            .outerjoin(Position, Position.id == Participant.position_id)
            .order_by(Participant.participant_no, AssessmentMethod.id, AssessorAssignment.id)
        )

    async def _listed(self, statement: Select[*tuple[Any, ...]]) -> list[AssignmentRow]:
        return [AssignmentRow(*row) for row in await self.session.execute(statement)]

    async def of_assessor(
        self, assessor_id: int, method_id: int | None = None
    ) -> list[AssignmentRow]:
        statement = self._rows().where(AssessorAssignment.assessor_id == assessor_id)
        if method_id is not None:
            statement = statement.where(AssessorAssignment.method_id == method_id)
        return await self._listed(statement)

    async def row(self, assignment_id: int) -> AssignmentRow | None:
        found = await self._listed(self._rows().where(AssessorAssignment.id == assignment_id))
        return found[0] if found else None

    async def in_programme(self, programme_id: int) -> list[AssignmentRow]:
        statement = self._rows().where(
            func.coalesce(AssessorAssignment.programme_id, Sitting.programme_id) == programme_id
        )
        return await self._listed(statement)

    async def existing(
        self,
        assessor_id: int,
        method_id: int,
        participant_ids: Collection[int],
        *,
        programme_id: int | None,
        sitting_id: int | None,
    ) -> set[int]:
        if not participant_ids:
            return set()
        statement = select(AssessorAssignment.participant_id).where(
            AssessorAssignment.assessor_id == assessor_id,
            AssessorAssignment.method_id == method_id,
            AssessorAssignment.participant_id.in_(list(participant_ids)),
        )
        if programme_id is not None:
            statement = statement.where(AssessorAssignment.programme_id == programme_id)
        else:
            statement = statement.where(AssessorAssignment.sitting_id == sitting_id)
        return set((await self.session.scalars(statement)).all())

    async def has_ratings(self, assignment_id: int) -> bool:
        found = await self.session.scalar(
            select(AssessorRating.id).where(AssessorRating.assignment_id == assignment_id).limit(1)
        )
        return found is not None


class RatingRepository(Repository[AssessorRating]):
    model = AssessorRating

    async def current(
        self, assignment_ids: Collection[int]
    ) -> dict[tuple[int, str], AssessorRating]:
        """(assignment, competency) → the highest version."""
        if not assignment_ids:
            return {}
        statement = (
            select(AssessorRating)
            .where(AssessorRating.assignment_id.in_(list(assignment_ids)))
            .ext(distinct_on(AssessorRating.assignment_id, AssessorRating.competency_code))
            .order_by(
                AssessorRating.assignment_id,
                AssessorRating.competency_code,
                AssessorRating.version.desc(),
            )
        )
        return {(r.assignment_id, r.competency_code): r for r in await self.all(statement)}

    async def history(self, assignment_id: int) -> list[AssessorRating]:
        statement = (
            select(AssessorRating)
            .where(AssessorRating.assignment_id == assignment_id)
            .order_by(AssessorRating.competency_code, AssessorRating.version)
        )
        return list(await self.all(statement))

    async def evidence(
        self, participant_ids: Collection[int], programme_id: int | None
    ) -> list[EvidenceRow]:
        """Every current rating of the participants (in one programme, when given)."""
        if not participant_ids:
            return []
        programme = func.coalesce(AssessorAssignment.programme_id, Sitting.programme_id)
        latest = (
            select(AssessorRating.id)
            .ext(distinct_on(AssessorRating.assignment_id, AssessorRating.competency_code))
            .order_by(
                AssessorRating.assignment_id,
                AssessorRating.competency_code,
                AssessorRating.version.desc(),
            )
            .scalar_subquery()
        )
        statement: Select[*tuple[Any, ...]] = (
            select(
                AssessorAssignment.participant_id,
                programme,
                AssessorRating.competency_code,
                AssessmentMethod.code,
                AssessorAssignment.assessor_id,
                StaffUser.full_name,
                AssessorRating.level,
                AssessorRating.evidence,
                AssessorRating.version,
                AssessorRating.rated_at,
            )
            .join(AssessorAssignment, AssessorAssignment.id == AssessorRating.assignment_id)
            .join(AssessmentMethod, AssessmentMethod.id == AssessorAssignment.method_id)
            .join(StaffUser, StaffUser.id == AssessorAssignment.assessor_id)
            .outerjoin(Sitting, Sitting.id == AssessorAssignment.sitting_id)
            .where(
                AssessorRating.id.in_(latest),
                AssessorAssignment.participant_id.in_(list(participant_ids)),
            )
            .order_by(
                AssessorAssignment.participant_id,
                AssessorRating.competency_code,
                AssessmentMethod.id,
                AssessorAssignment.assessor_id,
            )
        )
        if programme_id is not None:
            statement = statement.where(programme == programme_id)
        return [EvidenceRow(*row) for row in await self.session.execute(statement)]


EVIDENCE_COLUMNS: tuple[str, ...] = (
    "programme_code",
    "participant_no",
    "nip",
    "name",
    "competency",
    "method",
    "instrument_version",
    "assessor",
    "raw",
    "level",
    "notes",
    "recorded_at",
)


def evidence_export(programme_id: int, programme_code: str) -> Select[*tuple[Any, ...]]:
    """The programme's evidence in long form, one row per person × competency × method ×
    assessor: the CACT part from each attempt's current result (instrument version = sitting
    code and result version), then every assessor's current rating (= rating version)."""
    method_order = literal(0)
    cact = (
        select(
            literal(programme_code).label("programme_code"),
            Participant.participant_no,
            Participant.nip,
            Participant.name,
            ResultCompetency.competency_code.label("competency"),
            literal("CACT").label("method"),
            func.concat(Sitting.code, "#r", Result.version).label("instrument_version"),
            literal(None, String).label("assessor"),
            ResultCompetency.raw_score.label("raw"),
            ResultCompetency.attained_level.label("level"),
            literal(None, String).label("notes"),
            Result.scored_at.label("recorded_at"),
            method_order.label("method_order"),
        )
        .join(Attempt, Attempt.id == Result.attempt_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(ResultCompetency, ResultCompetency.result_id == Result.id)
        .where(Sitting.programme_id == programme_id, Result.is_current)
    )
    programme = func.coalesce(AssessorAssignment.programme_id, Sitting.programme_id)
    latest = (
        select(AssessorRating.id)
        .ext(distinct_on(AssessorRating.assignment_id, AssessorRating.competency_code))
        .order_by(
            AssessorRating.assignment_id,
            AssessorRating.competency_code,
            AssessorRating.version.desc(),
        )
        .scalar_subquery()
    )
    rated = (
        select(
            literal(programme_code),
            Participant.participant_no,
            Participant.nip,
            Participant.name,
            AssessorRating.competency_code,
            AssessmentMethod.code,
            func.concat("r", AssessorRating.version),
            StaffUser.full_name,
            literal(None, Numeric),
            AssessorRating.level,
            AssessorRating.evidence,
            AssessorRating.rated_at,
            AssessmentMethod.id,
        )
        .join(AssessorAssignment, AssessorAssignment.id == AssessorRating.assignment_id)
        .join(AssessmentMethod, AssessmentMethod.id == AssessorAssignment.method_id)
        .join(StaffUser, StaffUser.id == AssessorAssignment.assessor_id)
        .join(Participant, Participant.id == AssessorAssignment.participant_id)
        .outerjoin(Sitting, Sitting.id == AssessorAssignment.sitting_id)
        .where(AssessorRating.id.in_(latest), programme == programme_id)
    )
    both = union_all(cact, rated).subquery()
    return select(*(both.c[name] for name in EVIDENCE_COLUMNS)).order_by(
        both.c.participant_no,
        both.c.competency,
        both.c.method_order,
        both.c.assessor,
        both.c.recorded_at,
    )
