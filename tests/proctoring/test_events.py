"""Room events travel through PostgreSQL: committed changes are heard by every listener."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from cact.exam.events import EventHub, RoomEvent, asyncpg_dsn, publish
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
