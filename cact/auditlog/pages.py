"""The audit log page (server-rendered): the search's filters, pages of events, and links to the
same selection as a CSV or JSON Lines file."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.audit import service
from cact.audit.schemas import AuditFilter
from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, local_input, parse_local

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_PAGE = 100_000  # keeps a typed-in page number inside PostgreSQL's OFFSET range
ACTOR_KINDS = ("staff", "participant", "system")
TEXT_FILTERS = ("action", "actor", "target_type", "target_id")
DETAILS_SHOWN = 240  # characters; the export carries them whole


def _filters(request: Request) -> tuple[AuditFilter, list[str]]:
    """Forms send "" for "all"; an unreadable value is named, and not used as a filter."""
    lang = request_language(request)
    query = request.query_params
    values: dict[str, Any] = {
        k: query.get(k, "").replace("\x00", "").strip()[:200] or None for k in TEXT_FILTERS
    }
    problems = []
    kind = query.get("actor_kind", "")
    values["actor_kind"] = kind if kind in ACTOR_KINDS else None
    sitting = query.get("sitting_id", "").strip()
    values["sitting_id"] = int(sitting) if sitting.isdigit() and len(sitting) < 18 else None
    if sitting and values["sitting_id"] is None:
        problems.append(translate(lang, "admin.audit.bad_sitting", value=sitting[:40]))
    for name in ("since", "until"):
        text = query.get(name, "").strip()
        values[name] = parse_local(text) if text else None
        if text and values[name] is None:
            problems.append(translate(lang, "admin.audit.bad_time", value=text[:40]))
    return AuditFilter.model_validate(values), problems


def _form_values(filters: AuditFilter) -> dict[str, str]:
    values = {k: v for k, v in filters.model_dump().items() if v is not None}
    for name in ("since", "until"):
        moment = getattr(filters, name)
        if moment is not None:
            values[name] = local_input(moment)
    return {k: str(v) for k, v in values.items()}


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return "—" if value is None else str(value)


def _details(details: dict[str, Any]) -> list[tuple[str, str]]:
    """``key: value`` lines; one level of nesting becomes ``outer.inner``; long values cut."""
    pairs: list[tuple[str, str]] = []
    for key, value in sorted((details or {}).items()):
        if isinstance(value, dict) and value:
            pairs += [(f"{key}.{k}", _value(v)) for k, v in sorted(value.items())]
        else:
            pairs.append((key, _value(value)))
    return [(k, v if len(v) <= DETAILS_SHOWN else v[:DETAILS_SHOWN] + " …") for k, v in pairs]


def _choices(known: list[str], chosen: str | None) -> list[str]:
    """The values in the log, plus a chosen one the log does not hold (from a shared link)."""
    return known if not chosen or chosen in known else sorted([*known, chosen])


def _href(path: str, params: dict[str, Any]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


@router.get("/admin/audit")
async def audit_page(
    _: AdminUser, request: Request, db: DbSession, page: str = "1"
) -> HTMLResponse:
    filters, problems = _filters(request)
    number = min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1
    events, total = await service.search(
        db, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    form = _form_values(filters)
    known = await service.filter_choices(db)
    exported = filters.model_dump(mode="json", exclude_none=True)
    return admin_page(
        request,
        "audit.html",
        "audit",
        status_code=422 if problems else 200,
        error=" ".join(problems) or None,
        form=form,
        kinds=ACTOR_KINDS,
        actions=_choices(known["action"], filters.action),
        target_types=_choices(known["target_type"], filters.target_type),
        events=[{"event": e, "details": _details(e.details)} for e in events],
        total=total,
        page=number,
        pages=last,
        prev_href=_href("/admin/audit", {**form, "page": number - 1}) if number > 1 else None,
        next_href=_href("/admin/audit", {**form, "page": number + 1}) if number < last else None,
        exports={
            "csv": _href("/api/audit/export", {**exported, "format": "csv"}),
            "csv_bom": _href("/api/audit/export", {**exported, "format": "csv", "bom": "true"}),
            "jsonl": _href("/api/audit/export", {**exported, "format": "jsonl"}),
        },
    )
