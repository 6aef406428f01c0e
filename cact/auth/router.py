from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cact.audit.service import Actor
from cact.auth import service
from cact.auth.cookies import clear_session_cookie, set_session_cookie
from cact.auth.deps import AdminUser, CurrentStaff, client_ip
from cact.auth.schemas import (
    LoginRequest,
    LoginResponse,
    StaffUserCreate,
    StaffUserRead,
    StaffUserUpdate,
)
from cact.kit.db import DbSession
from cact.kit.errors import error_response

router = APIRouter(prefix="/api/auth", tags=["auth"])
users_router = APIRouter(prefix="/api/staff-users", tags=["staff users"])


@router.post("/login", response_model=LoginResponse)
async def login(
    body: LoginRequest, request: Request, response: Response, db: DbSession
) -> LoginResponse | JSONResponse:
    settings = request.app.state.settings
    try:
        logged_in = await service.login(
            db,
            request.app.state.login_limiter,
            request.app.state.raw_connections,
            body.username,
            body.password,
            ip=client_ip(request),
            session_hours=settings.session_hours,
            secret=settings.secret_key,
        )
    except service.InvalidCredentials as refused:
        return error_response(refused)  # commits the counted failure
    set_session_cookie(response, request, settings, logged_in.token)
    return LoginResponse(
        user=StaffUserRead.model_validate(logged_in.user), csrf_token=logged_in.csrf_token
    )


@router.post("/logout", status_code=204)
async def logout(staff: CurrentStaff, request: Request, response: Response, db: DbSession) -> None:
    await service.logout(db, staff.user, staff.session.id, client_ip(request))
    clear_session_cookie(response)


@router.get("/me", response_model=LoginResponse)
async def me(staff: CurrentStaff) -> LoginResponse:
    return LoginResponse(
        user=StaffUserRead.model_validate(staff.user), csrf_token=staff.session.csrf_token
    )


@users_router.get("", response_model=list[StaffUserRead])
async def list_staff_users(_: AdminUser, db: DbSession) -> list[StaffUserRead]:
    return [StaffUserRead.model_validate(u) for u in await service.list_users(db)]


@users_router.post("", response_model=StaffUserRead, status_code=201)
async def create_staff_user(
    body: StaffUserCreate, admin: AdminUser, request: Request, db: DbSession
) -> StaffUserRead:
    user = await service.create_user(db, body, Actor.staff(admin, client_ip(request)))
    return StaffUserRead.model_validate(user)


@users_router.patch("/{user_id}", response_model=StaffUserRead)
async def update_staff_user(
    user_id: int, body: StaffUserUpdate, admin: AdminUser, request: Request, db: DbSession
) -> StaffUserRead:
    user = await service.update_user(db, user_id, body, Actor.staff(admin, client_ip(request)))
    return StaffUserRead.model_validate(user)
