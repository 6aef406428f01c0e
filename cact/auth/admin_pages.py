"""Admin pages (server-rendered): the helpers every admin page shares, and the staff accounts
page (list, create, change roles, deactivate) on ``cact.auth.service``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth import service
from cact.auth.deps import AdminUser, client_ip
from cact.auth.models import ROLES, StaffUser
from cact.auth.schemas import StaffUserCreate, StaffUserUpdate
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import catalogue, request_language, translate
from cact.kit.templates import render

router = APIRouter(include_in_schema=False)

# --- shared by the admin pages ------------------------------------------------------------


def when(moment: datetime | None) -> str:
    """The room server's local time: what the people in the room read on their clocks."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


def local_input(moment: datetime | None) -> str:
    """A value for ``<input type="datetime-local">`` in the room server's time."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(text: str) -> datetime | None:
    """``2026-11-23T08:00`` or ``2026-11-23 08:00`` read as the room server's local time."""
    cleaned = " ".join(text.strip().replace("T", " ").split())
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(cleaned, layout).astimezone()
        except ValueError:
            continue
    return None


def say(error: CactError, lang: str) -> str:
    """Messages read "Indonesian. / English."; a page shows its own language's half."""
    text = error.detail if isinstance(error.detail, str) else error.message
    halves = text.split(" / ", 1)
    return halves[1] if lang == "en" and len(halves) == 2 else halves[0]


def invalid(request: Request, error: ValidationError, prefix: str) -> str:
    """The first invalid field of a form, named as the form names it."""
    lang = request_language(request)
    first = error.errors()[0]
    name = str(first["loc"][0]) if first.get("loc") else ""
    label = translate(lang, f"{prefix}.{name}") if name else ""
    return translate(lang, "admin.invalid_field", field=label, detail=first.get("msg", ""))


async def attempt(db: AsyncSession, change: Callable[[], Awaitable[Any]]) -> CactError | None:
    """Run ``change`` in a savepoint: refused, it leaves no trace and the page can still render
    with the request's session (which then commits nothing of it)."""
    savepoint = await db.begin_nested()
    try:
        await change()
    except CactError as exc:
        await savepoint.rollback()
        return exc
    await savepoint.commit()
    return None


def flash_text(request: Request) -> str | None:
    """``?done=<key>`` after a redirect: a known message, never text from the address bar."""
    key = request.query_params.get("done", "")
    full = f"admin.done.{key}"
    return translate(request_language(request), full) if full in catalogue("id") else None


def admin_page(
    request: Request,
    template: str,
    section: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    page = {
        "section": section,
        "flash": flash_text(request),
        "error": None,
        "when": when,
        "local_input": local_input,
        **context,
    }
    return render(request, f"admin/{template}", page, status_code=status_code)


def error_response(request: Request, error: CactError) -> HTMLResponse:
    """A whole page for a refused request (unknown id …) while the user's rows are loaded."""
    context = {"status": error.status, "detail": say(error, request_language(request))}
    return render(request, "staff/error.html", context, status_code=error.status)


def checked(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    known = set(allowed)
    return [v for v in values if v in known]


# --- staff accounts -----------------------------------------------------------------------


def _account(user: StaffUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "roles": list(user.roles),
        "is_active": user.is_active,
        "last_login_at": when(user.last_login_at),
        "created_at": when(user.created_at),
    }


async def _staff_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    users = [_account(u) for u in await service.list_users(db)]
    page = {"users": users, "roles": ROLES, "draft": {}, **context}
    return admin_page(request, "staff.html", "staff", status_code=status_code, **page)


@router.get("/admin/staff")
async def staff_list(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _staff_page(request, db)


@router.post("/admin/staff")
async def staff_create(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=200)] = "",
    full_name: Annotated[str, Form(max_length=400)] = "",
    password: Annotated[str, Form(max_length=400)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    draft = {"username": username, "full_name": full_name, "roles": roles or []}
    try:
        data = StaffUserCreate.model_validate(
            {
                "username": username.strip().lower(),
                "full_name": full_name.strip(),
                "password": password,
                "roles": checked(roles or [], ROLES),
            }
        )
    except ValidationError as exc:
        message = invalid(request, exc, "admin.staff.field")
        return await _staff_page(request, db, status_code=422, error=message, draft=draft)
    actor = Actor.staff(admin, client_ip(request))

    async def create() -> None:
        await service.create_user(db, data, actor)

    refused = await attempt(db, create)
    if refused is not None:
        message = say(refused, request_language(request))
        return await _staff_page(
            request, db, status_code=refused.status, error=message, draft=draft
        )
    return RedirectResponse("/admin/staff?done=staff_created", status_code=303)


@router.post("/admin/staff/{user_id}")
async def staff_update(
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    admin: AdminUser,
    request: Request,
    db: DbSession,
    full_name: Annotated[str, Form(max_length=400)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    is_active: Annotated[str, Form()] = "",
    password: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    lang = request_language(request)
    chosen = checked(roles or [], ROLES)
    active = is_active == "on"
    if user_id == admin.id and ("admin" not in chosen or not active):
        # The last way back in would be the command line: nobody locks themselves out here.
        error = translate(lang, "admin.staff.not_yourself")
        return await _staff_page(request, db, status_code=409, error=error)
    try:
        data = StaffUserUpdate.model_validate(
            {
                "full_name": full_name.strip() or None,
                "roles": chosen,
                "is_active": active,
                "password": password or None,
            }
        )
    except ValidationError as exc:
        message = invalid(request, exc, "admin.staff.field")
        return await _staff_page(request, db, status_code=422, error=message)
    actor = Actor.staff(admin, client_ip(request))

    async def change() -> None:
        await service.update_user(db, user_id, data, actor)

    refused = await attempt(db, change)
    if refused is not None:
        return await _staff_page(request, db, status_code=refused.status, error=say(refused, lang))
    return RedirectResponse("/admin/staff?done=staff_saved", status_code=303)
