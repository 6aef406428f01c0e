"""The demo's multi-method assessment (issue 20): on the demo programme, a matrix (CACT beside an
interview and a group discussion), the demo assessor assigned to the first people of wave 1 and
their ratings for some of them, so the demo lead assessor has an integration to sign off."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service as assessors
from cact.assessors.schemas import AssignmentCreate, MatrixBody, MatrixCell, RatingInput
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember

WEIGHTS = {
    "CACT": {"M.01": "1", "M.02": "1", "M.03": "1", "M.04": "1"},
    "WAWANCARA": {"M.01": "2", "M.02": "1", "M.04": "1"},
    "LGD": {"M.02": "1", "M.03": "1.5"},
}
ASSIGNED = 6  # the first members on the programme's list (wave 1 sat them)
RATED = 3  # of whom the assessor has rated the first three
NOTES = {
    1: "Belum ada contoh perilaku yang relevan.",
    2: "Contoh perilaku ada, belum konsisten.",
    3: "Perilaku sesuai standar, dengan contoh nyata.",
    4: "Contoh kuat dan berulang, berdampak pada unit.",
    5: "Menjadi teladan; mendorong orang lain.",
}


def _level(person: int, competency: str, method: str) -> int:
    """A level 2–4 that differs by person, competency and method (reproducible)."""
    return 2 + (person * 7 + sum(map(ord, competency)) + len(method)) % 3


async def load_assessment(
    db: AsyncSession, programme: Programme, assessor: StaffUser | None, actor: Actor
) -> dict[str, object]:
    """Once per programme: a second `cact demo` finds the matrix and leaves everything as it is."""
    summary: dict[str, object] = {
        "programme_id": programme.id,
        "integration": f"/integration/programmes/{programme.id}",
    }
    if await assessors.matrix(db, programme.id):
        return summary
    cells = [
        MatrixCell(competency=code, method=method, weight=Decimal(weight))
        for method, codes in WEIGHTS.items()
        for code, weight in codes.items()
    ]
    await assessors.set_matrix(db, programme.id, MatrixBody(cells=cells), actor)
    if assessor is None:  # an existing account without the assessor role: no assignments
        return summary
    members = (
        await db.scalars(
            select(Participant)
            .join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
            .where(ProgrammeMember.programme_id == programme.id)
            .order_by(Participant.id)
            .limit(ASSIGNED)
        )
    ).all()
    numbers = [p.participant_no for p in members]
    for method in ("WAWANCARA", "LGD"):
        data = AssignmentCreate(
            assessor_id=assessor.id, method=method, programme_id=programme.id, participants=numbers
        )
        await assessors.assign(db, data, actor)
    rated = set(numbers[:RATED])
    for row in await assessors.my_assignments(db, assessor):
        if row.participant_no not in rated:
            continue
        person = numbers.index(row.participant_no)
        ratings = []
        for code in WEIGHTS[row.method_code]:
            level = _level(person, code, row.method_code)
            ratings.append(RatingInput(competency=code, level=level, evidence=NOTES[level]))
        await assessors.save_ratings(db, assessor, row.id, ratings, source="api", actor=actor)
    summary["rated"] = sorted(rated)
    return summary
