"""The kiosk page: one static page; everything after it speaks kiosk protocol v1."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

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
