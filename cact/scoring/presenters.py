"""Results as the API shows them: competency names, and development recommendations built from
the dictionary's descriptor of each required level (computed on read, so they follow the
dictionary's wording)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam import service as exam
from cact.exam.repository import AttemptRepository
from cact.participants.models import Participant
from cact.scoring import engine
from cact.scoring.engine import LevelText
from cact.scoring.models import Result
from cact.scoring.repository import ScoringRepository
from cact.scoring.schemas import (
    RecommendationRead,
    ResultCompetencyRead,
    ResultRead,
    SittingResultRead,
)
from cact.scoring.service import AttemptNotFound


async def _dictionary(
    repository: ScoringRepository, codes: set[str]
) -> dict[tuple[str, int], LevelText]:
    if not codes:
        return {}
    return {
        (level.competency_code, level.level): LevelText(
            name_id=name_id,
            name_en=name_en,
            descriptor_id=level.descriptor_id,
            descriptor_en=level.descriptor_en,
            indicators_id=tuple(level.indicators_id),
            indicators_en=tuple(level.indicators_en),
        )
        for level, name_id, name_en in await repository.level_texts(codes)
    }


def _recommendations(
    rows: Sequence[ResultCompetencyRead], dictionary: dict[tuple[str, int], LevelText]
) -> list[RecommendationRead]:
    found = engine.recommendations(
        ((c.competency, c.attained_level, c.required_level) for c in rows), dictionary
    )
    return [
        RecommendationRead(
            competency=rec.competency,
            attained_level=rec.attained,
            required_level=rec.required,
            gap=rec.gap,
            text_id=rec.text_id,
            text_en=rec.text_en,
            indicators_id=list(rec.indicators_id),
            indicators_en=list(rec.indicators_en),
        )
        for rec in found
    ]


async def recommend(
    db: AsyncSession, rows: Sequence[ResultCompetencyRead]
) -> list[RecommendationRead]:
    """Recommendations for levels from elsewhere (an integrated profile's final levels)."""
    short = {c.competency for c in rows if (c.gap or 0) < 0}
    return _recommendations(rows, await _dictionary(ScoringRepository(db), short))


async def present(
    db: AsyncSession, results: Sequence[Result], *, recommend: bool
) -> list[ResultRead]:
    repository = ScoringRepository(db)
    competencies: dict[int, list[ResultCompetencyRead]] = defaultdict(list)
    for row, competency in await repository.competencies_of([r.id for r in results]):
        competencies[row.result_id].append(
            ResultCompetencyRead(
                competency=row.competency_code,
                name_id=competency.name_id,
                name_en=competency.name_en,
                kind=competency.kind,
                raw_score=row.raw_score,
                max_score=row.max_score,
                index=row.index,
                attained_level=row.attained_level,
                required_level=row.required_level,
                gap=row.gap,
            )
        )
    short = {c.competency for rows in competencies.values() for c in rows if (c.gap or 0) < 0}
    dictionary = await _dictionary(repository, short) if recommend else {}
    return [
        ResultRead(
            id=r.id,
            attempt_id=r.attempt_id,
            version=r.version,
            is_current=r.is_current,
            policy_id=r.policy_id,
            scored_at=r.scored_at,
            reason=r.reason,
            jpm=r.jpm,
            category=r.category,
            combined_score=r.combined_score,
            nine_box=r.nine_box,
            details=r.details,
            competencies=competencies[r.id],
            recommendations=_recommendations(competencies[r.id], dictionary) if recommend else [],
        )
        for r in results
    ]


async def attempt_results(db: AsyncSession, attempt_id: int) -> list[ResultRead]:
    """Every version, the current one first."""
    results = await ScoringRepository(db).of_attempt(attempt_id)
    if not results and await AttemptRepository(db).get(attempt_id) is None:
        raise AttemptNotFound()
    return await present(db, results, recommend=True)


async def sitting_results(
    db: AsyncSession, sitting_id: int, *, limit: int, offset: int
) -> tuple[list[SittingResultRead], int]:
    """The current result of each scored attempt, by participant number."""
    await exam.get_sitting(db, sitting_id)
    repository = ScoringRepository(db)
    total = await repository.count_current_of_sitting(sitting_id)
    rows = await repository.page(repository.current_of_sitting(sitting_id), limit, offset)
    people: dict[int, Participant] = {r.id: p for r, p in rows}
    shown = await present(db, [r for r, _ in rows], recommend=True)
    return [
        SittingResultRead(
            **read.model_dump(),
            participant_id=people[read.id].id,
            participant_no=people[read.id].participant_no,
            participant_name=people[read.id].name,
        )
        for read in shown
    ], total
