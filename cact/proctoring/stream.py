"""The live dashboard over server-sent events.

One ``RoomFeed`` per sitting per process listens to the process's ``EventHub`` and computes each
change once for every browser watching that sitting here: events are coalesced (at most one
refresh per ``COALESCE_SECONDS``, a batch of changed tiles read in one pass), and the resulting
messages are fanned out to the browsers' queues.

Wire format (``text/event-stream``): events ``snapshot`` (sitting, seats, every tile, counters,
incidents), ``tiles`` (changed tiles and the counters), ``sitting`` and ``incidents``; each
``data`` is ``{"server_time": ISO, "data": {...}}`` and each ``id`` is ``<feed>:<seq>``.
A browser that reconnects with ``Last-Event-ID`` (or ``?last_event_id=``) gets the messages it
missed when this process still holds them (same feed, inside the last ``BUFFER_SIZE``);
otherwise — another process, a restart, too far behind — it gets a full snapshot, which replaces
everything it shows. A stream ends after ``STREAM_MAX_SECONDS`` so the browser reconnects (and
resumes) through the access checks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.auth.deps import ProctorUser
from cact.exam.events import Hub, RoomEvent
from cact.kit.db import DbSession
from cact.proctoring.dashboard import (
    Snapshot,
    counters,
    iso,
    load_incidents,
    load_sitting,
    load_snapshot,
    load_tiles,
)
from cact.proctoring.deps import check_sitting

logger = logging.getLogger("cact.dashboard")

COALESCE_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
SNAPSHOT_REUSE_SECONDS = 5.0
LINGER_SECONDS = 30.0
BUFFER_SIZE = 512
LISTENER_QUEUE = 256
STREAM_MAX_SECONDS = 600.0
RETRY_MS = 2000

router = APIRouter(prefix="/api/proctor", tags=["proctor"])


@dataclass(frozen=True)
class Message:
    seq: int
    event: str
    body: str  # a JSON value, without the per-send server_time


RESYNC = Message(0, "resync", "null")  # a browser fell too far behind: send it a snapshot


def utcnow() -> datetime:
    return datetime.now(UTC)


def wire(epoch: str, message: Message, now: datetime) -> bytes:
    data = f'{{"server_time":"{now.isoformat()}","data":{message.body}}}'
    return f"id: {epoch}:{message.seq}\nevent: {message.event}\ndata: {data}\n\n".encode()


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Connection:
    queue: asyncio.Queue[Message | None]
    initial: list[Message]
    seen: int  # messages up to this seq are already in what ``initial`` shows


@dataclass
class _Pending:
    attempts: set[int] = field(default_factory=set)
    enrollments: set[int] = field(default_factory=set)
    snapshot: bool = False
    sitting: bool = False
    incidents: bool = False


class RoomFeed:
    """One sitting's live state in this process, shared by every browser watching it here."""

    def __init__(
        self,
        sitting_id: int,
        sessionmaker: async_sessionmaker[AsyncSession],
        hub: Hub,
        *,
        on_close: Callable[[RoomFeed], None] | None = None,
    ) -> None:
        self.sitting_id = sitting_id
        self.epoch = secrets.token_hex(6)
        self.seq = 0
        self.snapshot: Snapshot | None = None
        self.tile_loads = 0  # batches of tiles read: one per flush, however many browsers
        self._sessionmaker = sessionmaker
        self._hub = hub
        self._on_close = on_close
        self._buffer: deque[Message] = deque(maxlen=BUFFER_SIZE)
        self._listeners: set[asyncio.Queue[Message | None]] = set()
        self._snapshot_at = -math.inf
        self._last_flush = -math.inf
        self._pending = _Pending()
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None
        self.closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"room-feed-{self.sitting_id}")

    async def stop(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    # --- browsers -------------------------------------------------------------------------

    async def connect(self, last_event_id: str | None) -> Connection:
        await self._ready.wait()
        queue: asyncio.Queue[Message | None] = asyncio.Queue(LISTENER_QUEUE)
        self._listeners.add(queue)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self.closed:
            queue.put_nowait(None)
        missed = self._missed_since(last_event_id)
        if missed is not None:
            return Connection(queue, missed, self.seq)
        try:
            snapshot = await self.snapshot_message()
        except BaseException:
            self.disconnect(queue)
            raise
        return Connection(queue, [snapshot], snapshot.seq)

    def disconnect(self, queue: asyncio.Queue[Message | None]) -> None:
        self._listeners.discard(queue)
        if not self._listeners and not self.closed and self._idle is None:
            self._idle = asyncio.get_running_loop().call_later(LINGER_SECONDS, self._close_if_idle)

    async def snapshot_message(self) -> Message:
        """Every tile as of now: from memory when read recently, else from the database."""
        async with self._lock:
            now = utcnow()
            stale = time.monotonic() - self._snapshot_at > SNAPSHOT_REUSE_SECONDS
            if self.snapshot is None or stale:
                await self._load_snapshot(now)
            assert self.snapshot is not None
            return Message(self.seq, "snapshot", _dumps(self.snapshot.as_json(now)))

    def _missed_since(self, last_event_id: str | None) -> list[Message] | None:
        """The messages after ``last_event_id``, or None when they cannot all be replayed."""
        epoch, _, number = (last_event_id or "").strip().partition(":")
        if epoch != self.epoch or not number.isdigit():
            return None
        last = int(number)
        if last > self.seq:
            return None
        if last < self.seq and (not self._buffer or self._buffer[0].seq > last + 1):
            return None
        return [m for m in self._buffer if m.seq > last]

    def _close_if_idle(self) -> None:
        self._idle = None
        if not self._listeners and self._task is not None:
            self._task.cancel()

    # --- the room's events ----------------------------------------------------------------

    async def _run(self) -> None:
        try:
            async with self._hub.subscribe(self.sitting_id) as events:
                self._ready.set()
                while True:
                    event = await events.get()
                    if event is None or not await self._gather(event, events):
                        return
                    await self._flush_until_done()
        except asyncio.CancelledError:
            pass
        finally:
            self.closed = True
            self._ready.set()
            for queue in list(self._listeners):
                _offer(queue, None)
            if self._on_close is not None:
                self._on_close(self)

    async def _gather(self, first: RoomEvent, events: asyncio.Queue[RoomEvent | None]) -> bool:
        """Absorb events until the coalescing window ends; False when the hub stopped."""
        self._absorb(first)
        ends = self._last_flush + COALESCE_SECONDS
        while True:
            while not events.empty():
                event = events.get_nowait()
                if event is None:
                    return False
                self._absorb(event)
            remaining = ends - time.monotonic()
            if remaining <= 0:
                return True
            try:
                async with asyncio.timeout(remaining):
                    event = await events.get()
            except TimeoutError:
                return True
            if event is None:
                return False
            self._absorb(event)

    def _absorb(self, event: RoomEvent) -> None:
        pending = self._pending
        what = event.data.get("what")
        if event.kind == "attempt" and event.attempt_id is not None:
            pending.attempts.add(int(event.attempt_id))
        elif event.kind == "attempts":  # the kiosks' answers and heartbeats, in a batch
            pending.attempts.update(int(n) for n in event.data.get("ids", ()))
        elif event.kind == "enrollment" and isinstance(event.data.get("enrollment"), int):
            pending.enrollments.add(event.data["enrollment"])
        elif event.kind == "incident":
            pending.incidents = True
        elif event.kind == "sitting" and what == "token":
            pending.sitting = True
        else:  # resync, a sitting-wide change (start, pause, resume, close), anything unknown
            pending.snapshot = True

    async def _flush_until_done(self) -> None:
        while True:
            try:
                await self._flush()
                return
            except Exception:
                logger.exception("room feed %s could not refresh; retrying", self.sitting_id)
                self._pending.snapshot = True
                await asyncio.sleep(1)

    async def _flush(self) -> None:
        self._last_flush = time.monotonic()
        async with self._lock:
            pending, self._pending = self._pending, _Pending()
            now = utcnow()
            if pending.snapshot or self.snapshot is None:
                await self._load_snapshot(now)
                assert self.snapshot is not None
                self._publish("snapshot", self.snapshot.as_json(now))
                return
            snapshot = self.snapshot
            async with self._sessionmaker() as db:
                if pending.sitting:
                    snapshot.sitting = await load_sitting(db, self.sitting_id)
                    self._publish("sitting", {"sitting": snapshot.sitting})
                if pending.attempts or pending.enrollments:
                    tiles = await load_tiles(
                        db,
                        self.sitting_id,
                        now,
                        attempt_ids=pending.attempts,
                        enrollment_ids=pending.enrollments,
                    )
                    self.tile_loads += 1
                    snapshot.merge(tiles)
                    self._publish(
                        "tiles",
                        {
                            "tiles": [t.as_json(now) for t in tiles],
                            "counters": counters(snapshot.tiles.values(), now),
                        },
                    )
                if pending.incidents:
                    snapshot.incidents = await load_incidents(db, self.sitting_id)
                    self._publish("incidents", {"incidents": snapshot.incidents})

    async def _load_snapshot(self, now: datetime) -> None:
        async with self._sessionmaker() as db:
            self.snapshot = await load_snapshot(db, self.sitting_id, now)
        self._snapshot_at = time.monotonic()

    def _publish(self, event: str, payload: dict[str, Any]) -> None:
        self.seq += 1
        message = Message(self.seq, event, _dumps(payload))
        self._buffer.append(message)
        for queue in list(self._listeners):
            _offer(queue, message)


def _offer(queue: asyncio.Queue[Message | None], message: Message | None) -> None:
    if queue.full():
        # A stalled browser: drop its backlog; it gets a snapshot (or the end) instead.
        while not queue.empty():
            queue.get_nowait()
        message = RESYNC if message is not None else None
    queue.put_nowait(message)


class FeedRegistry:
    """This process's feeds, one per watched sitting."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], hub: Hub) -> None:
        self._sessionmaker = sessionmaker
        self._hub = hub
        self._feeds: dict[int, RoomFeed] = {}

    def feed(self, sitting_id: int) -> RoomFeed:
        feed = self._feeds.get(sitting_id)
        if feed is None or feed.closed:
            feed = RoomFeed(sitting_id, self._sessionmaker, self._hub, on_close=self._forget)
            self._feeds[sitting_id] = feed
            feed.start()
        return feed

    def _forget(self, feed: RoomFeed) -> None:
        if self._feeds.get(feed.sitting_id) is feed:
            del self._feeds[feed.sitting_id]


def feeds_of(app: FastAPI) -> FeedRegistry:
    registry: FeedRegistry | None = getattr(app.state, "room_feeds", None)
    if registry is None:
        registry = FeedRegistry(app.state.sessionmaker, app.state.events)
        app.state.room_feeds = registry
    return registry


async def event_stream(
    feed: RoomFeed, last_event_id: str | None, *, max_seconds: float = STREAM_MAX_SECONDS
) -> AsyncIterator[bytes]:
    try:
        connection = await feed.connect(last_event_id)
    except Exception:
        logger.exception("dashboard stream for sitting %s could not start", feed.sitting_id)
        return
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        for message in connection.initial:
            yield wire(feed.epoch, message, utcnow())
        seen = connection.seen
        ends = time.monotonic() + max_seconds
        while (left := ends - time.monotonic()) > 0:
            try:
                async with asyncio.timeout(min(KEEPALIVE_SECONDS, left)):
                    received = await connection.queue.get()
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if received is None:
                return
            if received is RESYNC:
                received = await feed.snapshot_message()
                seen = received.seq
            elif received.seq <= seen:
                continue
            yield wire(feed.epoch, received, utcnow())
    finally:
        feed.disconnect(connection.queue)


@router.get("/sittings/{sitting_id}/tiles")
async def tiles(sitting_id: int, user: ProctorUser, db: DbSession) -> dict[str, Any]:
    """The dashboard's snapshot as JSON (the same shape as the stream's ``snapshot`` event)."""
    await check_sitting(db, user, sitting_id)
    now = utcnow()
    snapshot = await load_snapshot(db, sitting_id, now)
    return {"server_time": iso(now), **snapshot.as_json(now)}


@router.get(
    "/sittings/{sitting_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    sitting_id: int,
    user: ProctorUser,
    request: Request,
    db: DbSession,
    last_event_id: Annotated[str | None, Header()] = None,
    resume_from: Annotated[str | None, Query(alias="last_event_id")] = None,
) -> StreamingResponse:
    """The room, live: a snapshot, then every change (see the module's docstring)."""
    await check_sitting(db, user, sitting_id)
    feed = feeds_of(request.app).feed(sitting_id)
    # The request's session is released when this function returns (DbSession is function-
    # scoped); the long-lived stream reads through the feed's own short sessions.
    return StreamingResponse(
        event_stream(feed, last_event_id or resume_from),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
