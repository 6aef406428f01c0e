"""Who is calling: the staff user behind the session cookie, and the role a route demands."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cact.auth.models import StaffSession, StaffUser
from cact.auth.repository import StaffSessionRepository
from cact.auth.service import session_id_for
from cact.kit.db import DbSession
from cact.kit.errors import Forbidden, Unauthorized

SESSION_COOKIE = "cact_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionExpired(Unauthorized):
    code = "session_expired"
    message = "Sesi berakhir; silakan masuk lagi. / Your session has ended; log in again."


class CsrfRejected(Forbidden):
    code = "csrf_rejected"
    message = "Formulir kedaluwarsa; muat ulang halaman. / The form expired; reload the page."


class WrongRole(Forbidden):
    code = "wrong_role"
    message = "Peran Anda tidak mengizinkan tindakan ini. / Your role does not allow this."


@dataclass(frozen=True)
class StaffUserView:
    id: int
    username: str
    full_name: str
    roles: list[str]


@dataclass(frozen=True)
class StaffSessionView:
    csrf_token: str


@dataclass(frozen=True)
class StaffPageContext:
    user: StaffUserView
    session: StaffSessionView


@dataclass(frozen=True)
class StaffContext:
    user: StaffUser
    session: StaffSession


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, expected)


async def staff_context(request: Request, db: DbSession) -> StaffContext:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized()
    found = await StaffSessionRepository(db).valid_with_user(
        session_id_for(token, request.app.state.settings.secret_key)
    )
    if found is None:
        raise SessionExpired()
    staff_session, user = found
    if not user.roles:
        raise WrongRole()
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, staff_session.csrf_token):
        raise CsrfRejected()
    # Pages read plain values: an error page is rendered after the request's rollback, when
    # the ORM rows can no longer load anything.
    request.state.staff = StaffPageContext(
        StaffUserView(user.id, user.username, user.full_name, list(user.roles)),
        StaffSessionView(staff_session.csrf_token),
    )
    return StaffContext(user, staff_session)


staff_context.__cact_roles__ = ()  # type: ignore[attr-defined]  # any role


def require_role(*roles: str) -> Callable[..., Awaitable[StaffUser]]:
    """A dependency that admits a staff user holding any of ``roles`` (any role when empty)."""

    async def dependency(
        context: Annotated[StaffContext, Depends(staff_context)],
    ) -> StaffUser:
        if roles and not any(context.user.has_role(role) for role in roles):
            raise WrongRole()
        return context.user

    dependency.__cact_roles__ = roles  # type: ignore[attr-defined]  # read by the route-table test
    return dependency


AnyStaffUser = Annotated[StaffUser, Depends(require_role())]
AdminUser = Annotated[StaffUser, Depends(require_role("admin"))]
EditorUser = Annotated[StaffUser, Depends(require_role("editor", "admin"))]
ProctorUser = Annotated[StaffUser, Depends(require_role("proctor", "admin"))]
CurrentStaff = Annotated[StaffContext, Depends(staff_context)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
