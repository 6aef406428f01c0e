"""The start herd's statements (login, start, the views) record what every change must record:
an audit event, a dashboard event, a cleared failure count, and a deadline by the clock's rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.exam.models import Attempt, AttemptSection
from cact.kit.ratelimit import RateLimitBucket
from tests.fixtures.sittings import KioskClient, open_sitting, without_breaks

LOGIN = "/api/kiosk/v1/login"


async def _audited(db: AsyncSession, action: str, attempt_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target_id == str(attempt_id))
        )
        or 0
    )


async def test_a_login_claims_the_attempt_audits_it_and_clears_earlier_failures(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    number = opened.participant_nos[0]
    for _ in range(2):
        wrong = await client.post(LOGIN, json={"participant_no": number, "token": "ZZZZZZ"})
        assert wrong.status_code == 401
    # One bucket for this participant at this address, one for the address (issue 13).
    assert await db.scalar(select(func.count()).select_from(RateLimitBucket)) == 2
    kiosk = KioskClient(client, number, opened.token)
    await kiosk.login()
    attempt = await db.scalar(select(Attempt).where(Attempt.id == kiosk.attempt_id))
    assert attempt is not None
    await db.refresh(attempt)
    assert attempt.kiosk_session_hash is not None and attempt.last_seen_at is not None
    assert await _audited(db, "attempt.login", kiosk.attempt_id) == 1
    event = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "attempt.login", AuditEvent.target_id == str(kiosk.attempt_id)
        )
    )
    assert event is not None
    assert (event.actor_kind, event.actor_name, event.sitting_id) == (
        "participant",
        number,
        opened.sitting.id,
    )
    # The participant's failures are cleared; the address keeps its count for its window.
    keys = (await db.scalars(select(RateLimitBucket.key))).all()
    assert keys == ["kiosk-login:ip:127.0.0.1"]


async def test_start_opens_the_first_section_once_with_the_clock_rule_deadline(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    before = datetime.now(UTC)
    first = (await kiosk.call("POST", "/attempt/start")).json()
    again = (await kiosk.call("POST", "/attempt/start")).json()
    assert first["status"] == again["status"] == "in_progress"
    assert first["current_section_id"] == again["current_section_id"]
    section = await db.get(AttemptSection, first["current_section_id"])
    assert section is not None
    await db.refresh(section)
    assert section.started_at is not None and section.deadline_at is not None
    assert section.started_at >= before - timedelta(seconds=1)
    assert section.deadline_at - section.started_at == timedelta(
        milliseconds=section.time_limit_ms + section.extra_ms
    )
    assert section.paused_at is None
    assert await _audited(db, "attempt.start", kiosk.attempt_id) == 1  # not twice


async def test_an_attempt_paused_before_the_start_starts_with_its_clock_paused(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    await db.execute(update(Attempt).where(Attempt.id == kiosk.attempt_id).values(paused=True))
    body = (await kiosk.call("POST", "/attempt/start")).json()
    assert body["paused"] is True
    section = await db.get(AttemptSection, body["current_section_id"])
    assert section is not None
    await db.refresh(section)
    assert section.paused_at == section.started_at
    assert body["sections"][0]["remaining_ms"] == section.time_limit_ms + section.extra_ms


@pytest.mark.parametrize(
    ("sitting_status", "error"),
    [("paused", "attempt_paused"), ("closed", "sitting_not_running")],
)
async def test_a_paused_or_closed_sitting_refuses_the_start(
    client: AsyncClient, db: AsyncSession, sitting_status: str, error: str
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    opened.sitting.status = sitting_status
    await db.flush()
    refused = await kiosk.call("POST", "/attempt/start")
    assert refused.status_code == 409
    assert refused.json()["error"] == error
    attempt = await db.get(Attempt, kiosk.attempt_id)
    assert attempt is not None
    await db.refresh(attempt)
    assert attempt.status == "not_started"


async def test_a_room_of_logins_and_starts_each_gets_its_own_attempt(
    client: AsyncClient, db: AsyncSession
) -> None:
    # One connection per test: concurrency is the rehearsal's (tests/rehearsal, real server).
    opened = await open_sitting(db, participants=6)
    kiosks = [KioskClient(client, n, opened.token) for n in opened.participant_nos]
    for kiosk in kiosks:
        await kiosk.login()
    started = [(await k.call("POST", "/attempt/start")).json() for k in kiosks]
    assert len({s["attempt_id"] for s in started}) == 6
    assert all(s["status"] == "in_progress" for s in started)
    assert {k.attempt_id for k in kiosks} == {s["attempt_id"] for s in started}


async def test_submitting_a_middle_section_closes_it_opens_the_next_and_audits_once(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    await without_breaks(db, opened.sitting.id)  # break_seconds: 0 (tests/delivery/test_breaks)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    first = (await kiosk.call("POST", "/attempt/start")).json()["current_section_id"]
    after = await kiosk.call("POST", f"/sections/{first}/submit")
    assert after.status_code == 200
    body = after.json()
    assert [s["status"] for s in body["sections"]] == ["closed", "open", "pending"]
    closed = await db.get(AttemptSection, first)
    following = await db.get(AttemptSection, body["current_section_id"])
    assert closed is not None and following is not None
    await db.refresh(closed)
    await db.refresh(following)
    assert closed.close_reason == "submitted" and closed.closed_at == following.started_at
    assert following.deadline_at is not None and following.started_at is not None
    assert following.deadline_at - following.started_at == timedelta(
        milliseconds=following.time_limit_ms + following.extra_ms
    )
    submits = await db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "section.submit", AuditEvent.target_id == str(first))
    )
    assert submits == 1
    again = await kiosk.call("POST", f"/sections/{first}/submit")
    assert again.status_code == 409 and again.json()["error"] == "section_closed"


async def test_a_neighbours_section_is_refused_by_the_service_and_nothing_changes(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    owner = KioskClient(client, opened.participant_nos[0], opened.token)
    neighbour = KioskClient(client, opened.participant_nos[1], opened.token)
    await owner.login()
    await neighbour.login()
    section = (await owner.call("POST", "/attempt/start")).json()["current_section_id"]
    await neighbour.call("POST", "/attempt/start")
    refused = await neighbour.call("POST", f"/sections/{section}/submit")
    assert refused.status_code == 404
    still = await db.get(AttemptSection, section)
    assert still is not None
    await db.refresh(still)
    assert still.status == "open"


async def test_the_last_section_closes_the_attempt_through_the_service(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    body = (await kiosk.call("POST", "/attempt/start")).json()
    while body["status"] == "in_progress":
        current = body["current_section_id"]
        assert (await kiosk.call("GET", f"/sections/{current}")).status_code == 200  # ends a break
        response = await kiosk.call("POST", f"/sections/{current}/submit")
        assert response.status_code == 200
        body = response.json()
    assert body["status"] == "submitted"
    attempt = await db.get(Attempt, kiosk.attempt_id)
    assert attempt is not None
    await db.refresh(attempt)
    assert attempt.close_reason == "finished" and attempt.scored_at is not None
