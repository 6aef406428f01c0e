"""Each kiosk protocol call as the delivery service answers it: on the one-statement path
(raw asyncpg, autocommit) when that decides it, else through the ORM service, which decides
and records everything unusual. The router only translates HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.delivery import answers, logins, presenters, service, starting
from cact.delivery.admission import LoginAdmission
from cact.delivery.errors import (
    AlreadyLoggedIn,
    KioskUnauthorized,
    LoginRefused,
    SectionNotStarted,
    TooManyKioskLogins,
)
from cact.delivery.service import AttemptRef, KioskContext
from cact.exam.events import Touches
from cact.exam.repository import AttemptRepository
from cact.exam.service import AttemptClosed
from cact.kit.metrics import ANSWER_SAVES
from cact.kit.ratelimit import Admission, RateLimiter
from cact.kit.rawdb import RawConnections
from cact.lockdown.policy import Facts
from cact.lockdown.service import Gate, Refused
from cact.scoring.summary import participant_summary
from cact.standards.repository import PositionRepository


@dataclass(frozen=True)
class Stores:
    """What a kiosk call may use: the worker's raw pool and its ORM sessions."""

    raw: RawConnections
    sessions: async_sessionmaker[AsyncSession]
    touches: Touches
    logins: LoginAdmission


@dataclass(frozen=True)
class LoggedIn:
    token: str
    attempt_id: int
    participant_no: str
    name: str
    position: str | None


async def kiosk_context(db: AsyncSession, token_hash: str) -> KioskContext:
    found = await AttemptRepository(db).by_kiosk_session(token_hash)
    if found is None:
        raise KioskUnauthorized()
    attempt_id, sitting_id, participant_id, status, paused, last_ip, sitting_status = found
    attempt = AttemptRef(attempt_id, sitting_id, participant_id, status, paused, last_ip)
    return KioskContext(attempt, sitting_status)


async def login(
    stores: Stores,
    limiter: RateLimiter,
    *,
    participant_no: str,
    token: str,
    secret: str | None,
    ip: str | None,
    now: datetime,
    gate: Gate | None = None,
    facts: Facts | None = None,
) -> LoggedIn:
    browser = None
    if gate is not None and facts is not None:
        policies = await gate.policies()
        if policies:

            def browser(sitting_id: int, attempt_id: int) -> None:
                gate.judge(policies.get(sitting_id), attempt_id, facts)

    async with stores.logins.admitted():
        return await _login(
            stores,
            limiter,
            participant_no=participant_no,
            token=token,
            secret=secret,
            ip=ip,
            now=now,
            gate=gate,
            browser=browser,
        )


async def _login(
    stores: Stores,
    limiter: RateLimiter,
    *,
    participant_no: str,
    token: str,
    secret: str | None,
    ip: str | None,
    now: datetime,
    gate: Gate | None,
    browser: Callable[[int, int], None] | None,
) -> LoggedIn:
    async with stores.raw() as connection:
        # The try is checked and counted first, in one statement: parallel tries see each other.
        admission = await limiter.admit(connection, service.login_keys(participant_no, ip), now)
        quick = None
        not_this_browser: Refused | None = None
        if admission.admitted:
            try:
                quick = await logins.try_login(
                    connection,
                    limiter,
                    admission,
                    participant_no=participant_no,
                    token=token,
                    secret=secret,
                    ip=ip,
                    now=now,
                    browser=browser,
                    touches=stores.touches,
                )
            except Refused as refusal:
                not_this_browser = refusal
    if not admission.admitted:  # raised outside, so that the counted try commits
        raise TooManyKioskLogins(headers={"Retry-After": str(admission.retry_after)})
    if not_this_browser is not None:  # judged before the token: no guess was tried
        assert gate is not None
        await _right(stores, limiter, admission, now)
        raise await gate.refuse(not_this_browser, ip, now) from None
    if quick is not None:
        return LoggedIn(
            quick.token, quick.attempt_id, quick.participant_no, quick.name, quick.position
        )
    refused: AlreadyLoggedIn | LoginRefused | None = None
    # Every other outcome is decided, and recorded, by the service, in a session of its own.
    try:
        async with stores.sessions() as db, db.begin():
            try:
                done = await service.login(
                    db, participant_no=participant_no, token=token, secret=secret, ip=ip, now=now
                )
            except (AlreadyLoggedIn, LoginRefused) as error:
                # Refused, but what was recorded commits: the reset request the proctor's
                # dashboard shows, the tile's notice of a failed try.
                refused = error
            else:
                participant = done.participant
                position = await PositionRepository(db).name_of(participant.position_id)
    except AttemptClosed:
        await _right(stores, limiter, admission, now)
        raise
    if not isinstance(refused, LoginRefused):  # right number and token: not a failure
        await _right(stores, limiter, admission, now)
    if refused is not None:
        raise refused
    return LoggedIn(
        done.token, done.attempt.id, participant.participant_no, participant.name, position
    )


