"""Room events travel through PostgreSQL: committed changes are heard by every listener."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from cact.exam.events import TOUCH_BATCH, EventHub, RoomEvent, Touches, asyncpg_dsn, publish
from cact.kit import rawdb
from cact.kit.db import create_sessionmaker


async def _hub(url: str) -> EventHub:
    hub = EventHub(asyncpg_dsn(url))
    hub.start()
    await asyncio.wait_for(hub.connected.wait(), 10)
    return hub


async def test_a_committed_event_reaches_the_subscribers_of_its_sitting_only(
    engine: AsyncEngine, database_url: str
) -> None:
    hub = await _hub(database_url)
    try:
        async with hub.subscribe(501) as mine, hub.subscribe(502) as theirs:
            async with create_sessionmaker(engine)() as db, db.begin():
                await publish(db, RoomEvent(501, "attempt", 9, {"what": "answer"}))
            event = await asyncio.wait_for(mine.get(), 5)
            assert event == RoomEvent(501, "attempt", 9, {"what": "answer"})
            assert theirs.empty()
    finally:
        await hub.stop()


async def test_a_rolled_back_change_publishes_nothing(
    engine: AsyncEngine, database_url: str
) -> None:
    hub = await _hub(database_url)
    try:
        async with hub.subscribe(503) as queue:
            async with create_sessionmaker(engine)() as db:
                await db.begin()
                await publish(db, RoomEvent(503, "attempt", 1))
                await db.rollback()
            async with create_sessionmaker(engine)() as db, db.begin():
                await publish(db, RoomEvent(503, "sitting", None, {"what": "marker"}))
            event = await asyncio.wait_for(queue.get(), 5)
            assert event is not None and event.kind == "sitting"  # the rolled-back one never came
    finally:
        await hub.stop()


async def test_the_kiosks_touches_reach_the_room_in_one_batch_per_sitting(
    engine: AsyncEngine, database_url: str
) -> None:
    hub = await _hub(database_url)
    pool = await rawdb.create_pool(asyncpg_dsn(database_url), 2)
    touches = Touches()
    sending = asyncio.create_task(touches.run(rawdb.pool_connections(pool, 5)))
    try:
        async with hub.subscribe(601) as room, hub.subscribe(602) as other:
            for attempt_id in (7, 5, 7, 7, 9):  # answers and heartbeats of three kiosks
                touches.add(601, attempt_id)
            touches.add(602, 1)
            event = await asyncio.wait_for(room.get(), 5)
            assert event == RoomEvent(601, "attempts", None, {"ids": [5, 7, 9]})
            assert await asyncio.wait_for(other.get(), 5) == RoomEvent(
                602, "attempts", None, {"ids": [1]}
            )
            await asyncio.sleep(0.6)  # nothing new touched: nothing more is sent
            assert room.empty() and other.empty()
    finally:
        sending.cancel()
        await rawdb.close_pool(pool)
        await hub.stop()


def test_a_full_room_is_told_in_payloads_postgresql_takes() -> None:
    touches = Touches()
    for attempt_id in range(10**9, 10**9 + 2000):
        touches.add(7, attempt_id)
    events = touches.take()
    assert len(events) == -(-2000 // TOUCH_BATCH)
    assert sorted(n for e in events for n in e.data["ids"]) == list(range(10**9, 10**9 + 2000))
    assert all(len(e.payload().encode()) < 8000 for e in events)
    assert touches.take() == []  # taken once
