"""Admin page for one sitting's item analysis: the scale table per competency and the item table
with its flags and option distribution (docs/item-analysis.md), and the tables as files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import charts, service, stats
from cact.analysis.rasch import Calibration
from cact.analysis.stats import Analysis, ItemStat, ScaleStat
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.competencies import service as competencies
from cact.exam.statuses import SittingStatus
from cact.exports.pages import downloads, sitting_progress
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, attempt, error_page, say
from cact.rooms.schemas import PathId

router = APIRouter(include_in_schema=False)

NONE = "—"
# A flag on a number: which number it is about.
FACILITY_FLAGS = ("too_easy", "too_hard")
DISCRIMINATION_FLAGS = ("negative_discrimination", "low_discrimination")


def fixed(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def points(value: float) -> str:
    """A score maximum as written in the bank: 4, 1, 2.5."""
    return f"{value:g}"


def share(value: float) -> str:
    return f"{value * 100:.0f}%"


def scale_row(scale: ScaleStat, names: dict[str, str]) -> dict[str, Any]:
    return {
        "competency": scale.competency,
        "name": names.get(scale.competency, ""),
        "item_count": scale.items,
        "form_items": fixed(scale.form_items, 1),
        "n": scale.n,
        "mean_total": fixed(scale.mean_total),
        "sd_total": fixed(scale.sd_total),
        "alpha_form": fixed(scale.alpha_form),
        "sem": fixed(scale.sem),
        "person_reliability": fixed(scale.person_reliability),
        "person_separation": fixed(scale.person_separation),
    }


def rasch_block(
    code: str, calibration: Calibration, analysis: Analysis, names: dict[str, str], lang: str
) -> dict[str, Any]:
    """One scale's Wright map, its items' curves and its summary numbers."""
    label = analysis.versions.get
    items = [i for i in calibration.items if i.difficulty is not None]
    title = f"{code} {names.get(code, '')}".strip()
    return {
        "competency": code,
        "name": names.get(code, ""),
        "model": translate(lang, f"analysis.rasch.model.{calibration.model}"),
        "persons": len(calibration.persons),
        "items": len(items),
        "sigma": fixed(calibration.sigma),
        "person_reliability": fixed(calibration.person_reliability),
        "person_separation": fixed(calibration.person_separation),
        "eap_reliability": fixed(calibration.eap_reliability),
        "item_reliability": fixed(calibration.item_reliability),
        "converged": calibration.converged,
        "wright_map": charts.wright_map_svg(
            [p.measure for p in calibration.persons],
            [
                charts.MapItem(str(label(int(str(i.key)), i.key)), i.difficulty or 0.0)
                for i in items
            ],
            title=f"{translate(lang, 'analysis.rasch.wright_map')}: {title}",
            persons_label=translate(lang, "analysis.rasch.persons"),
            items_label=translate(lang, "analysis.rasch.items"),
        ),
        "icc": charts.icc_svg(
            [charts.Curve(str(label(int(str(i.key)), i.key)), i.thresholds) for i in items],
            title=f"{translate(lang, 'analysis.rasch.icc')}: {title}",
        ),
    }


def chosen_curve(analysis: Analysis, item_id: str, lang: str) -> dict[str, Any] | None:
    """The category probability curves of the item chosen with ``?icc=<item id>``."""
    for code, calibration in analysis.calibrations.items():
        for measure in calibration.items:
            if analysis.versions.get(int(str(measure.key))) == item_id and measure.difficulty:
                return {
                    "item_id": item_id,
                    "competency": code,
                    "svg": charts.icc_svg(
                        [charts.Curve(item_id, measure.thresholds)],
                        categories=True,
                        title=f"{translate(lang, 'analysis.rasch.categories')}: {item_id}",
                    ),
                    "scores": ", ".join(points(v) for v in measure.scores),
                }
    return None


def item_row(item: ItemStat, lang: str) -> dict[str, Any]:
    return {
        "competency": item.competency,
        "item_id": item.item_id,
        "n": item.n,
        "max_score": points(item.max_score),
        "mean_score": fixed(item.mean_score),
        "facility": fixed(item.facility),
        "facility_flagged": any(f in FACILITY_FLAGS for f in item.flags),
        "discrimination": fixed(item.discrimination),
        "discrimination_flagged": any(f in DISCRIMINATION_FLAGS for f in item.flags),
        "basis_test": item.discrimination_basis == "test",
        "difficulty": fixed(item.difficulty),
        "difficulty_se": fixed(item.difficulty_se),
        "infit": fixed(item.infit),
        "outfit": fixed(item.outfit),
        "flags": [
            {
                "code": flag,
                "text": translate(lang, f"admin.analysis.flag.{flag}"),
                "bad": flag == "negative_discrimination",
            }
            for flag in item.flags
        ],
        "options": [
            {
                "label": option.label or translate(lang, "admin.analysis.blank"),
                "count": option.count,
                "share": share(option.share),
                "mean_total": fixed(option.mean_total),
            }
            for option in item.options
        ],
    }


@router.get("/admin/sittings/{sitting_id}/item-analysis")
async def item_analysis_page(
    sitting_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    return await render_analysis(request, db, sitting_id)


async def render_analysis(
    request: Request,
    db: AsyncSession,
    sitting_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        sitting, counts = await sitting_progress(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    analysis = await service.calibrated_analysis(db, sitting_id)
    lang = request_language(request)
    names = {
        c.code: c.name_en if lang == "en" else c.name_id for c in await competencies.list_all(db)
    }
    base = f"/api/sittings/{sitting_id}/item-analysis"
    return admin_page(
        request,
        "item_analysis.html",
        "sittings",
        sitting=sitting,
        counts=counts,
        final=sitting.status == SittingStatus.CLOSED,
        scales=[scale_row(s, names) for s in analysis.scales],
        rasch=[
            rasch_block(code, calibration, analysis, names, lang)
            for code, calibration in sorted(analysis.calibrations.items())
        ],
        chosen=chosen_curve(analysis, request.query_params.get("icc", ""), lang),
        items=[item_row(i, lang) for i in analysis.items],
        flagged=sum(1 for i in analysis.items if i.flags),
        tables={table: downloads(f"{base}/{table}") for table in service.TABLES},
        thresholds={
            "low": stats.LOW_DISCRIMINATION,
            "easy": stats.TOO_EASY,
            "hard": stats.TOO_HARD,
            "min_n": stats.MIN_FLAG_N,
            "rest_items": stats.MIN_REST_ITEMS,
            "reliability_n": stats.MIN_RELIABILITY_N,
        },
        error=error,
        status_code=status_code,
    )


@router.post("/admin/sittings/{sitting_id}/item-analysis/calibrate")
async def calibrate_form(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> Response:
    """Calibrate again and store it (audited); refused while the sitting is not closed."""
    actor = Actor.staff(user, client_ip(request))
    refused = await attempt(db, lambda: service.recalibrate(db, sitting_id, actor))
    if refused is not None:
        if refused.status == 404:
            return error_page(request, refused)
        return await render_analysis(
            request,
            db,
            sitting_id,
            error=say(refused, request_language(request)),
            status_code=refused.status,
        )
    return RedirectResponse(
        f"/admin/sittings/{sitting_id}/item-analysis?done=calibrated", status_code=303
    )
