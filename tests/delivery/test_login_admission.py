"""The start herd's admission: a worker lets only so many logins use the database at once; a
login that waits too long is answered 503 with a Retry-After drawn around the queue's wait,
and nothing of it is recorded (it can log in right after)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.delivery.admission import LoginAdmission, LoginsBusy
from cact.kit.errors import retry_after_seconds
from tests.fixtures.sittings import OpenSitting, open_sitting


async def test_only_the_limit_of_logins_run_at_once_and_the_rest_wait_their_turn() -> None:
    admission = LoginAdmission(limit=2, wait_seconds=5)
    running, most = 0, 0

    async def login() -> None:
        nonlocal running, most
        async with admission.admitted():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(login() for _ in range(40)))
    assert most == 2
    assert admission.waiting == 0 and admission.refused == 0


async def test_a_login_that_waits_too_long_is_refused_with_a_retry_after() -> None:
    admission = LoginAdmission(limit=1, wait_seconds=0.05)
    async with admission.admitted():
        with pytest.raises(LoginsBusy) as refused:
            async with admission.admitted():
                pass
    assert refused.value.status == 503 and refused.value.code == "server_busy"
    assert refused.value.headers is not None
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 15
    assert admission.refused == 1 and admission.waiting == 0
    async with admission.admitted():  # the slot was given back
        pass


def test_the_retry_after_grows_with_the_queue_and_is_spread_out() -> None:
    admission = LoginAdmission(limit=4, wait_seconds=5)
    admission._mean_seconds = 0.5
    admission.waiting = 80  # 80 × 0.5 s / 4 slots: about 10 s ahead
    drawn = [admission.retry_after() for _ in range(200)]
    assert min(drawn) >= 5 and max(drawn) <= 15
    assert len(set(drawn)) >= 5  # not one second for the whole room
    admission.waiting = 0
    assert admission.retry_after() == 1
    assert {retry_after_seconds() for _ in range(200)} == {1, 2, 3}


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db)


async def test_a_refused_login_answers_503_and_the_participant_logs_in_right_after(
    app: Any, client: AsyncClient, opened: OpenSitting
) -> None:
    app.state.logins = LoginAdmission(limit=1, wait_seconds=0.05)
    body = {"participant_no": opened.participant_nos[0], "token": opened.token}
    async with app.state.logins.admitted():  # another login holds the only slot
        busy = await client.post("/api/kiosk/v1/login", json=body)
    assert busy.status_code == 503
    assert busy.json()["error"] == "server_busy"
    assert 1 <= int(busy.headers["Retry-After"]) <= 15
    assert busy.headers["X-Frame-Options"] == "DENY"
    logged_in = await client.post("/api/kiosk/v1/login", json=body)
    assert logged_in.status_code == 200, logged_in.text  # the refused try left nothing behind
