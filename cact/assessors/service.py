"""Methods, the matrix, assignments and ratings: every rule and its refusal.

An assessor reaches only their own assignments: someone else's is "not found", never
"forbidden", so ids reveal nothing. Ratings are versioned: a change adds a version and an
audit event; an unchanged level and note write nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import LEVELS, AssessmentMethod, AssessorRating
from cact.assessors.repository import (
    AssignmentRepository,
    AssignmentRow,
    MatrixRepository,
    MethodRepository,
    ProgrammeBrief,
    RatingRepository,
    ScopeLookup,
)
from cact.assessors.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentReport,
    CompetencyToRate,
    EvidenceRating,
    EvidenceRead,
    MatrixBody,
    MatrixCellRead,
    MethodCreate,
    MethodUpdate,
    RatingInput,
    RatingRead,
    RatingSheet,
    SavedRatings,
)
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.competencies.models import Competency
from cact.kit.errors import Conflict, InvalidInput, NotFound

ASSESSOR_ROLES = ("assessor", "lead_assessor")
MAX_EVIDENCE = 4000


class MethodNotFound(NotFound):
    code = "method_not_found"
    message = "Metode asesmen tidak ditemukan. / Assessment method not found."


class MethodCodeTaken(Conflict):
    code = "method_code_taken"
    message = "Kode metode sudah dipakai. / The method code is already in use."


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"
    message = "Program tidak ditemukan. / Programme not found."


class ScopeNotFound(NotFound):
    code = "assignment_scope_not_found"
    message = "Program atau sesi tidak ditemukan. / Programme or sitting not found."


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"
    message = (
        "Penugasan tidak ditemukan (atau bukan milik Anda). / Assignment not found (or not yours)."
    )


class AssignmentHasRatings(Conflict):
    code = "assignment_has_ratings"
    message = (
        "Penugasan ini sudah punya penilaian dan tidak dapat dihapus. / "
        "This assignment already has ratings and cannot be removed."
    )


class MatrixRejected(InvalidInput):
    code = "invalid_method_matrix"
    message = (
        "Matriks metode tidak valid; tidak ada yang disimpan. / Invalid matrix; nothing saved."
    )


class AssignmentRejected(InvalidInput):
    code = "invalid_assignment"
    message = "Penugasan tidak valid; tidak ada yang disimpan. / Invalid assignment; nothing saved."


class RatingsRejected(InvalidInput):
    code = "invalid_ratings"
    message = "Penilaian tidak valid; tidak ada yang disimpan. / Invalid ratings; nothing saved."


@dataclass(frozen=True)
class Refusal:
    """One refused entry of a list: where (a competency, a participant, a cell) and why."""

    at: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"at": self.at, "code": self.code, "message": self.message}


def _refused(error: type[InvalidInput], refusals: Sequence[Refusal]) -> InvalidInput:
    return error([r.as_dict() for r in refusals])


# --- methods ------------------------------------------------------------------------------


async def list_methods(db: AsyncSession, *, active_only: bool = False) -> list[AssessmentMethod]:
    return await MethodRepository(db).listed(active_only=active_only)


async def get_method(db: AsyncSession, method_id: int) -> AssessmentMethod:
    return await MethodRepository(db).get_or_raise(method_id, MethodNotFound)


async def create_method(db: AsyncSession, data: MethodCreate, actor: Actor) -> AssessmentMethod:
    methods = MethodRepository(db)
    code = data.code.upper()
    if await methods.by_code(code) is not None:
        raise MethodCodeTaken()
    method = await methods.add(
        AssessmentMethod(code=code, name_id=data.name_id, name_en=data.name_en, kind=data.kind)
    )
    await audit.record(
        db,
        actor,
        "assessment_method.create",
        target_type="assessment_method",
        target_id=method.id,
        details=data.model_dump(),
    )
    return method


async def update_method(
    db: AsyncSession, method_id: int, data: MethodUpdate, actor: Actor
) -> AssessmentMethod:
    method = await MethodRepository(db).for_update_or_raise(method_id, MethodNotFound)
    changes = data.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(method, name, value)
    await db.flush()
    await audit.record(
        db,
        actor,
        "assessment_method.update",
        target_type="assessment_method",
        target_id=method.id,
        details=changes,
    )
    return method


# --- the matrix ---------------------------------------------------------------------------


async def programmes(db: AsyncSession) -> list[ProgrammeBrief]:
    return await ScopeLookup(db).programmes()


async def programme(db: AsyncSession, programme_id: int) -> ProgrammeBrief:
    found = await ScopeLookup(db).programme(programme_id)
    if found is None:
        raise ProgrammeNotFound()
    return found


async def competencies(db: AsyncSession) -> list[Competency]:
    return await ScopeLookup(db).competencies()


async def matrix(db: AsyncSession, programme_id: int) -> list[MatrixCellRead]:
    await programme(db, programme_id)
    codes = {m.id: m.code for m in await list_methods(db)}
    return [
        MatrixCellRead(
            position_group=c.position_group,
            competency=c.competency_code,
            method=codes[c.method_id],
            weight=c.weight,
        )
        for c in await MatrixRepository(db).cells(programme_id)
    ]


async def matrix_groups(db: AsyncSession, programme_id: int) -> list[str]:
    return await MatrixRepository(db).groups(programme_id)


async def set_matrix(
    db: AsyncSession, programme_id: int, body: MatrixBody, actor: Actor
) -> list[MatrixCellRead]:
    """Replace one position group's cells; every bad cell is listed and nothing is saved."""
    await programme(db, programme_id)
    lookup = ScopeLookup(db)
    known = {c.code for c in await lookup.competencies()}
    methods = {m.code.upper(): m for m in await list_methods(db)}
    refusals: list[Refusal] = []
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, Any]] = []
    for n, cell in enumerate(body.cells, start=1):
        at = f"cells[{n}] {cell.competency} × {cell.method}"
        method = methods.get(cell.method.upper())
        if cell.competency not in known:
            refusals.append(Refusal(at, "unknown_competency", _unknown_competency(cell.competency)))
        if method is None:
            refusals.append(Refusal(at, "unknown_method", _unknown_method(cell.method)))
        elif not method.is_active:
            refusals.append(Refusal(at, "inactive_method", _inactive_method(method.code)))
        if not Decimal("0") < cell.weight <= Decimal("100"):
            refusals.append(Refusal(at, "bad_weight", _bad_weight(cell.weight)))
        key = (cell.competency, cell.method.upper())
        if key in seen:
            refusals.append(Refusal(at, "duplicate_cell", _duplicate_cell()))
        seen.add(key)
        if method is not None:
            rows.append(
                {"competency_code": cell.competency, "method_id": method.id, "weight": cell.weight}
            )
    if refusals:
        raise _refused(MatrixRejected, refusals)
    await MatrixRepository(db).replace_group(programme_id, body.position_group, rows)
    await audit.record(
        db,
        actor,
        "method_matrix.set",
        target_type="programme",
        target_id=programme_id,
        details={"position_group": body.position_group, "cells": len(rows)},
    )
    return await matrix(db, programme_id)


