"""Live room events through PostgreSQL LISTEN/NOTIFY, so every worker's dashboards see every
change, whichever worker made it.

Publishing is a ``pg_notify`` in the caller's transaction: PostgreSQL delivers it only if that
transaction commits. Each process keeps ONE listening connection (not one per browser) and fans
the events out to its subscribers in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.db import async_url

logger = logging.getLogger("cact.events")
CHANNEL = "cact_room"
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class RoomEvent:
    sitting_id: int
    kind: str  # attempt | sitting | incident
    attempt_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> str:
        return json.dumps(
            {"s": self.sitting_id, "k": self.kind, "a": self.attempt_id, "d": self.data},
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, payload: str) -> RoomEvent:
        raw = json.loads(payload)
        return cls(int(raw["s"]), str(raw["k"]), raw.get("a"), raw.get("d") or {})


def attempt_notify(source: str, *, sitting_id: str, attempt_id: str, what: str) -> str:
    """``SELECT pg_notify(…) FROM source``: an attempt event (RoomEvent's payload) for each row
    of ``source``, as a fragment of a one-statement change; the arguments are SQL expressions
    over ``source`` (``what`` a literal). Delivered only if that statement commits."""
    return f"""SELECT pg_notify('{CHANNEL}', json_build_object(
        's', {sitting_id}, 'k', 'attempt', 'a', {attempt_id},
        'd', json_build_object('what', '{what}'))::text)
    FROM {source}"""


async def publish(db: AsyncSession, event: RoomEvent) -> None:
    await db.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": event.payload()},
    )


TOUCH_SECONDS = 0.25
TOUCH_BATCH = 400  # attempt ids per notification: well inside PostgreSQL's 8,000-byte payload


def attempt_batches(
    by_sitting: Mapping[int, Iterable[int]], what: str | None = None
) -> list[RoomEvent]:
    """``attempts`` events (``{"ids": […], "what": …}``), one per room and TOUCH_BATCH ids:
    many attempts' changes told in a few notifications. Without ``what``: touched in passing
    (answers, heartbeats: only the dashboards' tiles care); with it, a change the kiosks of
    those attempts are told of as well (``closed``)."""
    events = []
    for sitting_id, attempt_ids in by_sitting.items():
        ordered = sorted(set(attempt_ids))
        for start in range(0, len(ordered), TOUCH_BATCH):
            data: dict[str, Any] = {"ids": ordered[start : start + TOUCH_BATCH]}
            if what is not None:
                data["what"] = what
            events.append(RoomEvent(sitting_id, "attempts", None, data))
    return events


class Touches:
    """Attempts the kiosk's frequent calls changed in passing (an answer saved, a heartbeat),
    told to the room's dashboards as one ``attempts`` event per room every quarter second
    instead of one notification per call: at 2,000 kiosks a notification per call cost
    PostgreSQL and every worker's listener more than the calls themselves (issue 16). Only the
    dashboard's tiles hear of them, and a tile reloads its attempt from the database, so a batch
    lost with its worker costs a tile refresh, never an answer (the next one, or the resync
    after a reconnect, brings the tile up to date)."""

    def __init__(self) -> None:
        self._by_sitting: dict[int, set[int]] = {}

    def add(self, sitting_id: int, attempt_id: int) -> None:
        self._by_sitting.setdefault(sitting_id, set()).add(attempt_id)

    def take(self) -> list[RoomEvent]:
        """What was touched since the last take, as the events to publish (and forgotten)."""
        taken, self._by_sitting = self._by_sitting, {}
        return attempt_batches(taken)

    async def run(self, connections: Any) -> None:
        """Publish every quarter second (``connections``: the worker's raw pool)."""
        while True:
            await asyncio.sleep(TOUCH_SECONDS)
            events = self.take()
            if not events:
                continue
            try:
                async with connections() as connection:
                    for event in events:
                        await connection.execute(
                            "SELECT pg_notify($1, $2)", CHANNEL, event.payload()
                        )
            except Exception as exc:  # an outage, a full pool: this loop must outlive it
                logger.warning("room events: %d batch(es) not sent: %r", len(events), exc)


RECONNECT_SECONDS = 1.0  # between tries: a standby or a dead server is not polled in a busy loop


class Hub(Protocol):
    """What a room's listeners need of the process's hub (the dashboard's feeds, the kiosks'
    control push)."""

    def subscribe(
        self, sitting_id: int
    ) -> AbstractAsyncContextManager[asyncio.Queue[RoomEvent | None]]: ...


class EventHub:
    """The process's one listener and its in-memory subscribers, by sitting."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._subscribers: dict[int, set[asyncio.Queue[RoomEvent | None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="room-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for queues in self._subscribers.values():
            for queue in queues:
                queue.put_nowait(None)

    @contextlib.asynccontextmanager
    async def subscribe(self, sitting_id: int) -> AsyncIterator[asyncio.Queue[RoomEvent | None]]:
        queue: asyncio.Queue[RoomEvent | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(sitting_id, set()).add(queue)
        try:
            yield queue
        finally:
            self._subscribers.get(sitting_id, set()).discard(queue)

    def _deliver(self, event: RoomEvent) -> None:
        for queue in list(self._subscribers.get(event.sitting_id, ())):
            if queue.full():
                # A stalled browser: drop its backlog and tell it to resynchronise.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(RoomEvent(event.sitting_id, "resync"))
            else:
                queue.put_nowait(event)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._deliver(RoomEvent.parse(payload))
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed room event: %.200s", payload)

    async def _listen_forever(self) -> None:
        on_standby = False
        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                await connection.add_listener(CHANNEL, self._on_notify)
                if on_standby:
                    logger.info("room events: the database was promoted; listening")
                on_standby = False
                self.connected.set()
                # After a reconnect, events may have been missed: every dashboard resyncs.
                for sitting_id in list(self._subscribers):
                    self._deliver(RoomEvent(sitting_id, "resync"))
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _conn, gone=lost: gone.set())
                await lost.wait()
            except asyncpg.ReadOnlySQLTransactionError:
                # A standby refuses LISTEN until it is promoted: say so once, then wait quietly.
                if not on_standby:
                    logger.info("room events: the database is a standby; waiting for promotion")
                on_standby = True
            except (OSError, asyncpg.PostgresError):
                logger.warning("room event listener lost its connection; reconnecting")
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await connection.close()
            await asyncio.sleep(RECONNECT_SECONDS)


def asyncpg_dsn(url: str) -> str:
    """asyncpg.connect() takes the plain libpq form of our SQLAlchemy URL."""
    parsed = make_url(async_url(url))
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
