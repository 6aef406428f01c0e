"""The hot path: one statement decides whether an answer is written, Python only explains a
refusal; an overloaded or unreachable database answers 503 + Retry-After, never 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cact.app import attach_database, create_app
from cact.audit.service import Actor
from cact.config import Settings
from cact.delivery import answers
from cact.delivery.errors import (
    KioskUnauthorized,
    NotYourAttempt,
    SectionClosed,
    SectionNotStarted,
    UnknownAttemptItem,
)
from cact.delivery.service import session_hash
from cact.exam.events import asyncpg_dsn
from cact.exam.models import AnswerLog, AttemptItem, AttemptSection, Response
from cact.kit import rawdb
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.errors import DatabaseUnavailable
from cact.proctoring import service as proctoring
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

GRACE = timedelta(seconds=10)


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db)


@pytest.fixture
async def kiosk(client: AsyncClient, opened: OpenSitting) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    return kiosk


@pytest.fixture
async def raw(connection: AsyncConnection) -> Any:
    """The test transaction's own asyncpg connection: what the statement runs on."""
    return (await connection.get_raw_connection()).driver_connection


async def _section(kiosk: KioskClient) -> dict[str, Any]:
    attempt = (await kiosk.call("POST", "/attempt/start")).json()
    return dict((await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json())


def _token(kiosk: KioskClient) -> str:
    return session_hash(kiosk.headers["Authorization"].removeprefix("Bearer "))


async def _deadline(db: AsyncSession, section_id: int) -> datetime:
    deadline = await db.scalar(
        select(AttemptSection.deadline_at).where(AttemptSection.id == section_id)
    )
    assert deadline is not None
    return deadline


async def _save(raw: Any, kiosk: KioskClient, item_id: int, option: int | None, **kw: Any) -> Any:
    return await answers.save(
        raw,
        _token(kiosk),
        item_id,
        option_id=option,
        doubtful=kw.get("doubtful", False),
        seq=kw["seq"],
        now=kw["now"],
        grace=GRACE,
        ip="10.0.0.7",
    )


async def test_the_statement_and_the_clock_agree_to_the_microsecond_at_the_grace_edge(
    kiosk: KioskClient, db: AsyncSession, raw: Any
) -> None:
    section = await _section(kiosk)
    item = section["items"][0]
    option = item["options"][0]["option_id"]
    edge = await _deadline(db, section["id"]) + GRACE
    saved = await _save(raw, kiosk, item["item_id"], option, seq=1, now=edge)
    assert saved.applied and saved.stored_seq == 1 and saved.remaining_ms == 0
    with pytest.raises(SectionClosed):
        await _save(raw, kiosk, item["item_id"], None, seq=2, now=edge + timedelta(microseconds=1))
    stored = await db.scalar(
        select(Response.seq).where(Response.attempt_item_id == item["item_id"])
    )
    assert stored == 1  # the refused save changed nothing


async def test_a_paused_section_keeps_accepting_because_its_deadline_moves_with_the_pause(
    kiosk: KioskClient, db: AsyncSession, raw: Any
) -> None:
    section = await _section(kiosk)
    item = section["items"][0]
    deadline = await _deadline(db, section["id"])
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.id == section["id"])
        .values(paused_at=deadline - timedelta(minutes=1))
    )
    an_hour_later = deadline + timedelta(hours=1)
    saved = await _save(raw, kiosk, item["item_id"], None, seq=1, now=an_hour_later)
    assert saved.applied and saved.remaining_ms == 60_000


