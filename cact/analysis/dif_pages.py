"""Admin page for one sitting's DIF: pick a roster attribute, the reference and focal groups
and the matching criterion; the flagged items first, then every item (docs/item-analysis.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.analysis import dif, dif_service
from cact.analysis.dif import ItemDif
from cact.analysis.dif_service import CRITERIA, BadDifGroups
from cact.analysis.groups import ATTRIBUTES
from cact.auth.deps import AdminUser
from cact.exam.statuses import SittingStatus
from cact.exports.pages import sitting_progress
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, error_page, say
from cact.rooms.schemas import PathId

router = APIRouter(include_in_schema=False)

NONE = "—"


def _fixed(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return NONE
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def group_label(lang: str, attribute: str, value: str) -> str:
    """Gender values are codes ("male"); every other value is the roster's own text."""
    return translate(lang, f"dif.gender.{value}") if attribute == "gender" else value


def item_row(item: ItemDif, lang: str) -> dict[str, Any]:
    return {
        "competency": item.competency,
        "item_id": item.item_id,
        "method": translate(lang, f"dif.method.{item.method}"),
        "n_reference": item.n_reference,
        "n_focal": item.n_focal,
        "strata": item.strata or NONE,
        "odds_ratio": _fixed(item.odds_ratio),
        "delta": _fixed(item.delta),
        "smd": _fixed(item.smd, 3),
        "effect": _fixed(item.effect),
        "chi_square": _fixed(item.chi_square),
        "p_value": _p(item.p_value),
        "ets_class": item.ets_class or NONE,
        "flagged": item.flagged,
        "against": translate(lang, f"dif.against.{item.against}") if item.against else "",
        "note": translate(lang, f"dif.note.{item.note}") if item.note else "",
    }


@router.get("/admin/sittings/{sitting_id}/dif")
async def dif_page(
    sitting_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        sitting, counts = await sitting_progress(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    lang = request_language(request)
    query = request.query_params
    attribute = query.get("attribute") or "gender"
    criterion = query.get("criterion") or "kind"
    error = None
    status = 200
    if attribute not in ATTRIBUTES or criterion not in CRITERIA:
        error, status = translate(lang, "dif.error.choice"), 422
        attribute, criterion = "gender", "kind"
    # Groups picked for the attribute shown before mean nothing for a newly chosen one.
    kept = query.get("shown", attribute) == attribute
    reference = (query.get("reference") or None) if kept else None
    focal = (query.get("focal") or None) if kept else None
    report = None
    if error is None:
        try:
            report = await dif_service.sitting_dif(
                db,
                sitting_id,
                attribute,  # type: ignore[arg-type]
                reference,
                focal,
                criterion,  # type: ignore[arg-type]
            )
        except BadDifGroups as exc:
            error, status = say(exc, lang), exc.status
    if report is not None:
        counts_by_group = report.groups
    else:
        groups = await dif_service.attempt_groups(db, sitting_id, attribute)  # type: ignore[arg-type]
        counts_by_group = dict(Counter(groups.values()).most_common())
    items = [item_row(i, lang) for i in report.items] if report else []
    return admin_page(
        request,
        "dif.html",
        "sittings",
        status_code=status,
        sitting=sitting,
        counts=counts,
        final=sitting.status == SittingStatus.CLOSED,
        error=error,
        attributes=ATTRIBUTES,
        criteria=CRITERIA,
        attribute=attribute,
        criterion=criterion,
        reference=report.reference if report else (reference or ""),
        focal=report.focal if report else (focal or ""),
        groups=[
            {"value": v, "label": group_label(lang, attribute, v), "count": n}
            for v, n in counts_by_group.items()
        ],
        items=items,
        flagged=[row for row in items if row["flagged"]],
        analysed=bool(report and report.items),
        rules={
            "min_group": dif.MIN_GROUP,
            "min_stratum": dif.MIN_PER_GROUP,
            "alpha": dif.ALPHA,
            "delta_b": dif.DELTA_B,
            "delta_c": dif.DELTA_C,
            "smd_b": dif.SMD_B,
            "smd_c": dif.SMD_C,
        },
    )
