"""Kiosk login (SPEC §3.1): participant number + sitting token (+ second factor); one active
kiosk session; logging in elsewhere needs the proctor's reset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.exam.models import Attempt
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from tests.fixtures.sittings import KioskClient, open_sitting

LOGIN = "/api/kiosk/v1/login"


async def test_login_returns_a_kiosk_token_the_attempt_and_who_the_participant_is(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    response = await client.post(
        LOGIN, json={"participant_no": opened.participant_nos[0], "token": opened.token.lower()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["kiosk_token"]) >= 40
    assert body["participant"]["participant_no"] == opened.participant_nos[0]
    assert body["participant"]["name"]
    assert body["participant"]["position"]
    assert datetime.fromisoformat(body["server_time"]).tzinfo is not None


async def test_wrong_token_unknown_participant_and_wrong_second_factor_are_refused_alike(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    participant = await db.scalar(
        select(Participant).where(Participant.participant_no == opened.participant_nos[1])
    )
    assert participant is not None
    participant.birth_date = date(1990, 5, 17)
    await db.flush()
    tries = [
        {"participant_no": opened.participant_nos[0], "token": "ZZZZZZ"},
        {"participant_no": "TIDAK-ADA", "token": opened.token},
        {"participant_no": opened.participant_nos[1], "token": opened.token},
        {
            "participant_no": opened.participant_nos[1],
            "token": opened.token,
            "secret": "1990-05-18",
        },
    ]
    # Each answer says which fact was wrong, in both languages (issue 13).
    expected = ["invalid_token", "unknown_participant", "secret_required", "secret_invalid"]
    for body, code in zip(tries, expected, strict=True):
        response = await client.post(LOGIN, json=body)
        assert response.status_code == 401, body
        assert response.json()["error"] == code
        assert " / " in response.json()["detail"]  # Bahasa Indonesia / English
    ok = await client.post(LOGIN, json={**tries[2], "secret": "17-05-1990"})
    assert ok.status_code == 200  # typed the Indonesian way, day first


async def test_a_sitting_not_yet_open_or_closed_says_so_and_numbers_ignore_case(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    number = opened.participant_nos[0]
    opened.sitting.status = "closed"
    await db.flush()
    closed = await client.post(LOGIN, json={"participant_no": number, "token": opened.token})
    assert closed.status_code == 409 and closed.json()["error"] == "sitting_closed"
    opened.sitting.status = "scheduled"
    await db.flush()
    early = await client.post(LOGIN, json={"participant_no": number, "token": opened.token})
    assert early.status_code == 409 and early.json()["error"] == "sitting_not_open"
    opened.sitting.status = "running"
    await db.flush()
    typed = f"  {number.lower()} "
    ok = await client.post(LOGIN, json={"participant_no": typed, "token": opened.token})
    assert ok.status_code == 200 and ok.json()["participant"]["participant_no"] == number


async def test_repeated_wrong_tries_for_one_participant_are_rate_limited(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    limit = client._transport.app.state.settings.kiosk_login_max_failures  # type: ignore[attr-defined]
    target = opened.participant_nos[0]
    for _ in range(limit):
        await client.post(LOGIN, json={"participant_no": target, "token": "ZZZZZZ"})
    blocked = await client.post(LOGIN, json={"participant_no": target, "token": opened.token})
    assert blocked.status_code == 429
    other = await client.post(
        LOGIN, json={"participant_no": opened.participant_nos[1], "token": opened.token}
    )
    assert other.status_code == 200


async def test_the_previous_token_works_only_during_its_grace_period(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    old = opened.token
    opened.sitting.previous_token, opened.sitting.token = old, "NEWTKN"
    opened.sitting.previous_token_valid_until = datetime.now(UTC) + timedelta(minutes=2)
    await db.flush()
    assert (
        await client.post(LOGIN, json={"participant_no": opened.participant_nos[0], "token": old})
    ).status_code == 200
    opened.sitting.previous_token_valid_until = datetime.now(UTC) - timedelta(seconds=1)
    await db.flush()
    late = await client.post(
        LOGIN, json={"participant_no": opened.participant_nos[1], "token": old}
    )
    assert late.status_code == 401


async def test_logging_in_elsewhere_needs_a_proctor_reset_which_revokes_the_old_kiosk(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    first = KioskClient(client, opened.participant_nos[0], opened.token)
    await first.login()
    assert (await first.call("GET", "/attempt")).status_code == 200

    second = await client.post(
        LOGIN, json={"participant_no": opened.participant_nos[0], "token": opened.token}
    )
    assert second.status_code == 409
    assert second.json()["error"] == "already_logged_in"
    attempt = await db.get(Attempt, first.attempt_id, populate_existing=True)
    assert attempt is not None and attempt.reset_requested_at is not None

    await proctoring.reset_login(db, first.attempt_id, "Komputer mati", Actor.system("pengawas"))
    revoked = await first.call("GET", "/attempt")
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "kiosk_session_invalid"

    again = KioskClient(client, opened.participant_nos[0], opened.token)
    await again.login()
    assert again.attempt_id == first.attempt_id
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.reset_login"))
    assert event is not None and event.reason == "Komputer mati"


async def test_requests_without_a_valid_kiosk_token_get_401(client: AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/kiosk/v1/attempt", headers=headers)
        assert response.status_code == 401
        assert "server_time" in response.json()