async def test_refusals_name_their_reason_and_write_nothing(
    kiosk: KioskClient, client: AsyncClient, opened: OpenSitting, db: AsyncSession, raw: Any
) -> None:
    section = await _section(kiosk)
    item = section["items"][0]
    now = datetime.now(UTC)
    with pytest.raises(UnknownAttemptItem):
        await _save(raw, kiosk, 987_654_321, None, seq=1, now=now)
    neighbour = KioskClient(client, opened.participant_nos[1], opened.token)
    await neighbour.login()
    with pytest.raises(NotYourAttempt):
        await _save(raw, neighbour, item["item_id"], None, seq=1, now=now)
    attempt = (await kiosk.call("GET", "/attempt")).json()
    pending_section = attempt["sections"][1]["id"]
    later_item = await db.scalar(
        select(AttemptItem.id).where(AttemptItem.attempt_section_id == pending_section).limit(1)
    )
    assert later_item is not None
    with pytest.raises(SectionNotStarted):
        await _save(raw, kiosk, later_item, None, seq=1, now=now)
    with pytest.raises(KioskUnauthorized):
        await answers.save(
            raw, "0" * 64, item["item_id"], option_id=None, doubtful=False, seq=1,
            now=now, grace=GRACE, ip=None,
        )  # fmt: skip
    logged = await db.scalar(select(func.count()).select_from(AnswerLog))
    assert logged == 0


async def test_the_acknowledgement_tells_the_kiosk_about_a_pause(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    section = await _section(kiosk)
    item = section["items"][0]
    first = await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    assert first.json()["paused"] is False
    attempt_id = int(kiosk.attempt_id)
    await proctoring.pause_attempt(
        db, attempt_id, "listrik padam", Actor.system("test"), datetime.now(UTC)
    )
    ack = await kiosk.answer(item["item_id"], item["options"][1]["option_id"])
    assert ack.status_code == 409 and ack.json()["error"] == "attempt_paused"
    beat = (await kiosk.call("POST", "/heartbeat")).json()
    assert beat["paused"] is True


async def test_ids_beyond_64_bits_are_invalid_input_not_a_server_error(kiosk: KioskClient) -> None:
    await _section(kiosk)
    response = await kiosk.answer(2**70, None)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


async def test_a_heartbeat_with_an_unknown_token_is_401(client: AsyncClient) -> None:
    response = await client.post(
        "/api/kiosk/v1/heartbeat", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "kiosk_session_invalid"


@pytest.fixture
async def tiny_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await rawdb.create_pool(asyncpg_dsn(database_url), size=1)
    yield pool
    await rawdb.close_pool(pool)


async def test_a_busy_pool_answers_503_with_retry_after_quickly(
    kiosk: KioskClient, app: Any, tiny_pool: asyncpg.Pool, db: AsyncSession
) -> None:
    section = await _section(kiosk)
    item = section["items"][0]
    connections = app.state.raw_connections
    app.state.raw_connections = rawdb.pool_connections(tiny_pool, timeout=0.2)
    async with tiny_pool.acquire():  # the only connection is busy
        started = asyncio.get_running_loop().time()
        busy = await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
        waited = asyncio.get_running_loop().time() - started
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] in {"1", "2", "3"}  # drawn around 2 s: a room spreads out
    assert busy.json()["error"] == "database_unavailable"
    assert waited < 5  # the pool's time-out, not a request piling up for 30 s
    app.state.raw_connections = connections
    retried = await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    assert retried.status_code == 200 and retried.json()["applied"] is True


async def test_a_pool_that_cannot_connect_raises_unavailable(database_url: str) -> None:
    pool = await rawdb.create_pool("postgresql://cact@127.0.0.1:1/nothing", size=1)
    try:
        with pytest.raises(DatabaseUnavailable):
            async with rawdb.pool_connections(pool, timeout=2)() as connection:
                await connection.fetchval("SELECT 1")
    finally:
        await rawdb.close_pool(pool)


async def test_staff_and_kiosk_calls_get_503_when_the_orm_pool_is_exhausted(
    settings: Settings, database_url: str
) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app(settings)
    attach_database(app, engine, create_sessionmaker(engine))
    try:
        async with (
            engine.connect() as held,
            AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http,
        ):
            assert held is not None
            response = await http.get(
                "/api/kiosk/v1/attempt", headers={"Authorization": "Bearer x"}
            )
        assert response.status_code == 503
        assert response.headers["Retry-After"] in {"1", "2", "3"}
    finally:
        await engine.dispose()
