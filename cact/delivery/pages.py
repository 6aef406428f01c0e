"""The kiosk page: one static page; everything after it speaks kiosk protocol v1."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import escape

from cact.kit.i18n import catalogue
from cact.kit.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/kiosk")
async def kiosk_page(request: Request) -> HTMLResponse:
    response = render(
        request,
        "kiosk/index.html",
        {
            "api_base": "/api/kiosk/v1",
            "grace_ms": int(request.app.state.settings.save_grace_seconds * 1000),
            "messages_id": catalogue("kiosk.id"),
            "messages_en": catalogue("kiosk.en"),
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/kiosk/quit")
async def kiosk_quit(request: Request) -> HTMLResponse:
    """The quit URL of the SEB configuration CACT writes: SEB closes when it loads this; any
    other browser shows that the test is over."""
    lang = "en" if request.query_params.get("lang") == "en" else "id"
    messages = catalogue(f"kiosk.{lang}")
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(messages.get('quit.title', ''))}</title>"
        '<link rel="stylesheet" href="/static/kiosk/kiosk.css"></head><body>'
        f'<div class="center"><section class="card narrow" data-testid="quit">'
        f"<h1>{escape(messages.get('quit.title', ''))}</h1>"
        f'<p class="lead">{escape(messages.get("quit.body", ""))}</p></section></div>'
        "</body></html>"
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