async def _right(stores: Stores, limiter: RateLimiter, admission: Admission, now: datetime) -> None:
    async with stores.raw() as connection:
        await limiter.succeeded(connection, admission, now)


async def attempt(stores: Stores, token_hash: str, now: datetime) -> dict[str, Any]:
    async with stores.raw() as connection:
        rows = await presenters.attempt_rows(connection, token_hash=token_hash)
    results = None
    if presenters.is_closed(rows):  # the end screen: the participant's own levels, if shown
        async with stores.sessions() as db:
            results = await participant_summary(db, rows[0]["id"])
    return presenters.attempt_view(rows, now, results)


async def start(stores: Stores, token_hash: str, now: datetime) -> dict[str, Any]:
    async with stores.raw() as connection:
        attempt_id = await starting.start(connection, token_hash, now, stores.touches)
        rows = await presenters.attempt_rows(connection, attempt_id=attempt_id)
    return presenters.attempt_view(rows, now)


async def section(
    stores: Stores, token_hash: str, section_id: int, now: datetime
) -> dict[str, Any]:
    async with stores.raw() as connection:
        try:
            return await presenters.section_view(connection, token_hash, section_id, now)
        except SectionNotStarted:
            # Asking for the section that waits behind a break is the participant's click
            # that starts it (protocol v1 as today's clients speak it); any other pending
            # section stays refused.
            if not await starting.end_break(connection, token_hash, now, section_id):
                raise
            return await presenters.section_view(connection, token_hash, section_id, now)


async def save(
    stores: Stores,
    token_hash: str,
    item_id: int,
    *,
    option_id: int | None,
    doubtful: bool,
    seq: int,
    now: datetime,
    grace: timedelta,
    ip: str | None,
) -> dict[str, Any]:
    async with stores.raw() as connection:
        saved = await answers.save(
            connection,
            token_hash,
            item_id,
            option_id=option_id,
            doubtful=doubtful,
            seq=seq,
            now=now,
            grace=grace,
            ip=ip,
        )
    if saved.applied:
        stores.touches.add(saved.sitting_id, saved.attempt_id)
    ANSWER_SAVES.labels(str(saved.applied).lower()).inc()
    return {
        "server_time": now.isoformat(),
        "applied": saved.applied,
        "stored_seq": saved.stored_seq,
        "remaining_ms": saved.remaining_ms,
        "paused": saved.paused,
    }


async def heartbeat(
    stores: Stores, token_hash: str, now: datetime, ip: str | None
) -> dict[str, Any]:
    async with stores.raw() as connection:
        beat = await answers.heartbeat(connection, token_hash, now, ip)
    stores.touches.add(beat.sitting_id, beat.attempt_id)
    return {
        "server_time": now.isoformat(),
        "status": beat.status,
        "paused": beat.paused,
        "current_section_id": beat.current_section_id,
        "remaining_ms": beat.remaining_ms,
        "break_remaining_ms": beat.break_remaining_ms,
    }


async def submit_section(
    stores: Stores, token_hash: str, section_id: int, now: datetime
) -> dict[str, Any]:
    async with stores.raw() as connection:
        attempt_id = await starting.submit_plain(connection, token_hash, section_id, now)
        if attempt_id is not None:  # the next section is open: the common case, one statement
            rows = await presenters.attempt_rows(connection, attempt_id=attempt_id)
            return presenters.attempt_view(rows, now)
    # The last section (the attempt closes and is scored), or a refusal: the service decides.
    async with stores.sessions() as db, db.begin():
        kiosk = await kiosk_context(db, token_hash)
        closed = await service.submit_section(db, kiosk, section_id, now)
        return await presenters.attempt_view_in(db, closed.id, now)