def _unknown_competency(code: str) -> str:
    return (
        f'Kompetensi "{code}" tidak ada di kamus. / Competency "{code}" is not in the dictionary.'
    )


def _unknown_method(code: str) -> str:
    return f'Metode "{code}" tidak dikenal. / Unknown method "{code}".'


def _inactive_method(code: str) -> str:
    return f'Metode "{code}" tidak aktif. / The method "{code}" is inactive.'


def _bad_weight(weight: Decimal) -> str:
    return (
        f"Bobot {weight} harus lebih dari 0 dan paling besar 100. / "
        f"The weight {weight} must be above 0 and at most 100."
    )


def _duplicate_cell() -> str:
    return "Sel ini muncul dua kali. / This cell appears twice."


# --- assignments --------------------------------------------------------------------------


def assignment_read(row: AssignmentRow, lang: str = "id") -> AssignmentRead:
    return AssignmentRead(
        id=row.id,
        assessor_id=row.assessor_id,
        assessor=row.assessor,
        participant_id=row.participant_id,
        participant_no=row.participant_no,
        participant_name=row.participant_name,
        method=row.method_code,
        method_name=row.method_name_en if lang == "en" else row.method_name_id,
        programme_id=row.programme_id,
        programme_code=row.programme_code,
        sitting_id=row.sitting_id,
        sitting_code=row.sitting_code,
        position_group=row.position_group,
    )


