"""Logins sent at once to a real pool (issue 13): the limiter's check and count are one step, so
a hundred parallel wrong tokens are counted exactly and no more than the allowance is checked; a
lab's right logins at once all pass and give the address its count back; a herd of second
logins writes one audit row a minute.

The suite's other tests share one connection, which runs requests one after another; these get
a database of their own, committed, with the app on a real asyncpg pool and real sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.app import attach_database, create_app
from cact.audit.models import AuditEvent
from cact.config import Settings
from cact.delivery import service as delivery
from cact.exam.events import asyncpg_dsn
from cact.kit import migrate, rawdb
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.ratelimit import RateLimitBucket
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.sittings import open_sitting

LOGIN = "/api/kiosk/v1/login"


@dataclass
class Room:
    app: object
    engine: AsyncEngine
    token: str
    numbers: list[str]


@pytest.fixture(scope="module")
async def room(pg_server: TestServer) -> AsyncIterator[Room]:
    url = await recreate_database(pg_server, "cact_login_parallel")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=10, max_overflow=10)
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        opened = await open_sitting(db, participants=40)
        token, numbers = opened.token, opened.participant_nos
    # A long first wait, so that no wait ends while a hundred tries are still arriving.
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url=url,
        login_backoff_base_seconds=600,
        login_backoff_max_seconds=600,
    )
    app = create_app(settings)
    attach_database(app, engine, sessions)
    pool = await rawdb.create_pool(asyncpg_dsn(url), 20)
    app.state.raw_connections = rawdb.pool_connections(pool, 10)
    try:
        yield Room(app, engine, token, numbers)
    finally:
        await rawdb.close_pool(pool)
        await engine.dispose()


def _client(room: Room, ip: str) -> AsyncClient:
    transport = ASGITransport(app=room.app, client=(ip, 40000))  # type: ignore[arg-type]
    return AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept": "application/json"}
    )


async def _bucket(room: Room, key: str) -> RateLimitBucket | None:
    async with create_sessionmaker(room.engine)() as db:
        return await db.get(RateLimitBucket, key)


async def test_a_hundred_parallel_wrong_tokens_count_exactly_a_hundred_and_check_only_the_allowance(
    room: Room,
) -> None:
    number, ip = room.numbers[0], "10.1.0.1"
    async with _client(room, ip) as kiosk:
        answers = await asyncio.gather(
            *(
                kiosk.post(LOGIN, json={"participant_no": number, "token": "ZZZZZZ"})
                for _ in range(100)
            )
        )
    allowance = room.app.state.settings.kiosk_login_max_failures  # type: ignore[attr-defined]
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * allowance + [429] * (100 - allowance)
    assert {int(a.headers["Retry-After"]) for a in answers if a.status_code == 429} <= set(
        range(590, 603)
    )
    mine = await _bucket(room, delivery.kiosk_login_key(number, ip).key)
    assert mine is not None and (mine.count, mine.strikes) == (100, allowance)
    address = await _bucket(room, delivery.kiosk_address_key(ip).key)
    # The address counted every try; the tries this participant's wait refused were not checked.
    assert address is not None and (address.count, address.strikes) == (100, allowance)


async def test_a_lab_logging_in_at_once_from_one_address_all_pass_and_leave_no_count(
    room: Room,
) -> None:
    ip = "10.1.0.2"
    numbers = room.numbers[1:31]
    async with _client(room, ip) as lab:
        answers = await asyncio.gather(
            *(lab.post(LOGIN, json={"participant_no": n, "token": room.token}) for n in numbers)
        )
    assert [a.status_code for a in answers] == [200] * len(numbers), answers[0].text
    address = await _bucket(room, delivery.kiosk_address_key(ip).key)
    assert address is not None and (address.count, address.strikes) == (0, 0)
    assert address.blocked_until is None


async def test_two_hundred_concurrent_second_logins_write_one_audit_row(room: Room) -> None:
    number = room.numbers[35]
    async with _client(room, "10.1.0.3") as first:
        assert (
            await first.post(LOGIN, json={"participant_no": number, "token": room.token})
        ).status_code == 200
    async with _client(room, "10.1.0.4") as other:
        answers = await asyncio.gather(
            *(
                other.post(LOGIN, json={"participant_no": number, "token": room.token})
                for _ in range(200)
            )
        )
    # Right tokens, so none is a failure; those beyond the allowance that arrive while the
    # allowance's worth are still being checked wait their turn (429), like any flood.
    assert {a.status_code for a in answers} <= {409, 429}
    assert sum(a.status_code == 409 for a in answers) >= 10
    mine = await _bucket(room, delivery.kiosk_login_key(number, "10.1.0.4").key)
    assert mine is None or mine.blocked_until is None  # a right try forgets this desk's record
    async with _client(room, "10.1.0.4") as other:
        again = await other.post(LOGIN, json={"participant_no": number, "token": room.token})
    assert again.status_code == 409  # the flood left no wait behind
    async with create_sessionmaker(room.engine)() as db:
        rows = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attempt.login_refused_active_session")
        )
    assert rows == 1
