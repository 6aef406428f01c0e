"""Editor pages of item exposure and history: one item's versions across sittings
(``/editor/items/{item_id}/history``, linked from the item page) and the bank's most exposed
and flagged versions (``/editor/exposure``); docs/item-analysis.md, "Exposure and history"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.analysis import exposure, exposure_service
from cact.analysis.exposure import SittingEntry, VersionHistory
from cact.analysis.pages import NONE, fixed, share
from cact.auth.deps import EditorUser
from cact.kit.db import DbSession
from cact.kit.errors import NotFound
from cact.kit.i18n import request_language, translate
from cact.kit.pages import error_page, when
from cact.kit.templates import render

router = APIRouter(include_in_schema=False)


def rate(value: float | None) -> str:
    return NONE if value is None else share(value)


def signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


def flag_tags(flags: list[str], lang: str) -> list[dict[str, str]]:
    return [{"code": f, "text": translate(lang, f"exposure.flag.{f}")} for f in flags]


def entry_row(entry: SittingEntry, lang: str) -> dict[str, Any]:
    return {
        "sitting_id": entry.sitting_id,
        "code": entry.code,
        "title": entry.title,
        "when": when(entry.starts_at, entry.time_zone),
        "status": entry.status,
        "seen": entry.seen,
        "started": entry.started,
        "rate": rate(entry.rate),
        "n": NONE if entry.n is None else entry.n,
        "facility": fixed(entry.facility),
        "facility_change": signed(entry.facility_change),
        "discrimination": fixed(entry.discrimination),
        "basis_test": entry.discrimination_basis == "test",
        "difficulty": fixed(entry.difficulty),
        "difficulty_se": fixed(entry.difficulty_se),
        "difficulty_change": signed(entry.difficulty_change),
        "flags": flag_tags(entry.flags, lang),
        "over_exposed": exposure.OVER_EXPOSED in entry.flags,
        "drifting": exposure.DRIFTING in entry.flags,
    }


def version_row(history: VersionHistory, lang: str) -> dict[str, Any]:
    return {
        "item_id": history.item_id,
        "version": history.version,
        "competency": history.competency,
        "sitting_count": len(history.sittings),
        "seen": history.seen,
        "started": history.started,
        "rate": rate(history.rate),
        "max_rate": rate(history.max_rate),
        "n": history.n,
        "facility": fixed(history.facility),
        "latest_facility": fixed(history.latest_facility),
        "flags": flag_tags(history.flags, lang),
        "reasons": [translate(lang, f"exposure.reason.{r}") for r in history.reasons],
        "sittings": [entry_row(e, lang) for e in history.sittings],
    }


def _thresholds() -> dict[str, Any]:
    limits = exposure.thresholds()
    return {
        **limits,
        "max_exposure_rate": share(limits["max_exposure_rate"]),
        "min_exposure_attempts": int(limits["min_exposure_attempts"]),
        "max_sittings": int(limits["max_sittings"]),
        "max_seen": int(limits["max_seen"]),
        "drift_min_n": int(limits["drift_min_n"]),
    }


@router.get("/editor/items/{item_id}/history")
async def item_history_page(
    item_id: str, _: EditorUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        history = await exposure_service.item_history(db, item_id)
    except NotFound as exc:
        return error_page(request, exc)
    lang = request_language(request)
    return render(
        request,
        "editor/item_history.html",
        {
            "section": "items",
            "item": history,
            "versions": [version_row(v, lang) for v in history.versions],
            "limits": _thresholds(),
        },
    )


@router.get("/editor/exposure")
async def exposure_page(_: EditorUser, request: Request, db: DbSession) -> HTMLResponse:
    ranked, counts = await exposure_service.bank_exposure(db)
    lang = request_language(request)
    return render(
        request,
        "editor/exposure.html",
        {
            "section": "exposure",
            "rows": [version_row(v, lang) for v in ranked],
            "counts": counts,
            "limits": _thresholds(),
        },
    )