async def assessors(db: AsyncSession) -> list[StaffUser]:
    return await ScopeLookup(db).assessors()


async def assign(db: AsyncSession, data: AssignmentCreate, actor: Actor) -> AssignmentReport:
    """Assign one assessor to many participants at once (all or nothing). A participant must
    be a member of the programme, or enrolled in the sitting; the sitting must belong to a
    programme (its matrix says what to rate)."""
    lookup = ScopeLookup(db)
    refusals: list[Refusal] = []
    if (data.programme_id is None) == (data.sitting_id is None):
        raise AssignmentRejected(
            "Pilih tepat satu: program atau sesi. / Choose exactly one: a programme or a sitting."
        )
    assessor = await lookup.staff(data.assessor_id)
    if (
        assessor is None
        or not assessor.is_active
        or not any(assessor.has_role(r) for r in ASSESSOR_ROLES)
    ):
        refusals.append(
            Refusal(
                "assessor_id",
                "not_an_assessor",
                "Akun ini bukan asesor aktif. / This account is not an active assessor.",
            )
        )
    method = await MethodRepository(db).by_code(data.method)
    if method is None:
        refusals.append(Refusal("method", "unknown_method", _unknown_method(data.method)))
    elif method.kind == "computer":
        refusals.append(
            Refusal(
                "method",
                "not_rated_by_assessors",
                f"Metode {method.code} dinilai oleh sistem, bukan asesor. / "
                f"The method {method.code} is scored by the system, not by assessors.",
            )
        )
    elif not method.is_active:
        refusals.append(Refusal("method", "inactive_method", _inactive_method(method.code)))
    if data.sitting_id is not None:
        sitting = await lookup.sitting(data.sitting_id)
        if sitting is None:
            raise ScopeNotFound()
        if sitting.programme_id is None:
            refusals.append(
                Refusal(
                    "sitting_id",
                    "sitting_without_programme",
                    "Sesi ini bukan bagian dari program (tidak ada matriks). / "
                    "This sitting belongs to no programme (there is no matrix).",
                )
            )
    elif data.programme_id is not None and await lookup.programme(data.programme_id) is None:
        raise ScopeNotFound()
    numbers = list(dict.fromkeys(data.participants))
    people = await lookup.people_by_number(numbers)
    ids = [p.id for p in people.values()]
    inside = (
        await lookup.members(data.programme_id, ids)
        if data.programme_id is not None
        else await lookup.enrolled(data.sitting_id or 0, ids)
    )
    for number in numbers:
        person = people.get(number)
        if person is None:
            refusals.append(
                Refusal(
                    number,
                    "unknown_participant",
                    f'Peserta "{number}" tidak terdaftar. / '
                    f'Participant "{number}" is not registered.',
                )
            )
        elif person.id not in inside:
            refusals.append(
                Refusal(
                    number,
                    "outside_scope",
                    f'Peserta "{number}" bukan anggota program/sesi ini. / '
                    f'Participant "{number}" is not in this programme or sitting.',
                )
            )
    if refusals:
        raise _refused(AssignmentRejected, refusals)
    assert method is not None and assessor is not None
    repository = AssignmentRepository(db)
    already = await repository.existing(
        assessor.id, method.id, ids, programme_id=data.programme_id, sitting_id=data.sitting_id
    )
    new = [i for i in ids if i not in already]
    await repository.insert_rows(
        [
            {
                "assessor_id": assessor.id,
                "participant_id": pid,
                "method_id": method.id,
                "programme_id": data.programme_id,
                "sitting_id": data.sitting_id,
                "assigned_by": actor.id if actor.kind == "staff" else None,
            }
            for pid in new
        ]
    )
    await audit.record(
        db,
        actor,
        "assessor.assign",
        target_type="staff_user",
        target_id=assessor.id,
        details={
            "method": method.code,
            "programme_id": data.programme_id,
            "sitting_id": data.sitting_id,
            "participants": len(new),
        },
    )
    return AssignmentReport(created=len(new), already=len(already))


