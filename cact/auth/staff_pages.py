"""The staff accounts page (list, create, change roles, deactivate) on ``cact.auth.service``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth import service
from cact.auth.deps import AdminUser, client_ip
from cact.auth.models import ROLES, StaffUser
from cact.auth.schemas import StaffUserCreate, StaffUserUpdate
from cact.kit.db import DbSession
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, attempt, bind, checked, say, when

router = APIRouter(include_in_schema=False)

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
    data = bind(
        request,
        StaffUserCreate,
        {
            "username": username.strip().lower(),
            "full_name": full_name.strip(),
            "password": password,
            "roles": checked(roles or [], ROLES),
        },
        "admin.staff.field",
    )
    if isinstance(data, str):
        return await _staff_page(request, db, status_code=422, error=data, draft=draft)
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
    data = bind(
        request,
        StaffUserUpdate,
        {
            "full_name": full_name.strip() or None,
            "roles": chosen,
            "is_active": active,
            "password": password or None,
        },
        "admin.staff.field",
    )
    if isinstance(data, str):
        return await _staff_page(request, db, status_code=422, error=data)
    actor = Actor.staff(admin, client_ip(request))

    async def change() -> None:
        await service.update_user(db, user_id, data, actor)

    refused = await attempt(db, change)
    if refused is not None:
        return await _staff_page(request, db, status_code=refused.status, error=say(refused, lang))
    return RedirectResponse("/admin/staff?done=staff_saved", status_code=303)
