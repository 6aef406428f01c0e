"""The kiosk's push channel: each kiosk hears its own attempt's and its room's control events,
never the room's answer traffic (issue 13)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.delivery.push import RoomControl, control_stream
from cact.exam.events import RoomEvent
from tests.fixtures.sittings import KioskClient, open_sitting


class FakeHub:
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

    def send(self, event: RoomEvent) -> None:
        for queue in self.queues:
            queue.put_nowait(event)


async def _events(stream: AsyncIterator[bytes], into: list[dict[str, str]]) -> None:
    async for chunk in stream:
        text = chunk.decode()
        if text.startswith("event: control"):
            into.append(json.loads(text.split("data: ", 1)[1]))


async def test_each_kiosk_hears_its_attempt_and_its_room_and_nothing_else() -> None:
    hub = FakeHub()
    room = RoomControl(7, hub)
    heard: dict[int, list[dict[str, str]]] = {1: [], 2: []}
    tasks = [
        asyncio.create_task(_events(control_stream(room, n, max_seconds=5), heard[n]))
        for n in (1, 2)
    ]
    for _ in range(50):
        if hub.queues and room.kiosks == 2:
            break
        await asyncio.sleep(0.01)
    assert len(hub.queues) == 1 and room.kiosks == 2  # one hub queue for the whole room
    for _ in range(100):  # the room's answer traffic reaches no kiosk
        hub.send(RoomEvent(7, "attempt", 2, {"what": "answer"}))
    hub.send(RoomEvent(7, "attempt", 1, {"what": "terminate"}))
    hub.send(RoomEvent(7, "sitting", None, {"what": "pause"}))
    await asyncio.sleep(0.1)
    assert [(e["what"], e["scope"]) for e in heard[1]] == [
        ("terminate", "attempt"),
        ("pause", "sitting"),
    ]
    assert [(e["what"], e["scope"]) for e in heard[2]] == [("pause", "sitting")]
    assert all("server_time" in e for e in heard[1] + heard[2])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.05)
    assert room.kiosks == 0 and hub.queues == []  # the last kiosk gone, the room stops listening


async def test_the_stream_needs_a_kiosk_token_and_a_client_that_asks_for_a_stream(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    anonymous = await client.get("/api/kiosk/v1/events", headers={"Accept": "text/event-stream"})
    assert anonymous.status_code == 401
    plain = await kiosk.call("GET", "/events")
    assert plain.status_code == 406  # type: ignore[attr-defined]
    assert plain.json()["error"] == "not_acceptable"  # type: ignore[attr-defined]


async def test_a_room_pause_and_resume_tell_each_kiosk_its_own_pause_state() -> None:
    hub = FakeHub()
    room = RoomControl(7, hub)
    heard: dict[int, list[dict[str, str]]] = {1: [], 2: [], 3: []}
    tasks = [
        asyncio.create_task(_events(control_stream(room, n, max_seconds=5), heard[n]))
        for n in heard
    ]
    for _ in range(50):
        if hub.queues and room.kiosks == 3:
            break
        await asyncio.sleep(0.01)
    hub.send(RoomEvent(7, "sitting", None, {"what": "pause"}))
    # Attempt 2 was paused by the proctor on its own: the room's resume leaves it paused.
    hub.send(RoomEvent(7, "sitting", None, {"what": "resume", "still_paused": [2]}))
    # More attempts paused one by one than a notice can name: no state, the kiosks ask.
    hub.send(RoomEvent(7, "sitting", None, {"what": "resume"}))
    await asyncio.sleep(0.1)
    states = {n: [(e["what"], e.get("paused")) for e in heard[n]] for n in heard}
    assert states[1] == states[3] == [("pause", True), ("resume", False), ("resume", None)]
    assert states[2] == [("pause", True), ("resume", True), ("resume", None)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
