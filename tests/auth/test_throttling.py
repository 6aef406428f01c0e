"""Throttling that cannot be turned against users (issue 13): failures count per (address,
account) and per address, never per account alone; 429 carries Retry-After; the count is exact;
the proctor's reset lifts a participant's block; refused second logins are audited at most once
a minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.delivery import service as delivery
from cact.kit.ratelimit import RateLimitBucket
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


async def test_parallel_wrong_tokens_count_exactly_and_the_proctors_reset_lifts_the_block(
    app: object, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    number = opened.participant_nos[0]
    async with _from(app, "10.0.2.15") as kiosk_pc:
        # The suite's requests share one connection, so these run one after another here.
        for n in range(100):
            await kiosk_pc.post(LOGIN, json={"participant_no": f"X-{n:03d}", "token": "ZZZZZZ"})
        at_address = await db.scalar(
            select(RateLimitBucket.count).where(
                RateLimitBucket.key == delivery.kiosk_address_key("10.0.2.15")
            )
        )
        assert at_address == 100  # counted exactly, and a lab's address is not locked at 100
        limit = app.state.settings.kiosk_login_max_failures  # type: ignore[attr-defined]
        answers = [
            await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": "ZZZZZZ"})
            for _ in range(limit + 5)
        ]
        assert [a.status_code for a in answers] == [401] * limit + [429] * 5
        counted = await db.scalar(
            select(RateLimitBucket.count).where(
                RateLimitBucket.key == delivery.kiosk_login_key(number, "10.0.2.15")
            )
        )
        assert counted == limit  # a refusal while blocked is not counted again
        blocked = await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": opened.token})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        # Another workstation is not blocked by this one's tries.
        async with _from(app, "10.0.2.16") as other_pc:
            other = await other_pc.post(
                LOGIN, json={"participant_no": opened.participant_nos[1], "token": opened.token}
            )
            assert other.status_code == 200

        first = KioskClient(kiosk_pc, opened.participant_nos[2], opened.token)
        await first.login()
        attempt_id = first.attempt_id
        await proctoring.reset_login(
            db, (await _attempt_of(db, number)), "token salah berulang", Actor.system("test")
        )
        await db.flush()
        again = await kiosk_pc.post(LOGIN, json={"participant_no": number, "token": opened.token})
        assert again.status_code == 200, again.text
        # A second kiosk for someone logged in: 50 tries, one audit row within the minute.
        tries = [
            await kiosk_pc.post(
                LOGIN, json={"participant_no": opened.participant_nos[2], "token": opened.token}
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
