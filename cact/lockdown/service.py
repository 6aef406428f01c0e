"""A sitting's browser policy: read, change (audited), enforce on kiosk calls, record refusals,
and the SEB configuration file."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam.repository import SittingRepository
from cact.exam.service import SittingNotFound, attempt_changed
from cact.kit.rawdb import RawConnections
from cact.lockdown import configuration, seb, statements
from cact.lockdown.cache import PolicyCache
from cact.lockdown.errors import BrowserNotAllowed, PublicBaseUrlMissing
from cact.lockdown.models import BrowserKind, BrowserPolicy
from cact.lockdown.policy import Enforced, Facts, refusal
from cact.lockdown.repository import BrowserPolicyRepository, BrowserRefusalRepository
from cact.lockdown.schemas import BrowserPolicyRead, BrowserPolicyUpdate

AUDIT_REFUSAL_EVERY = timedelta(minutes=1)


def enforced(row: Mapping[str, Any] | BrowserPolicy, base_url: str | None) -> Enforced:
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    kind = str(get("kind"))
    key = None
    if kind == BrowserKind.SEB and get("seb_check_config_key") and base_url:
        key = configuration.config_key(base_url, quit_password_hash=get("seb_quit_password_hash"))
    elif kind == BrowserKind.SEB and get("seb_check_config_key"):
        key = ""  # no base URL: nothing can match; the check says why
    return Enforced(
        sitting_id=int(str(get("sitting_id"))),
        kind=kind,
        config_key=key,
        browser_exam_keys=frozenset(get("seb_browser_exam_keys") or ()),
        user_agent_marker=get("app_user_agent_marker"),
        secret=get("app_secret"),
    )


async def load_in_force(raw: RawConnections, base_url: str | None) -> dict[int, Enforced]:
    async with raw() as connection:
        rows = await statements.in_force(connection)
    return {int(row["sitting_id"]): enforced(dict(row), base_url) for row in rows}


# --- reading and changing ------------------------------------------------------------------


def read(sitting_id: int, policy: BrowserPolicy | None, base_url: str | None) -> BrowserPolicyRead:
    kind = BrowserKind(policy.kind) if policy else BrowserKind.ANY
    config_key = None
    start = quit_url = seb_file = None
    if base_url and kind == BrowserKind.SEB and policy is not None:
        config_key = configuration.config_key(
            base_url, quit_password_hash=policy.seb_quit_password_hash
        )
        start, quit_url = configuration.start_url(base_url), configuration.quit_url(base_url)
        seb_file = f"/api/sittings/{sitting_id}/seb-config"
    elif base_url and kind == BrowserKind.EXAM_APP and policy is not None and policy.app_secret:
        start = configuration.app_start_url(base_url, policy.app_secret)
    elif base_url:
        start = configuration.start_url(base_url)
    return BrowserPolicyRead(
        sitting_id=sitting_id,
        kind=kind,
        check_config_key=policy.seb_check_config_key if policy else True,
        browser_exam_keys=list(policy.seb_browser_exam_keys) if policy else [],
        quit_password_set=bool(policy and policy.seb_quit_password_hash),
        user_agent_marker=policy.app_user_agent_marker if policy else None,
        config_key=config_key,
        start_url=start,
        quit_url=quit_url,
        seb_file_url=seb_file,
        public_base_url=base_url,
        updated_at=policy.updated_at if policy else None,
        updated_by=policy.updated_by if policy else None,
    )


async def get(db: AsyncSession, sitting_id: int) -> BrowserPolicy | None:
    await SittingRepository(db).get_or_raise(sitting_id, SittingNotFound)
    return await BrowserPolicyRepository(db).get(sitting_id)


async def update(
    db: AsyncSession,
    sitting_id: int,
    data: BrowserPolicyUpdate,
    actor: Actor,
    base_url: str | None,
    now: datetime,
) -> BrowserPolicy:
    """Set the sitting's policy (allowed at any time, also while it runs: switching back to any
    browser is the way out of a lock-out), audited with what changed, never the secrets."""
    if data.kind != BrowserKind.ANY and not base_url:
        raise PublicBaseUrlMissing()
    policy = await get(db, sitting_id)
    before = _summary(policy)
    if policy is None:
        policy = BrowserPolicy(sitting_id=sitting_id, seb_browser_exam_keys=[])
        db.add(policy)
    policy.kind = data.kind
    policy.seb_check_config_key = data.check_config_key
    policy.seb_browser_exam_keys = list(data.browser_exam_keys)
    if data.clear_quit_password:
        policy.seb_quit_password_hash = None
    elif data.quit_password:
        policy.seb_quit_password_hash = seb.hashed_password(data.quit_password)
    policy.app_user_agent_marker = data.user_agent_marker
    secret_changed = data.kind == BrowserKind.EXAM_APP and (
        data.new_secret or not policy.app_secret
    )
    if secret_changed:
        policy.app_secret = secrets.token_urlsafe(24)
    policy.updated_at, policy.updated_by = now, actor.name
    await db.flush()
    after = _summary(policy)
    after["quit_password_changed"] = bool(data.quit_password or data.clear_quit_password)
    after["secret_changed"] = secret_changed
    if policy.kind == BrowserKind.SEB and base_url:
        after["config_key"] = configuration.config_key(
            base_url, quit_password_hash=policy.seb_quit_password_hash
        )
    await audit.record(
        db,
        actor,
        "sitting.browser_policy",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        details={"before": before, "after": after},
    )
    return policy


def _summary(policy: BrowserPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"kind": BrowserKind.ANY.value}
    return {
        "kind": policy.kind,
        "check_config_key": policy.seb_check_config_key,
        "browser_exam_keys": list(policy.seb_browser_exam_keys),
        "quit_password_set": policy.seb_quit_password_hash is not None,
        "user_agent_marker": policy.app_user_agent_marker,
    }


async def seb_file(db: AsyncSession, sitting_id: int, base_url: str | None) -> tuple[str, bytes]:
    """The sitting's .seb file (its name, from the sitting's code, and its bytes): an
    unencrypted XML property list, which SEB opens as is."""
    if not base_url:
        raise PublicBaseUrlMissing()
    sitting = await SittingRepository(db).get_or_raise(sitting_id, SittingNotFound)
    policy = await BrowserPolicyRepository(db).get(sitting_id)
    password = policy.seb_quit_password_hash if policy else None
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", sitting.code) or str(sitting_id)
    return f"{name}.seb", seb.plist_bytes(
        configuration.build(base_url, quit_password_hash=password)
    )


# --- enforcing -----------------------------------------------------------------------------


def request_facts(request: Request, base_url: str | None) -> Facts:
    """The request's URL as the browser asked for it: the configured public base URL, then
    the path and query exactly as sent (the proxy's prefix, if the app knows it, removed)."""
    scope = request.scope
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else request.url.path
    root = scope.get("root_path") or ""
    if root and path.startswith(root):
        path = path[len(root) :]
    query = scope.get("query_string", b"").decode("latin-1")
    tail = path + ("?" + query if query else "")
    host = request.headers.get("host") or request.url.netloc
    return Facts(
        url=base_url + tail if base_url else None,
        host_url=f"{request.url.scheme}://{host}{tail}",
        base_url=base_url,
        headers=request.headers,
    )


@dataclass(frozen=True)
class Gate:
    """What the kiosk-call check needs from the worker."""

    cache: PolicyCache
    raw: RawConnections
    sessions: async_sessionmaker[AsyncSession]
    base_url: str | None

    async def policies(self) -> dict[int, Enforced]:
        return await self.cache.policies(lambda: load_in_force(self.raw, self.base_url))

    async def attempt_of(self, token_hash: str) -> tuple[int, int] | None:
        found = self.cache.attempt_of(token_hash)
        if found is None:
            async with self.raw() as connection:
                found = await statements.attempt_of_token(connection, token_hash)
            if found is not None:
                self.cache.remember(token_hash, *found)
        return found

    async def check_call(
        self, token_hash: str, facts: Facts, ip: str | None, now: datetime
    ) -> None:
        """Before every kiosk call after login: nothing is read when no sitting asks for a
        lockdown browser, and nothing per call after the first one of a token."""
        policies = await self.policies()
        if not policies:
            return
        found = await self.attempt_of(token_hash)
        if found is None:
            return  # an unknown token: the call itself answers 401
        attempt_id, sitting_id = found
        await self.check(policies.get(sitting_id), attempt_id, facts, ip, now)

    def judge(self, policy: Enforced | None, attempt_id: int, facts: Facts) -> None:
        """Raise ``Refused`` when the policy does not admit the request (no I/O)."""
        if policy is None:
            return
        reason = refusal(policy, facts)
        if reason is not None:
            raise Refused(attempt_id, policy, reason)

    async def refuse(self, refused: Refused, ip: str | None, now: datetime) -> BrowserNotAllowed:
        """Write the refusal down (not again within seconds) and give the kiosk's error."""
        if self.cache.should_write(refused.attempt_id, refused.reason):
            async with self.sessions() as db, db.begin():
                await record_refusal(
                    db, refused.attempt_id, refused.policy, refused.reason, ip, now
                )
        return BrowserNotAllowed(refused.policy.kind, refused.reason)

    async def check(
        self,
        policy: Enforced | None,
        attempt_id: int,
        facts: Facts,
        ip: str | None,
        now: datetime,
    ) -> None:
        try:
            self.judge(policy, attempt_id, facts)
        except Refused as refused:
            raise await self.refuse(refused, ip, now) from None


class Refused(Exception):
    def __init__(self, attempt_id: int, policy: Enforced, reason: str) -> None:
        super().__init__(reason)
        self.attempt_id, self.policy, self.reason = attempt_id, policy, reason


async def record_refusal(
    db: AsyncSession,
    attempt_id: int,
    policy: Enforced,
    reason: str,
    ip: str | None,
    now: datetime,
) -> None:
    """The tile's flag always; the audit event and the dashboard's notice at most once a minute
    per attempt and reason."""
    refusals = BrowserRefusalRepository(db)
    due = await refusals.note(attempt_id, policy.sitting_id, reason, now, AUDIT_REFUSAL_EVERY)
    if not due:
        return
    who = await refusals.participant_of(attempt_id)
    actor = Actor.participant(who[0], who[1], ip) if who else Actor("system", None, "kiosk", ip)
    await audit.record(
        db,
        actor,
        "attempt.browser_refused",
        target_type="attempt",
        target_id=attempt_id,
        sitting_id=policy.sitting_id,
        reason=reason,
        details={"required": policy.kind, "reason": reason},
    )
    await attempt_changed(db, _AttemptRef(attempt_id, policy.sitting_id), "browser_refused")


@dataclass(frozen=True)
class _AttemptRef:
    id: int
    sitting_id: int
