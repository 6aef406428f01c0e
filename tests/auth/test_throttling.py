"""Throttling that cannot be turned against users (issue 13): failures count per (address,
account) and per address, never per account alone; beyond a free allowance the wait doubles per
failure up to a cap, never a lock; 429 carries Retry-After with the real remaining seconds; the
count is exact; the proctor's reset lifts a participant's block; refused second logins are
audited at most once a minute."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.delivery import service as delivery
from cact.kit.ratelimit import Admission, RateLimitBucket, RateLimiter, account_key
from cact.kit.rawdb import driver_connection
from cact.proctoring import service as proctoring
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import KioskClient, open_sitting

LOGIN = "/api/kiosk/v1/login"


@asynccontextmanager
async def _from(app: object, ip: str) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=(ip, 40000))  # type: ignore[arg-type]
    async with AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept": "application/json"}
    ) as http:
        yield http


async def test_wrong_passwords_from_elsewhere_do_not_stop_the_right_one_from_a_fresh_address(
    app: object, db: AsyncSession
) -> None:
    proctor = await create_staff(db, "proctor", username="pengawas-target")
    limit = app.state.settings.login_max_failures  # type: ignore[attr-defined]
    for n in range(3):
        async with _from(app, f"10.0.9.{n}") as attacker:
            for _ in range(limit + 2):
                await attacker.post(
                    "/api/auth/login", json={"username": proctor.username, "password": "salah"}
                )
            blocked = await attacker.post(
                "/api/auth/login", json={"username": proctor.username, "password": PASSWORD}
            )
            assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    async with _from(app, "10.0.1.7") as own_desk:
        ok = await own_desk.post(
            "/api/auth/login", json={"username": proctor.username, "password": PASSWORD}
        )
    assert ok.status_code == 200, ok.text


async def test_wrong_tokens_are_counted_the_proctors_reset_lifts_the_block_and_a_second_kiosk_is_audited_once(  # noqa: E501
    app: object, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    number, token = opened.participant_nos[0], opened.token
    async with _from(app, "10.0.2.15") as kiosk_pc:
        # The suite's requests share one connection, so these run one after another here
        # (tests/delivery/test_login_parallel.py sends them at once to a real pool).
        for n in range(100):
            await kiosk_pc.post(LOGIN, json={"participant_no": f"X-{n:03d}", "token": "ZZZZZZ"})
        at_address = await _bucket(db, delivery.kiosk_address_key("10.0.2.15").key)
        assert (at_address.count, at_address.strikes) == (100, 100)
        # ... and a lab's address is not blocked at 100 (its allowance is 20 times larger).
        limit = app.state.settings.kiosk_login_max_failures  # type: ignore[attr-defined]
        answers = [
            await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": "ZZZZZZ"})
            for _ in range(limit + 5)
        ]
        assert [a.status_code for a in answers] == [401] * limit + [429] * 5
        assert {a.json()["error"] for a in answers[limit:]} == {"too_many_login_tries"}
        mine = await _bucket(db, delivery.kiosk_login_key(number, "10.0.2.15").key)
        # Every try counted; only the allowance checked (a refused try does not grow the wait).
        assert (mine.count, mine.strikes, mine.account) == (limit + 5, limit, f"kiosk:{number}")
        blocked = await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": token})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        # Another workstation is not blocked by this one's tries.
        async with _from(app, "10.0.2.16") as other_pc:
            other = await other_pc.post(
                LOGIN, json={"participant_no": opened.participant_nos[1], "token": token}
            )
            assert other.status_code == 200

        first = KioskClient(kiosk_pc, opened.participant_nos[2], token)
        await first.login()
        attempt_id = first.attempt_id
        await proctoring.reset_login(
            db, (await _attempt_of(db, number)), "token salah berulang", Actor.system("test")
        )
        await db.flush()
        again = await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": token})
        assert again.status_code == 200, again.text
        # A second kiosk for someone logged in: 50 tries, one audit row within the minute.
        tries = [
            await kiosk_pc.post(
                LOGIN, json={"participant_no": opened.participant_nos[2], "token": token}
            )
            for _ in range(50)
        ]
        assert {a.status_code for a in tries} == {409}
        rows = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "attempt.login_refused_active_session",
                AuditEvent.target_id == str(attempt_id),
            )
        )
        assert rows == 1
        # Right tokens checked (the 409s, the logins) are not failures: the address got them
        # back. It counted 100 + 15 wrong tries and the right one refused while waiting.
        address = await _bucket(db, delivery.kiosk_address_key("10.0.2.15").key)
        assert (address.count, address.strikes) == (116, 110)


async def test_the_wait_doubles_per_failure_beyond_the_allowance_and_retry_after_is_exact(
    app: object, db: AsyncSession
) -> None:
    await create_staff(db, "proctor", username="pengawas-backoff")
    settings = app.state.settings  # type: ignore[attr-defined]
    free, base = settings.login_max_failures, settings.login_backoff_base_seconds
    key = "staff-login:acct:pengawas-backoff:at:10.0.3.3"
    async with _from(app, "10.0.3.3") as desk:

        async def wrong() -> Response:
            return await desk.post(
                "/api/auth/login", json={"username": "pengawas-backoff", "password": "salah"}
            )

        assert [(await wrong()).status_code for _ in range(free)] == [401] * free
        waits = []
        for _ in range(4):
            # The wait the last checked failure set, exactly: blocked_until - its time.
            bucket = await _bucket(db, key)
            assert bucket.blocked_until is not None and bucket.last_try_at is not None
            waits.append((bucket.blocked_until - bucket.last_try_at).total_seconds())
            asked = datetime.now(UTC)
            refused = await wrong()
            answered = datetime.now(UTC)
            assert refused.status_code == 429
            # Retry-After is the real remaining wait, rounded up to whole seconds.
            retry = int(refused.headers["Retry-After"])
            latest = math.ceil((bucket.blocked_until - asked).total_seconds())
            earliest = math.ceil((bucket.blocked_until - answered).total_seconds())
            assert earliest <= retry <= latest
            # The wait passes (moved back in time); the next try is checked and fails again.
            await db.execute(
                update(RateLimitBucket)
                .where(RateLimitBucket.key == key)
                .values(blocked_until=datetime.now(UTC) - timedelta(milliseconds=1))
            )
            assert (await wrong()).status_code == 401
        assert waits == [base * 2**n for n in range(4)]
        ok = await desk.post(
            "/api/auth/login", json={"username": "pengawas-backoff", "password": "salah"}
        )
        assert ok.status_code == 429  # still waiting: the right password is not looked at
        await db.execute(
            update(RateLimitBucket)
            .where(RateLimitBucket.key == key)
            .values(blocked_until=datetime.now(UTC) - timedelta(milliseconds=1))
        )
        right = await desk.post(
            "/api/auth/login", json={"username": "pengawas-backoff", "password": PASSWORD}
        )
        assert right.status_code == 200, right.text
        # The right password wipes this desk's record: never a lasting lock.
        db.expire_all()
        assert await db.get(RateLimitBucket, key) is None


async def test_the_limiter_grows_caps_and_forgets(db: AsyncSession) -> None:
    limiter = RateLimiter(
        limit=2, window_seconds=600, backoff_base_seconds=3, backoff_max_seconds=20
    )
    connection = await driver_connection(db)
    keys = (account_key("staff", "budi", "10.9.9.9"),)
    t0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)

    async def at(seconds: float) -> Admission:
        return await limiter.admit(connection, keys, t0 + timedelta(seconds=seconds))

    assert [(await at(0)).admitted, (await at(0)).admitted] == [True, True]
    # The second failure filled the allowance: 3 s, then 6, 12, 20 (the cap), 20.
    assert (await at(1)).retry_after == 2
    assert (await at(3)).admitted  # strike 3: 6 s
    assert (await at(3.5)).retry_after == 6
    assert (await at(9)).admitted  # strike 4: 12 s
    assert (await at(20)).retry_after == 1
    assert (await at(21)).admitted  # strike 5: 24 s, capped at 20
    assert (await at(21)).retry_after == 20
    assert (await at(41)).admitted
    assert limiter.delay_seconds(5, 2) == 20
    # Quiet for the window after the last wait: forgotten, the allowance is free again.
    fresh = await at(41 + 20 + 600)
    assert fresh.admitted
    bucket = await _bucket(db, keys[0].key)
    assert (bucket.count, bucket.strikes, bucket.blocked_until) == (1, 1, None)


async def _bucket(db: AsyncSession, key: str) -> RateLimitBucket:
    db.expire_all()
    found = await db.get(RateLimitBucket, key)
    assert found is not None, key
    return found


async def _attempt_of(db: AsyncSession, number: str) -> int:
    from cact.exam.models import Attempt
    from cact.participants.models import Participant

    found = await db.scalar(
        select(Attempt.id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(Participant.participant_no == number)
    )
    assert found is not None
    return int(found)


async def test_keys_quiet_for_longer_than_the_window_are_forgotten(db: AsyncSession) -> None:
    limiter = RateLimiter(limit=2, window_seconds=300)
    connection = await driver_connection(db)
    t0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    old, recent = account_key("kiosk", "LAMA", "10.8.8.8"), account_key("kiosk", "BARU", "10.8.8.8")
    await limiter.admit(connection, (old,), t0)
    await limiter.admit(connection, (recent,), t0 + timedelta(seconds=200))
    assert await limiter.forget_stale(db, t0 + timedelta(seconds=301)) == 1
    db.expire_all()
    assert await db.get(RateLimitBucket, old.key) is None
    assert await db.get(RateLimitBucket, recent.key) is not None