async def assignments_in_programme(db: AsyncSession, programme_id: int) -> list[AssignmentRow]:
    await programme(db, programme_id)
    return await AssignmentRepository(db).in_programme(programme_id)


async def unassign(db: AsyncSession, assignment_id: int, actor: Actor) -> None:
    repository = AssignmentRepository(db)
    assignment = await repository.for_update_or_raise(assignment_id, AssignmentNotFound)
    if await repository.has_ratings(assignment.id):
        raise AssignmentHasRatings()
    await repository.remove(assignment)
    await audit.record(
        db,
        actor,
        "assessor.unassign",
        target_type="assessor_assignment",
        target_id=assignment_id,
        details={
            "assessor_id": assignment.assessor_id,
            "participant_id": assignment.participant_id,
        },
    )


# --- the assessor's own work --------------------------------------------------------------


async def my_assignments(
    db: AsyncSession, user: StaffUser, method_id: int | None = None
) -> list[AssignmentRow]:
    return await AssignmentRepository(db).of_assessor(user.id, method_id)


async def my_assignment(db: AsyncSession, user: StaffUser, assignment_id: int) -> AssignmentRow:
    row = await AssignmentRepository(db).row(assignment_id)
    if row is None or row.assessor_id != user.id:
        raise AssignmentNotFound()
    return row


async def to_rate(db: AsyncSession, row: AssignmentRow) -> dict[str, Decimal]:
    """competency → weight: what the programme's matrix gives this method for the person."""
    if row.programme_id is None:
        return {}
    return await MatrixRepository(db).competencies_for(
        row.programme_id, row.position_group, row.method_id
    )


async def rating_sheet(
    db: AsyncSession, user: StaffUser, assignment_id: int, lang: str = "id"
) -> RatingSheet:
    row = await my_assignment(db, user, assignment_id)
    weights = await to_rate(db, row)
    names = {c.code: c for c in await ScopeLookup(db).competencies()}
    current = await RatingRepository(db).current([row.id])
    return RatingSheet(
        assignment=assignment_read(row, lang),
        competencies=[
            CompetencyToRate(
                code=code,
                name_id=names[code].name_id,
                name_en=names[code].name_en,
                weight=weight,
                current=RatingRead.model_validate(found)
                if (found := current.get((row.id, code)))
                else None,
            )
            for code, weight in weights.items()
        ],
    )


def check_rating(
    rating: RatingInput, allowed: Collection[str], method_code: str
) -> list[tuple[str, str]]:
    """(code, "Indonesian. / English.") for each thing wrong with one rating."""
    found: list[tuple[str, str]] = []
    if rating.competency not in allowed:
        found.append(
            (
                "competency_not_for_method",
                f'Kompetensi "{rating.competency}" tidak dinilai dengan metode {method_code} '
                f'menurut matriks. / The matrix does not assess "{rating.competency}" with '
                f"{method_code}.",
            )
        )
    if rating.level not in LEVELS:
        found.append(
            (
                "level_out_of_range",
                f"Level {rating.level} di luar 1–5. / Level {rating.level} is outside 1–5.",
            )
        )
    if len(rating.evidence) > MAX_EVIDENCE:
        found.append(
            (
                "evidence_too_long",
                f"Catatan bukti paling banyak {MAX_EVIDENCE} karakter. / "
                f"The evidence note is at most {MAX_EVIDENCE} characters.",
            )
        )
    return found


