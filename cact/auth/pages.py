"""Staff login, logout and home pages (server-rendered forms)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cact.auth import service
from cact.auth.cookies import clear_session_cookie, set_session_cookie
from cact.auth.deps import AnyStaffUser, CurrentStaff, client_ip
from cact.kit.db import DbSession
from cact.kit.i18n import request_language, translate
from cact.kit.templates import render

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "cact_login_csrf"

EDITOR_LINKS = [
    {"href": "/editor/items", "label": "home.editor.items"},
    {"href": "/editor/upload", "label": "home.editor.upload"},
    {"href": "/editor/blueprints", "label": "home.editor.blueprints"},
]
HOME_LINKS = {
    "admin": [
        {"href": "/proctor", "label": "home.proctor"},
        {"href": "/admin/sittings", "label": "admin.home.sittings"},
        {"href": "/admin/rooms", "label": "admin.home.rooms"},
        {"href": "/admin/participants", "label": "admin.home.participants"},
        {"href": "/admin/standards", "label": "admin.nav.standards"},
        {"href": "/admin/staff", "label": "admin.home.staff"},
        {"href": "/admin/audit", "label": "admin.home.audit"},
        {"href": "/admin/assessment", "label": "admin.nav.assessment"},
        *EDITOR_LINKS,
    ],
    "editor": EDITOR_LINKS,
    "proctor": [{"href": "/proctor", "label": "home.proctor"}],
    "assessor": [{"href": "/assessor", "label": "assess.mine.title"}],
    "lead_assessor": [{"href": "/assessor", "label": "assess.mine.title"}],
}
# Raw JSON for integrators: only on an admin's home, apart from the pages people work in.
API_LINKS = [
    {"href": "/openapi.json", "label": "home.api"},
    {"href": "/api/competencies", "label": "home.competencies"},
    {"href": "/api/audit", "label": "home.audit"},
    {"href": "/api/staff-users", "label": "home.staff"},
]


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce anyone to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/staff"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _login_page(
    request: Request,
    *,
    next_url: str,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "staff/login.html",
        {"login_csrf": token, "next": next_url, "error": error, "username": username},
        status_code=status_code,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
async def login_submit(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    lang = request_language(request)
    next_url = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request,
            next_url=next_url,
            error=translate(lang, "login.expired"),
            username=username,
            status_code=403,
        )
    try:
        logged_in = await service.login(
            db,
            request.app.state.login_limiter,
            request.app.state.raw_connections,
            username,
            password,
            ip=client_ip(request),
            session_hours=request.app.state.settings.session_hours,
            secret=request.app.state.settings.secret_key,
        )
    except service.TooManyLoginTries as exc:
        seconds = (exc.headers or {}).get("Retry-After", "60")
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            status_code=429,
            error=translate(lang, "login.throttled", seconds=seconds),
        )
    except service.InvalidCredentials:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            status_code=401,
            error=translate(lang, "login.failed"),
        )
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, request, request.app.state.settings, logged_in.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout_submit(staff: CurrentStaff, request: Request, db: DbSession) -> Response:
    await service.logout(db, staff.user, staff.session.id, client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/staff")
async def staff_home(user: AnyStaffUser, request: Request) -> HTMLResponse:
    links = list(
        {link["href"]: link for role in user.roles for link in HOME_LINKS.get(role, [])}.values()
    )
    api_links = API_LINKS if user.has_role("admin") else []
    return render(request, "staff/home.html", {"links": links, "api_links": api_links})


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/staff", status_code=303)
