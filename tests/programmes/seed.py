"""Hand-written results for small programmes whose analytics are computed by hand in the tests:
a sitting, an enrolment, a closed attempt and a current result with the given levels."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Attempt, Enrollment, Sitting
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember
from cact.scoring.models import Result, ResultCompetency
from cact.scoring.service import ensure_default_policy
from cact.standards.models import CompetencyStandard, Position
from tests.fixtures.factories import create_blueprint, create_room

_n = iter(range(1, 10**6))

# A raw score out of MAX per attained level, inside that level's band of the default policy's
# cutoffs (0.40, 0.55, 0.70, 0.85; docs/scoring.md § 4): a level shown with its index agrees.
MAX = 20
RAW = {1: 6, 2: 10, 3: 13, 4: 16, 5: 18}  # index 0.30, 0.50, 0.65, 0.80, 0.90


async def position(db: AsyncSession, code: str, group: str, levels: dict[str, int]) -> Position:
    found = Position(code=code, name=f"Jabatan {code}", group=group)
    db.add(found)
    await db.flush()
    db.add_all(
        CompetencyStandard(position_id=found.id, competency_code=c, required_level=lvl)
        for c, lvl in levels.items()
    )
    await db.flush()
    return found


async def programme(db: AsyncSession, validity_months: int = 36) -> Programme:
    n = next(_n)
    found = Programme(code=f"PRG-{n}", title=f"Program {n}", validity_months=validity_months)
    db.add(found)
    await db.flush()
    return found


async def sitting(db: AsyncSession, programme: Programme | None, code: str) -> Sitting:
    found = Sitting(
        code=code,
        title=code,
        room_id=(await create_room(db, seats=1)).id,
        blueprint_id=(await create_blueprint(db)).id,
        starts_at=datetime(2026, 1, 5, 1, tzinfo=UTC),
        status="closed",
        programme_id=programme.id if programme else None,
    )
    db.add(found)
    await db.flush()
    return found


async def person(
    db: AsyncSession,
    name: str,
    unit: str,
    pos: Position,
    programme: Programme | None = None,
    rating: str | None = None,
) -> Participant:
    n = next(_n)
    found = Participant(
        participant_no=f"H{n:05d}",
        nip=f"{197001012000011000 + n}",
        name=name,
        unit=unit,
        position_id=pos.id,
        performance_rating=rating,
    )
    db.add(found)
    await db.flush()
    if programme is not None:
        db.add(ProgrammeMember(programme_id=programme.id, participant_id=found.id))
        await db.flush()
    return found


async def result(
    db: AsyncSession,
    sitting: Sitting,
    who: Participant,
    levels: dict[str, tuple[int, int | None]],
    *,
    closed_at: datetime | None = None,
    jpm: str | None = None,
    nine_box: int | None = None,
) -> Attempt:
    """``levels``: competency → (attained, required)."""
    enrollment = Enrollment(sitting_id=sitting.id, participant_id=who.id, attendance="present")
    db.add(enrollment)
    await db.flush()
    attempt = Attempt(
        enrollment_id=enrollment.id,
        sitting_id=sitting.id,
        participant_id=who.id,
        status="submitted",
        form_seed=1,
        closed_at=closed_at or datetime(2026, 1, 5, 3, tzinfo=UTC),
        close_reason="finished",
    )
    db.add(attempt)
    await db.flush()
    policy = await ensure_default_policy(db)
    row = Result(
        attempt_id=attempt.id,
        version=1,
        policy_id=policy.id,
        jpm=None if jpm is None else Decimal(jpm),
        nine_box=nine_box,
    )
    db.add(row)
    await db.flush()
    db.add_all(
        ResultCompetency(
            result_id=row.id,
            competency_code=code,
            raw_score=Decimal(RAW[got]),
            max_score=Decimal(MAX),
            index=Decimal(RAW[got]) / MAX,
            attained_level=got,
            required_level=need,
            gap=None if need is None else got - need,
        )
        for code, (got, need) in levels.items()
    )
    await db.flush()
    return attempt
