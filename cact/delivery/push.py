"""The proctor's control reaches each kiosk within 2 s: server-sent events per kiosk.

``GET /api/kiosk/v1/events`` (Bearer kiosk token) is a ``text/event-stream`` that says *that*
something changed for this attempt or its room — ``event: control``, ``data`` =
``{"server_time", "what", "scope"}`` with ``what`` one of pause, resume, start, close,
extra_time, terminate, closed, reset, token, section. A room's pause and resume also carry
``paused`` (true/false): this kiosk's pause state from that moment, so two thousand kiosks can
show the pause, or leave it with the time they froze (the server gives every paused
millisecond back), without two thousand calls in the same second. Everything else — and the
exact time after a pause — the kiosk asks the usual calls for (heartbeat, GET /attempt), spread
over a few seconds, so the protocol's answers stay the one source of truth and a kiosk without
this stream (the heartbeat's fallback) sees the same.

It is fed by the process's one PostgreSQL LISTEN connection (``EventHub``). Two thousand kiosks
of one room must not mean two thousand hub queues, each woken by every answer saved in the
room: one ``RoomControl`` per sitting per process takes the room's events once, drops the
frequent ones that are no control (answers, heartbeats) after one lookup, and hands the rest
to the kiosks of that attempt (or to every kiosk of the room, for a room-wide change).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse

from cact.delivery.deps import BrowserChecked, bearer_hash
from cact.delivery.errors import KioskUnauthorized
from cact.exam.events import Hub, RoomEvent
from cact.kit.errors import CactError

logger = logging.getLogger("cact.kiosk_push")
router = APIRouter(prefix="/api/kiosk/v1", tags=["kiosk protocol v1"])

KEEPALIVE_SECONDS = 15.0
STREAM_MAX_SECONDS = 600.0
RETRY_MS = 1000
KIOSK_QUEUE = 16
# The kiosk's own traffic, echoed by the room's feed: nothing a kiosk must be told about.
NOT_CONTROL = frozenset({"answer", "seen", "login", "start", "logout"})
SITTING_CONTROL = frozenset({"start", "pause", "resume", "close", "token"})

_ATTEMPT = "SELECT id, sitting_id FROM attempt WHERE kiosk_session_hash = $1::text"


class NotAStreamClient(CactError):
    status = 406
    code = "not_acceptable"
    message = "Kirim Accept: text/event-stream. / Send Accept: text/event-stream."


class RoomControl:
    """One sitting's control events in this process, handed to the kiosks watching it here."""

    def __init__(self, sitting_id: int, hub: Hub) -> None:
        self.sitting_id = sitting_id
        self._hub = hub
        self._by_attempt: dict[int, set[asyncio.Queue[str | None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def ready(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"kiosk-push-{self.sitting_id}")
        await self._ready.wait()

    def add(self, attempt_id: int) -> asyncio.Queue[str | None]:
        queue: asyncio.Queue[str | None] = asyncio.Queue(KIOSK_QUEUE)
        self._by_attempt.setdefault(attempt_id, set()).add(queue)
        return queue

    def remove(self, attempt_id: int, queue: asyncio.Queue[str | None]) -> None:
        queues = self._by_attempt.get(attempt_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._by_attempt[attempt_id]
        if not self._by_attempt and self._task is not None:
            self._task.cancel()
            self._task = None
            self._ready.clear()

    @property
    def kiosks(self) -> int:
        return sum(len(q) for q in self._by_attempt.values())

    async def _run(self) -> None:
        try:
            async with self._hub.subscribe(self.sitting_id) as events:
                self._ready.set()
                while True:
                    event = await events.get()
                    if event is None:
                        break
                    self._dispatch(event)
        except asyncio.CancelledError:
            pass
        finally:
            for queues in list(self._by_attempt.values()):
                for queue in list(queues):
                    _offer(queue, None)

    def _dispatch(self, event: RoomEvent) -> None:
        what = str(event.data.get("what") or event.kind)
        if event.kind == "sitting" and what == "resume" and "still_paused" in event.data:
            # Each kiosk learns its own state at once: resumed, or still paused on its own.
            still = {int(n) for n in event.data["still_paused"]}
            resumed, held = _control(what, "sitting", False), _control(what, "sitting", True)
            for attempt_id, queues in self._by_attempt.items():
                message = held if attempt_id in still else resumed
                for queue in queues:
                    _offer(queue, message)
        elif event.kind == "sitting" and what in SITTING_CONTROL:
            message = _control(what, "sitting", True if what == "pause" else None)
            for queues in self._by_attempt.values():
                for queue in queues:
                    _offer(queue, message)
        elif event.kind == "resync":
            for queues in self._by_attempt.values():
                for queue in queues:
                    _offer(queue, _control("resync", "sitting"))
        elif event.kind == "attempt" and what not in NOT_CONTROL and event.attempt_id is not None:
            for queue in self._by_attempt.get(int(event.attempt_id), ()):
                _offer(queue, _control(what, "attempt"))
        elif event.kind == "attempts" and "what" in event.data and what not in NOT_CONTROL:
            message = _control(what, "attempt")  # a batch (the deadline herd's closes)
            for attempt_id in event.data.get("ids", ()):
                for queue in self._by_attempt.get(int(attempt_id), ()):
                    _offer(queue, message)


def _control(what: str, scope: str, paused: bool | None = None) -> str:
    body: dict[str, object] = {"what": what, "scope": scope}
    if paused is not None:
        body["paused"] = paused
    return json.dumps(body, separators=(",", ":"))


def _offer(queue: asyncio.Queue[str | None], message: str | None) -> None:
    if queue.full():  # a stalled kiosk: one "resync" tells it to ask for everything
        while not queue.empty():
            queue.get_nowait()
        message = _control("resync", "attempt") if message is not None else None
    queue.put_nowait(message)


class KioskPush:
    """This process's room controls, one per sitting with a kiosk listening here."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._rooms: dict[int, RoomControl] = {}

    def room(self, sitting_id: int) -> RoomControl:
        room = self._rooms.get(sitting_id)
        if room is None:
            room = RoomControl(sitting_id, self._hub)
            self._rooms[sitting_id] = room
        return room

    @property
    def kiosks(self) -> int:
        return sum(room.kiosks for room in self._rooms.values())


def push_of(app: FastAPI) -> KioskPush:
    push: KioskPush | None = getattr(app.state, "kiosk_push", None)
    if push is None:
        push = KioskPush(app.state.events)
        app.state.kiosk_push = push
    return push


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def control_stream(
    room: RoomControl, attempt_id: int, *, max_seconds: float = STREAM_MAX_SECONDS
) -> AsyncIterator[bytes]:
    queue = room.add(attempt_id)  # before ready(): the room keeps listening while anyone is here
    try:
        await room.ready()
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield f'event: hello\ndata: {{"server_time":"{_now()}"}}\n\n'.encode()
        ends = time.monotonic() + max_seconds
        while (left := ends - time.monotonic()) > 0:
            try:
                async with asyncio.timeout(min(KEEPALIVE_SECONDS, left)):
                    message = await queue.get()
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if message is None:
                return
            body = message[:-1] + f',"server_time":"{_now()}"}}'
            yield f"event: control\ndata: {body}\n\n".encode()
    finally:
        with contextlib.suppress(Exception):
            room.remove(attempt_id, queue)


@router.get(
    "/events",
    dependencies=[BrowserChecked],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "control events"},
        401: {"description": "bad or revoked kiosk token"},
        403: {"description": "`browser_not_allowed`: the sitting requires a lockdown browser"},
        406: {"description": "the request's Accept header does not name text/event-stream"},
    },
)
async def events(request: Request) -> StreamingResponse:
    """Added to protocol v1 (issue 13): what the proctor just did to this attempt or its room,
    as server-sent events (see the module's docstring); the heartbeat stays the fallback.
    The request must send `Accept: text/event-stream` (as EventSource does): a client that
    did not ask for a never-ending stream does not get one."""
    token = bearer_hash(request)
    if "text/event-stream" not in request.headers.get("accept", ""):
        raise NotAStreamClient()
    async with request.app.state.raw_connections() as connection:
        row = await connection.fetchrow(_ATTEMPT, token)
    if row is None:
        raise KioskUnauthorized()
    room = push_of(request.app).room(int(row["sitting_id"]))
    # No database connection is held while the stream is open: it reads only the hub.
    return StreamingResponse(
        control_stream(room, int(row["id"])),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
