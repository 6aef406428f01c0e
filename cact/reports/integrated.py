"""An individual report that follows a signed-off integrated profile: the final levels replace
the attained ones, and JPM, categories, nine-box and recommendations are the sign-off's (the
scoring engine's formulas over the final levels, see cact.assessors.integration)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration
from cact.assessors.integration import SignedProfile
from cact.reports.repository import ReportRepository
from cact.reports.schemas import (
    CategoryPart,
    CompetencyRow,
    IndividualReport,
    IntegratedPart,
    IntegratedRow,
)
from cact.scoring import labels
from cact.scoring.presenters import recommend
from cact.scoring.schemas import ResultCompetencyRead


def _part(profile: SignedProfile, report: IndividualReport) -> IntegratedPart:
    signed = profile.integration
    return IntegratedPart(
        programme_id=signed.programme_id,
        version=signed.version,
        rule=signed.rule,
        signed_off_by=profile.signed_off_by,
        signed_off_at=signed.signed_off_at,
        time_zone=profile.time_zone,
        cact_jpm=report.jpm,
        cact_category=report.category,
        needs_review=bool(profile.review_reasons),
        review_reasons=profile.review_reasons,
        rows=[
            IntegratedRow(
                competency=code,
                cact_level=lv.cact_level,
                cact_index=lv.cact_index,
                methods={m: [int(r["level"]) for r in rs] for m, rs in (lv.methods or {}).items()},
                proposed_level=lv.proposed_level,
                final_level=lv.final_level,
                reason=lv.reason,
            )
            for code, lv in profile.levels.items()
        ],
    )


async def follow(db: AsyncSession, report: IndividualReport) -> IndividualReport:
    """The report as the newest sign-off has it; unchanged without one."""
    profile = await integration.signed_profile(db, report.attempt_id)
    if profile is None:
        return report
    signed, levels = profile.integration, profile.levels
    known = await ReportRepository(db).competencies(levels)
    rows = [
        CompetencyRow(
            competency=code,
            name_id=known[code].name_id,
            name_en=known[code].name_en,
            kind=str(known[code].kind),
            index=lv.cact_index,
            attained_level=lv.final_level,
            required_level=lv.required_level,
            gap=lv.gap,
        )
        for code, lv in levels.items()
    ]
    details = signed.details or {}
    repository = ReportRepository(db)
    policy = (await repository.policies([report.policy.id])).get(report.policy.id)
    stored_scale = labels.stored_scale(policy)
    categories = [
        CategoryPart(
            scale=scale,
            code=str(code),
            label_id=labels.label(policy, scale, str(code))[0],
            label_en=labels.label(policy, scale, str(code))[1],
            stored=scale == stored_scale,
        )
        for scale, code in (details.get("categories") or {}).items()
        if code is not None
    ]
    categories.sort(key=lambda c: (not c.stored, c.scale))
    combined = details.get("combined_score")
    recommendations = await recommend(
        db,
        [
            ResultCompetencyRead(
                competency=r.competency,
                name_id=r.name_id,
                name_en=r.name_en,
                kind=r.kind,
                raw_score=Decimal(0),
                max_score=Decimal(0),
                index=r.index or Decimal(0),
                attained_level=r.attained_level,
                required_level=r.required_level,
                gap=r.gap,
            )
            for r in rows
        ],
    )
    return report.model_copy(
        update={
            "integrated": _part(profile, report),
            "jpm": signed.jpm,
            "category": signed.category,
            "categories": categories,
            "nine_box": signed.nine_box,
            "potential": details.get("potential"),
            "combined_score": None if combined is None else Decimal(str(combined)),
            "combined_parts": {
                str(k): Decimal(str(v)) for k, v in (details.get("combined_parts") or {}).items()
            },
            "competencies": rows,
            "untested": [u for u in report.untested if u.competency not in levels],
            "recommendations": recommendations,
        }
    )
