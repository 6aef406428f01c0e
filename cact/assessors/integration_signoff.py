"""The lead assessor's sign-off: the final levels checked (all or nothing, every problem
listed), the job-person match from them through the scoring engine, and version n+1 with its
levels, audited. Reading the evidence is ``integration.py``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration, service
from cact.assessors.integration_repository import CactResult, IntegrationRepository
from cact.assessors.integration_schemas import (
    MAX_REASON,
    FinalLevel,
    IntegrationRow,
    IntegrationView,
    SignOffBody,
)
from cact.assessors.models import LEVELS, Integration, IntegrationLevel
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.kit.errors import Conflict, InvalidInput
from cact.scoring import engine
from cact.scoring.engine import AttemptScore, CompetencyScore
from cact.scoring.policy import PolicyBody


class IntegrationRejected(InvalidInput):
    code = "invalid_integration"
    message = (
        "Level akhir tidak valid; tidak ada yang ditandatangani. / "
        "Invalid final levels; nothing signed off."
    )


class AlreadySignedOff(Conflict):
    code = "already_signed_off"
    message = (
        "Profil ini sudah ditandatangani dengan level yang sama. / "
        "This profile is already signed off with the same levels."
    )


def refusals(rows: Sequence[IntegrationRow], given: Sequence[FinalLevel]) -> list[dict[str, str]]:
    """Every thing wrong with the final levels, each with where and why."""
    by_code = {r.competency: r for r in rows}
    found: list[dict[str, str]] = []
    seen: set[str] = set()

    def refuse(at: str, code: str, message: str) -> None:
        found.append({"at": at, "code": code, "message": message})

    for level in given:
        row = by_code.get(level.competency)
        if row is None:
            refuse(
                level.competency,
                "unknown_competency",
                f'Kompetensi "{level.competency}" tidak ada dalam profil peserta ini. / '
                f'The competency "{level.competency}" is not in this participant\'s profile.',
            )
        if level.competency in seen:
            refuse(level.competency, "duplicate_competency", "Muncul dua kali. / Given twice.")
        seen.add(level.competency)
        if level.level not in LEVELS:
            refuse(
                level.competency,
                "level_out_of_range",
                f"Level {level.level} di luar 1–5. / Level {level.level} is outside 1–5.",
            )
        elif row is not None and row.proposed_level not in (None, level.level) and not level.reason:
            refuse(
                level.competency,
                "reason_required",
                f"Level akhir {level.level} berbeda dari usulan {row.proposed_level}: alasan "
                f"wajib diisi. / The final level {level.level} differs from the proposal "
                f"{row.proposed_level}: a reason is required.",
            )
        if len(level.reason) > MAX_REASON:
            refuse(
                level.competency,
                "reason_too_long",
                f"Alasan paling banyak {MAX_REASON} karakter. / "
                f"The reason is at most {MAX_REASON} characters.",
            )
    for code in sorted(set(by_code) - seen):
        refuse(
            code,
            "missing_level",
            "Level akhir belum diisi. / The final level is missing.",
        )
    return found


def outcome(
    cact: CactResult | None, finals: dict[str, int], kinds: dict[str, str]
) -> AttemptScore | None:
    """JPM, categories and nine-box from the final levels: the CACT result's standard, policy,
    position group and performance rating, with the levels substituted (the engine's formulas)."""
    if cact is None:
        return None
    required = integration.required_levels(cact)
    scores = []
    for code, level in sorted(finals.items()):
        c = cact.competencies.get(code)
        scores.append(
            CompetencyScore(
                code=code,
                raw=int(c.raw_score) if c else 0,
                maximum=int(c.max_score) if c else 0,
                index=c.index if c else Decimal("0.0000"),
                attained=level,
                required=required.get(code),
                items=0,
                answered=0,
            )
        )
    details = cact.result.details or {}
    return engine.score_levels(
        scores,
        PolicyBody.model_validate(cact.policy.body),
        standard=required,
        kinds=kinds,
        group=details.get("position_group"),
        rating=details.get("performance_rating"),
    )


def _details(score: AttemptScore | None) -> dict[str, Any]:
    if score is None:
        return {}
    return {
        "categories": score.categories,
        "potential": score.potential,
        "combined_score": None if score.combined is None else str(score.combined),
        "combined_parts": {k: str(v) for k, v in score.parts.items()},
        "untested": [{"competency": c, "required_level": lvl} for c, lvl in score.untested],
    }


def _unchanged(found: integration.Facts, given: dict[str, FinalLevel]) -> bool:
    """The newest version has these very levels and reasons, and nothing asks for a review."""
    if not found.levels or set(found.levels) != set(given):
        return False
    if any(
        (lv.final_level, lv.reason) != (given[c].level, given[c].reason)
        for c, lv in found.levels.items()
    ):
        return False
    current = found.versions[0][0]
    return not integration.review_reasons(current, found.levels, found.cact)


def _no_evidence(found: integration.Facts) -> list[dict[str, str]]:
    """The matrix lists what to assess; it is no evidence. A CACT level or a rating is."""
    if any(r.cact_level is not None or any(r.ratings.values()) for r in found.rows):
        return []
    return [
        {
            "at": found.person.participant.participant_no,
            "code": "no_evidence",
            "message": "Belum ada bukti untuk diintegrasikan. / There is no evidence to integrate.",
        }
    ]


def _version(found: integration.Facts, score: AttemptScore | None, user: StaffUser) -> Integration:
    current = found.versions[0][0] if found.versions else None
    return Integration(
        programme_id=found.programme.id,
        participant_id=found.person.participant.id,
        version=(current.version if current else 0) + 1,
        rule=found.rule,
        result_id=found.cact.result.id if found.cact else None,
        attempt_id=found.cact.result.attempt_id if found.cact else None,
        signed_off_by=user.id,
        jpm=score.jpm if score else None,
        category=score.category if score else None,
        nine_box=score.nine_box if score else None,
        details=_details(score),
    )


def _levels(
    row: Integration,
    rows: Sequence[IntegrationRow],
    given: dict[str, FinalLevel],
    score: AttemptScore | None,
) -> list[IntegrationLevel]:
    gaps = {s.code: s.gap for s in score.competencies} if score else {}
    return [
        IntegrationLevel(
            integration_id=row.id,
            competency_code=r.competency,
            cact_level=r.cact_level,
            cact_index=r.cact_index,
            methods={m: [e.model_dump(mode="json") for e in rs] for m, rs in r.ratings.items()},
            weighted_mean=r.weighted_mean,
            proposed_level=r.proposed_level,
            final_level=given[r.competency].level,
            reason=given[r.competency].reason,
            required_level=r.required_level,
            gap=gaps.get(r.competency),
        )
        for r in rows
    ]


async def sign_off(
    db: AsyncSession,
    programme_id: int,
    participant_id: int,
    body: SignOffBody,
    user: StaffUser,
    actor: Actor,
) -> IntegrationView:
    """All or nothing: every bad final level is listed. A sign-off adds version n+1; the same
    levels and reasons again (with nothing to review) are refused."""
    await service.programme(db, programme_id)
    repository = IntegrationRepository(db)
    await repository.lock(programme_id, participant_id)
    found = await integration.facts(db, programme_id, participant_id)
    problems = refusals(found.rows, body.levels) + _no_evidence(found)
    if problems:
        raise IntegrationRejected(problems)
    given = {g.competency: g for g in body.levels}
    if _unchanged(found, given):
        raise AlreadySignedOff()
    score = outcome(found.cact, {c: g.level for c, g in given.items()}, await repository.kinds())
    row = _version(found, score, user)
    db.add(row)
    await db.flush()
    db.add_all(_levels(row, found.rows, given, score))
    await db.flush()
    await audit.record(
        db,
        actor,
        "integration.sign_off",
        target_type="participant",
        target_id=participant_id,
        details={
            "programme_id": programme_id,
            "participant_no": found.person.participant.participant_no,
            "version": row.version,
            "rule": found.rule,
            "jpm": None if row.jpm is None else str(row.jpm),
            "levels": [
                {
                    "competency": r.competency,
                    "proposed": r.proposed_level,
                    "final": given[r.competency].level,
                }
                for r in found.rows
            ],
        },
    )
    return await integration.view(db, programme_id, participant_id)
