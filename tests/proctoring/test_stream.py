"""The dashboard feed: one read per burst of events for every browser of a process, resumable
streams, snapshots when resuming is not possible."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.exam.events import RoomEvent
from cact.proctoring import stream
from cact.proctoring.stream import Connection, Message, RoomFeed, event_stream
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting


class FakeHub:
    """Stands in for the process's LISTEN connection: the test decides what PostgreSQL said."""

    def __init__(self) -> None:
        self.queues: list[asyncio.Queue[RoomEvent | None]] = []

    @contextlib.asynccontextmanager
    async def subscribe(self, sitting_id: int) -> AsyncIterator[asyncio.Queue[RoomEvent | None]]:
        queue: asyncio.Queue[RoomEvent | None] = asyncio.Queue()
        self.queues.append(queue)
        try:
            yield queue
        finally:
            self.queues.remove(queue)

    def send(self, event: RoomEvent | None) -> None:
        for queue in self.queues:
            queue.put_nowait(event)


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=3)


@pytest.fixture
async def feed(
    opened: OpenSitting, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[RoomFeed, FakeHub]]:
    hub = FakeHub()
    room = RoomFeed(opened.sitting.id, sessionmaker, hub)
    room.start()
    yield room, hub
    await room.stop()


async def _next(connection: Connection, timeout: float = 3) -> Message:
    async with asyncio.timeout(timeout):
        message = await connection.queue.get()
    assert message is not None
    return message


def _data(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(message.body)
    return data


async def _answered(client: AsyncClient, opened: OpenSitting, n: int, count: int) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[n], opened.token)
    await kiosk.login()
    assert (await kiosk.call("POST", "/attempt/start")).status_code == 200  # type: ignore[attr-defined]
    attempt = (await kiosk.call("GET", "/attempt")).json()  # type: ignore[attr-defined]
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
    for item in section["items"][:count]:
        await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    return kiosk


async def test_thirty_browsers_and_a_burst_of_events_cost_one_read(
    client: AsyncClient, opened: OpenSitting, feed: tuple[RoomFeed, FakeHub]
) -> None:
    room, hub = feed
    browsers = [await room.connect(None) for _ in range(30)]
    assert all(b.initial[0].event == "snapshot" for b in browsers)
    first = _data(browsers[0].initial[0])
    assert first["counters"]["registered"] == 3
    one = await _answered(client, opened, 0, 2)
    two = await _answered(client, opened, 1, 1)

    sitting = opened.sitting.id
    for _ in range(20):
        hub.send(RoomEvent(sitting, "attempt", one.attempt_id, {"what": "answer"}))
    for _ in range(5):  # the workers' batches of answers and heartbeats (exam.events.Touches)
        hub.send(RoomEvent(sitting, "attempts", None, {"ids": [two.attempt_id, one.attempt_id]}))
    messages = [await _next(b) for b in browsers]
    assert room.tile_loads == 1  # one batch read for 25 events and 30 browsers
    assert len({m.seq for m in messages}) == 1 and messages[0].event == "tiles"
    tiles = {t["attempt_id"]: t for t in _data(messages[0])["tiles"]}
    assert tiles[one.attempt_id]["answered"] == 2 and tiles[two.attempt_id]["answered"] == 1
    assert tiles[one.attempt_id]["status"] == "working"
    assert _data(messages[0])["counters"]["working"] == 2
    assert all(b.queue.empty() for b in browsers)
    for browser in browsers:
        room.disconnect(browser.queue)
    assert room.listeners == 0


async def test_one_attempt_is_refreshed_at_most_every_half_second(
    client: AsyncClient, opened: OpenSitting, feed: tuple[RoomFeed, FakeHub]
) -> None:
    room, hub = feed
    browser = await room.connect(None)
    kiosk = await _answered(client, opened, 0, 1)
    event = RoomEvent(opened.sitting.id, "attempt", kiosk.attempt_id, {"what": "answer"})
    hub.send(event)
    await _next(browser)
    flushed = time.monotonic()
    hub.send(event)
    await asyncio.sleep(0.1)
    hub.send(event)
    await _next(browser)
    assert time.monotonic() - flushed >= stream.COALESCE_SECONDS - 0.05
    assert room.tile_loads == 2
    assert browser.queue.empty()


