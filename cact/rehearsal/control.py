"""The proctor-to-kiosk control latency: a room pause and resume, timed to every kiosk.

Every simulated kiosk holds the push channel open (``GET /events``) as the kiosk page does. The
rehearsal then acts as the proctor (the same service call as the dashboard's button) and times,
for each kiosk, from the moment before the action:

- **acknowledged**: the kiosk has the new state and shows it. A room's pause and resume carry
  the kiosk's pause state in the push itself (``paused``), which the page shows at once, so
  this is the push's arrival; a push without it (an old server) waits for the heartbeat.
- **confirmed**: the kiosk's heartbeat, spread over the page's reconcile window (0–4 s, so that a
  room does not ask in step), answered with the same state: the server's word, and the exact
  time after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit.service import Actor
from cact.proctoring import service as proctoring
from cact.rehearsal.kiosk import API, SimKiosk
from cact.rehearsal.stats import Stats, percentile

ACTOR = Actor.system("cact rehearsal (proctor)")
RECONCILE_SECONDS = 4.0  # the kiosk page's RECONCILE_JITTER_MS
WAIT_SECONDS = 30.0


@dataclass
class Listener:
    kiosk: SimKiosk
    rng: random.Random
    hello: asyncio.Event = field(default_factory=asyncio.Event)
    pushed: dict[str, float] = field(default_factory=dict)
    acked: dict[str, float] = field(default_factory=dict)
    confirmed: dict[str, float] = field(default_factory=dict)
    done: dict[str, asyncio.Event] = field(default_factory=dict)
    confirming: set[asyncio.Task[None]] = field(default_factory=set)

    def expect(self, what: str) -> None:
        self.done[what] = asyncio.Event()

    async def listen(self, streams: aiohttp.ClientSession) -> None:
        """Hold the stream, as the kiosk page does: a refused or broken one (a 503 while the
        whole room connects at once) is tried again with the page's backoff."""
        failures = 0
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                try:
                    status = await self._stream(streams)
                except aiohttp.ClientError as exc:
                    self.kiosk.stats.error("events", type(exc).__name__)
                else:
                    if status != 200:
                        self.kiosk.stats.error("events", f"HTTP {status}")
                failures += 1
                ceiling = min(10.0, 0.5 * 2 ** (failures - 1))  # kiosk/outbox.js backoffDelay
                await asyncio.sleep(ceiling / 2 + self.rng.random() * ceiling / 2)

    async def _stream(self, streams: aiohttp.ClientSession) -> int:
        headers = {**self.kiosk.headers, "Accept": "text/event-stream"}
        if self.kiosk.address is not None:
            headers["X-Forwarded-For"] = self.kiosk.address
        url = self.kiosk.base_url + API + "/events"
        async with streams.get(url, headers=headers) as response:
            if response.status != 200:
                await response.read()
                return response.status
            event = ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "hello":
                    self.hello.set()
                elif line.startswith("data: ") and event == "control":
                    control = json.loads(line[6:])
                    what = str(control.get("what"))
                    if what in self.done and what not in self.pushed:
                        self.pushed[what] = time.monotonic()
                        if control.get("paused") is (what == "pause"):
                            self.acked[what] = self.pushed[what]
                        task = asyncio.create_task(self._confirm(what))
                        self.confirming.add(task)
                        task.add_done_callback(self.confirming.discard)
            return 200

    async def _confirm(self, what: str) -> None:
        await asyncio.sleep(self.rng.random() * RECONCILE_SECONDS)
        paused = what == "pause"
        for _ in range(20):
            reply = await self.kiosk.call("heartbeat", "POST", "/heartbeat")
            if reply.status_code == 200 and bool(reply.json().get("paused")) == paused:
                self.confirmed[what] = time.monotonic()
                self.acked.setdefault(what, self.confirmed[what])
                self.done[what].set()
                return
            await asyncio.sleep(0.2)


async def _act(
    sessionmaker: async_sessionmaker[AsyncSession],
    action: Callable[..., Awaitable[object]],
    sitting_id: int,
    reason: str,
) -> None:
    async with sessionmaker() as db, db.begin():
        await action(db, sitting_id, reason, ACTOR, datetime.now(UTC))


async def measure(
    base_url: str,
    kiosks: list[SimKiosk],
    sessionmaker: async_sessionmaker[AsyncSession],
    sitting_id: int,
    stats: Stats,
    seed: int,
) -> None:
    """Pause the room, wait for every kiosk, resume it, wait again; figures into ``stats``."""
    listeners = [Listener(k, random.Random(seed + n)) for n, k in enumerate(kiosks)]
    connector = aiohttp.TCPConnector(limit=0)  # one long-lived stream per kiosk
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60)
    # With failover addresses every kiosk names its own (absolute) URL: no base_url then.
    session_base = None if kiosks and kiosks[0].bases else base_url
    async with aiohttp.ClientSession(
        base_url=session_base, connector=connector, timeout=timeout
    ) as s:
        tasks = [asyncio.create_task(listener.listen(s)) for listener in listeners]
        try:
            with contextlib.suppress(TimeoutError):  # the figures say how many were listening
                await asyncio.wait_for(
                    asyncio.gather(*(listener.hello.wait() for listener in listeners)), 120
                )
            listening = sum(listener.hello.is_set() for listener in listeners)
            stats.figures["kiosks holding the push channel"] = f"{listening}/{len(listeners)}"
            actions = (
                ("pause", proctoring.pause_sitting, "gladi: jeda ruangan"),
                ("resume", proctoring.resume_sitting, "gladi: lanjut"),
            )
            for what, action, reason in actions:
                for listener in listeners:
                    listener.expect(what)
                started = time.monotonic()
                await _act(sessionmaker, action, sitting_id, reason)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.gather(*(listener.done[what].wait() for listener in listeners)),
                        WAIT_SECONDS,
                    )
                _figures(stats, what, started, listeners)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _figures(stats: Stats, what: str, started: float, listeners: list[Listener]) -> None:
    def after(times: list[dict[str, float]]) -> list[float]:
        return [(t[what] - started) * 1000 for t in times if what in t]

    acked = after([listener.acked for listener in listeners])
    stats.figures[f"control {what} acknowledged kiosks"] = f"{len(acked)}/{len(listeners)}"
    stats.figures[f"control {what} p50 ms"] = round(percentile(acked, 0.50), 1)
    stats.figures[f"control {what} p99 ms"] = round(percentile(acked, 0.99), 1)
    confirmed = after([listener.confirmed for listener in listeners])
    stats.figures[f"control {what} confirmed p99 ms"] = round(percentile(confirmed, 0.99), 1)
