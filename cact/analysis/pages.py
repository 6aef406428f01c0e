"""Admin page for one sitting's item analysis: the scale table per competency and the item table
with its flags and option distribution (docs/item-analysis.md), and the tables as files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.analysis import service, stats
from cact.analysis.stats import ItemStat, ScaleStat
from cact.auth.deps import AdminUser
from cact.competencies import service as competencies
from cact.exam.statuses import SittingStatus
from cact.exports.pages import downloads, sitting_progress
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, error_page
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
        "n_complete": scale.n_complete,
        "mean_total": fixed(scale.mean_total),
        "sd_total": fixed(scale.sd_total),
        "alpha": fixed(scale.alpha),
        "sem": fixed(scale.sem),
    }


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
    try:
        sitting, counts = await sitting_progress(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    analysis = await service.item_analysis(db, sitting_id)
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
        items=[item_row(i, lang) for i in analysis.items],
        flagged=sum(1 for i in analysis.items if i.flags),
        tables={table: downloads(f"{base}/{table}") for table in service.TABLES},
        thresholds={
            "low": stats.LOW_DISCRIMINATION,
            "easy": stats.TOO_EASY,
            "hard": stats.TOO_HARD,
        },
    )