async def test_a_reconnecting_browser_gets_what_it_missed_or_a_snapshot(
    client: AsyncClient,
    opened: OpenSitting,
    feed: tuple[RoomFeed, FakeHub],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room, hub = feed
    browser = await room.connect(None)
    kiosk = await _answered(client, opened, 0, 1)
    event = RoomEvent(opened.sitting.id, "attempt", kiosk.attempt_id, {"what": "answer"})
    seen = []
    for _ in range(3):
        hub.send(event)
        seen.append(await _next(browser))
    room.disconnect(browser.queue)

    resumed = await room.connect(f"{room.epoch}:{seen[0].seq}")
    assert [m.seq for m in resumed.initial] == [seen[1].seq, seen[2].seq]
    up_to_date = await room.connect(f"{room.epoch}:{seen[2].seq}")
    assert up_to_date.initial == []
    for unknown in ("", "garbage", f"another-process:{seen[1].seq}", f"{room.epoch}:99999"):
        fresh = await room.connect(unknown)
        assert [m.event for m in fresh.initial] == ["snapshot"], unknown
    monkeypatch.setattr(room, "_buffer", type(room._buffer)(list(room._buffer)[-1:], maxlen=1))
    too_old = await room.connect(f"{room.epoch}:{seen[0].seq}")
    assert [m.event for m in too_old.initial] == ["snapshot"]


async def test_resync_and_room_wide_changes_send_a_snapshot_and_tokens_the_sitting(
    opened: OpenSitting, feed: tuple[RoomFeed, FakeHub]
) -> None:
    room, hub = feed
    browser = await room.connect(None)
    sitting = opened.sitting.id
    hub.send(RoomEvent(sitting, "resync"))
    assert (await _next(browser)).event == "snapshot"
    hub.send(RoomEvent(sitting, "sitting", data={"what": "pause"}))
    assert (await _next(browser)).event == "snapshot"
    hub.send(RoomEvent(sitting, "sitting", data={"what": "token"}))
    token = await _next(browser)
    assert token.event == "sitting" and _data(token)["sitting"]["token"] == opened.token
    hub.send(RoomEvent(sitting, "incident", None, {"note": "AC mati"}))
    assert (await _next(browser)).event == "incidents"


async def test_the_stream_speaks_server_sent_events_and_lets_go_when_the_browser_leaves(
    client: AsyncClient,
    opened: OpenSitting,
    feed: tuple[RoomFeed, FakeHub],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room, hub = feed
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.2)
    chunks = event_stream(room, None)
    assert await anext(chunks) == b"retry: 2000\n\n"
    snapshot = (await anext(chunks)).decode()
    lines = snapshot.rstrip("\n").split("\n")
    assert lines[0] == f"id: {room.epoch}:0" and lines[1] == "event: snapshot"
    payload = json.loads(lines[2].removeprefix("data: "))
    assert payload["server_time"] and len(payload["data"]["tiles"]) == 3
    assert room.listeners == 1
    kiosk = await _answered(client, opened, 0, 1)
    hub.send(RoomEvent(opened.sitting.id, "attempt", kiosk.attempt_id, {"what": "answer"}))
    tiles = (await anext(chunks)).decode()
    assert f"id: {room.epoch}:1\nevent: tiles\n" in tiles and tiles.endswith("\n\n")
    assert await anext(chunks) == b": keep-alive\n\n"
    await chunks.aclose()
    assert room.listeners == 0


async def test_a_stream_ends_when_the_hub_stops(
    opened: OpenSitting, feed: tuple[RoomFeed, FakeHub]
) -> None:
    room, hub = feed
    chunks = event_stream(room, None)
    await anext(chunks)
    await anext(chunks)
    hub.send(None)
    with pytest.raises(StopAsyncIteration):
        await anext(chunks)
    assert room.closed
