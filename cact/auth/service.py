"""Staff accounts, logging in and out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffSession, StaffUser
from cact.auth.passwords import hash_password_async, needs_rehash, verify_password
from cact.auth.repository import StaffSessionRepository, StaffUserRepository
from cact.auth.schemas import StaffUserCreate, StaffUserUpdate
from cact.kit.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from cact.kit.ratelimit import Key, RateLimiter, account_key, address_key
from cact.kit.rawdb import RawConnections


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "Nama pengguna atau kata sandi salah. / Wrong username or password."


class TooManyLoginTries(TooManyRequests):
    code = "too_many_login_tries"
    message = "Terlalu banyak percobaan masuk; tunggu sebentar. / Too many login tries; wait."


class UsernameTaken(Conflict):
    code = "username_taken"
    message = "Nama pengguna sudah dipakai. / That username is taken."


class StaffUserNotFound(NotFound):
    code = "staff_user_not_found"
    message = "Staff account not found."


@dataclass(frozen=True)
class LoggedIn:
    user: StaffUser
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str


def session_id_for(token: str, secret: str) -> str:
    """The stored id of a session cookie: keyed by CACT_SECRET_KEY, so a copy of the database
    alone matches no cookie, and changing the key ends every staff session at once."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _limit_keys(username: str, ip: str | None) -> tuple[Key, ...]:
    """Per (address, account) and per address: an attacker elsewhere cannot lock the account."""
    return (account_key("staff", username.strip().lower(), ip), address_key("staff", ip))


async def login(
    db: AsyncSession,
    limiter: RateLimiter,
    raw: RawConnections,
    username: str,
    password: str,
    *,
    ip: str | None,
    session_hours: float,
    secret: str,
) -> LoggedIn:
    now = datetime.now(UTC)
    # The try is checked and counted in one statement of its own, committed at once.
    async with raw() as connection:
        admission = await limiter.admit(connection, _limit_keys(username, ip), now)
    if not admission.admitted:
        raise TooManyLoginTries(headers={"Retry-After": str(admission.retry_after)})
    users = StaffUserRepository(db)
    user = await users.by_username(username.lower())
    valid = await verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentials()  # already counted by the admission
    async with raw() as connection:
        await limiter.succeeded(connection, admission, now)
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await StaffSessionRepository(db).add(
        StaffSession(
            id=session_id_for(token, secret),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=now + timedelta(hours=session_hours),
            ip=ip,
        )
    )
    user.last_login_at = now
    await audit.record(
        db, Actor.staff(user, ip), "staff.login", target_type="staff_user", target_id=user.id
    )
    return LoggedIn(user, token, csrf)


async def logout(db: AsyncSession, user: StaffUser, session_id: str, ip: str | None) -> None:
    await StaffSessionRepository(db).delete(session_id)
    await audit.record(
        db, Actor.staff(user, ip), "staff.logout", target_type="staff_user", target_id=user.id
    )


async def create_user(db: AsyncSession, data: StaffUserCreate, actor: Actor) -> StaffUser:
    users = StaffUserRepository(db)
    if await users.by_username(data.username) is not None:
        raise UsernameTaken()
    user = await users.add(
        StaffUser(
            username=data.username,
            full_name=data.full_name,
            roles=list(data.roles),
            password_hash=await hash_password_async(data.password),
        )
    )
    await audit.record(
        db,
        actor,
        "staff.create",
        target_type="staff_user",
        target_id=user.id,
        details={"username": user.username, "roles": user.roles},
    )
    return user


async def update_user(
    db: AsyncSession, user_id: int, data: StaffUserUpdate, actor: Actor
) -> StaffUser:
    user = await StaffUserRepository(db).get(user_id)
    if user is None:
        raise StaffUserNotFound()
    changes: dict[str, object] = {}
    if data.full_name is not None:
        user.full_name = changes["full_name"] = data.full_name
    if data.roles is not None:
        user.roles = sorted(set(data.roles))
        changes["roles"] = user.roles
    if data.is_active is not None:
        user.is_active = changes["is_active"] = data.is_active
    if data.password is not None:
        user.password_hash = await hash_password_async(data.password)
        changes["password"] = "changed"
    if data.is_active is False or data.password is not None:
        await StaffSessionRepository(db).delete_for_user(user.id)
    await db.flush()
    await audit.record(
        db, actor, "staff.update", target_type="staff_user", target_id=user.id, details=changes
    )
    return user


async def list_users(db: AsyncSession) -> list[StaffUser]:
    return await StaffUserRepository(db).listing()
