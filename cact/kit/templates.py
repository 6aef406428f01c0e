"""The one Jinja2 environment (autoescaping on) for every server-rendered page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cact.kit.i18n import LANG_COOKIE, request_language, translate
from cact.kit.timezones import Zone, default_zone
from item_bank.problems import reading_order

DAY_FIRST = "%d-%m-%Y %H:%M"

UI_DIR = Path(__file__).resolve().parents[2] / "kiosk_ui"
templates = Jinja2Templates(directory=str(UI_DIR / "templates"))
templates.env.filters["reading_order"] = reading_order


def _replication(request: Request) -> Any:
    return getattr(getattr(request.scope.get("app"), "state", None), "replication", None)


def local_time(moment: datetime | None, zone: str | None = None, layout: str = DAY_FIRST) -> str:
    """ "02-12-2026 11:36 WITA": a stored UTC moment on the zone's clock, with its label."""
    return Zone(zone or default_zone()).when(moment, layout)


templates.env.globals["local_time"] = local_time


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    lang = request_language(request)
    page_context: dict[str, Any] = {
        "lang": lang,
        "t": lambda key, **values: translate(lang, key, **values),
        "tr": translate,  # a page that shows both languages at once
        "staff": getattr(request.state, "staff", None),
        # The standby room server's state (cact/ha/guard.py), loud on every staff page.
        "replication": _replication(request),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page_context, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response