async def save_ratings(
    db: AsyncSession,
    user: StaffUser,
    assignment_id: int,
    ratings: Sequence[RatingInput],
    *,
    source: str,
    actor: Actor,
) -> SavedRatings:
    """All or nothing: every bad rating is listed. A changed level or note adds a version."""
    row = await my_assignment(db, user, assignment_id)
    allowed = await to_rate(db, row)
    refusals: list[Refusal] = []
    seen: set[str] = set()
    for rating in ratings:
        for code, message in check_rating(rating, allowed, row.method_code):
            refusals.append(Refusal(rating.competency, code, message))
        if rating.competency in seen:
            refusals.append(Refusal(rating.competency, "duplicate_competency", _duplicate_cell()))
        seen.add(rating.competency)
    if refusals:
        raise _refused(RatingsRejected, refusals)
    changed = await write_ratings(db, user, {row.id: list(ratings)}, source)
    await audit_ratings(db, actor, [row], changed, source)
    return SavedRatings(changed=len(changed), unchanged=len(ratings) - len(changed))


async def write_ratings(
    db: AsyncSession,
    user: StaffUser,
    ratings: dict[int, list[RatingInput]],
    source: str,
) -> list[AssessorRating]:
    repository = RatingRepository(db)
    current = await repository.current(list(ratings))
    added: list[AssessorRating] = []
    for assignment_id, given in ratings.items():
        for rating in given:
            before = current.get((assignment_id, rating.competency))
            if before and (before.level, before.evidence) == (rating.level, rating.evidence):
                continue
            added.append(
                AssessorRating(
                    assignment_id=assignment_id,
                    competency_code=rating.competency,
                    level=rating.level,
                    evidence=rating.evidence,
                    version=(before.version if before else 0) + 1,
                    source=source,
                    rated_by=user.id,
                )
            )
    db.add_all(added)
    await db.flush()
    return added


async def audit_ratings(
    db: AsyncSession,
    actor: Actor,
    rows: Sequence[AssignmentRow],
    added: Sequence[AssessorRating],
    source: str,
) -> None:
    by_assignment: dict[int, list[AssessorRating]] = defaultdict(list)
    for rating in added:
        by_assignment[rating.assignment_id].append(rating)
    for row in rows:
        if not by_assignment[row.id]:
            continue
        await audit.record(
            db,
            actor,
            "assessor.rate",
            target_type="assessor_assignment",
            target_id=row.id,
            details={
                "participant_no": row.participant_no,
                "method": row.method_code,
                "source": source,
                "ratings": [
                    {"competency": r.competency_code, "level": r.level, "version": r.version}
                    for r in by_assignment[row.id]
                ],
            },
        )


async def history(db: AsyncSession, user: StaffUser, assignment_id: int) -> list[AssessorRating]:
    row = await my_assignment(db, user, assignment_id)
    return await RatingRepository(db).history(row.id)


# --- the seam for the integration (issue 20, part 3) --------------------------------------


async def evidence(
    db: AsyncSession, participant_ids: Collection[int], programme_id: int | None = None
) -> list[EvidenceRead]:
    """Per participant × competency, the current assessor ratings grouped by method code:
    what an integration rule (weighted mean, "assessors decide") reads beside the CACT level."""
    grouped: dict[tuple[int, str], dict[str, list[EvidenceRating]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in await RatingRepository(db).evidence(participant_ids, programme_id):
        grouped[(row.participant_id, row.competency_code)][row.method_code].append(
            EvidenceRating(
                assessor_id=row.assessor_id,
                assessor=row.assessor,
                level=row.level,
                evidence=row.evidence,
                version=row.version,
                rated_at=row.rated_at,
            )
        )
    return [
        EvidenceRead(participant_id=pid, competency=code, by_method=dict(methods))
        for (pid, code), methods in grouped.items()
    ]
