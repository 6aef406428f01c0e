"""The kiosk's two frequent calls, answer save and heartbeat, answered before the framework.

Two thousand kiosks send little else, and FastAPI's layers around a route (its middleware
chain, routing, dependency solving, the body model) cost a worker more CPU per call than the
call's one statement (issue 16, bench/README.md). So the app answers exactly these two routes
here, with the same rules and the same bodies as the routes in ``router.py`` (which document
them, and still answer whatever this layer does not take):

- ``PUT /api/kiosk/v1/answers/{item_id}`` with a Bearer token and a JSON body that is plainly
  valid (``option_id`` an integer or null, ``doubtful`` a boolean if given, ``seq`` 1…2^62);
- ``POST /api/kiosk/v1/heartbeat`` with a Bearer token.

Anything else — no token, a body the route's model would have to coerce or refuse, a body over
the kiosk limit — goes on, body and all, to the app, which answers as it always has (401, 422,
413 …). Errors raised here are answered by the app's own exception handlers, so a refusal, a
database outage (503 with Retry-After) or a standby's refusal read the same on either path. The
browser-policy check, the security headers and the request metrics are applied as the app
applies them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from cact.delivery import calls, service
from cact.delivery.deps import gate_of_state
from cact.kit.limits import KIOSK_BODY_BYTES
from cact.kit.metrics import REQUEST_SECONDS
from cact.kit.security_headers import HEADERS
from cact.lockdown.service import request_facts

ANSWERS = "/api/kiosk/v1/answers/"
HEARTBEAT = "/api/kiosk/v1/heartbeat"
ANSWER_ROUTE = ANSWERS + "{item_id}"  # the metrics label: the route template, as the app's
SEQ_MAX = 2**62
BIGINT_MAX = 2**63 - 1
_JSON_HEADERS = [
    (b"content-type", b"application/json"),
    *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
]

Handler = Callable[[FastAPI, Scope, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def answer(
    app: FastAPI, scope: Scope, token_hash: str, body: dict[str, Any]
) -> dict[str, Any]:
    state = app.state
    return await calls.save(
        calls.Stores(state.raw_connections, state.sessionmaker, state.touches),
        token_hash,
        int(scope["path"][len(ANSWERS) :]),
        option_id=body["option_id"],
        doubtful=body.get("doubtful", False),
        seq=body["seq"],
        now=service.utcnow(),
        grace=timedelta(seconds=state.settings.save_grace_seconds),
        ip=_ip(scope),
    )


async def heartbeat(
    app: FastAPI, scope: Scope, token_hash: str, body: dict[str, Any]
) -> dict[str, Any]:
    state = app.state
    stores = calls.Stores(state.raw_connections, state.sessionmaker, state.touches)
    return await calls.heartbeat(stores, token_hash, service.utcnow(), _ip(scope))


def _ip(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def route(scope: Scope) -> tuple[str, Handler] | None:
    """The hot route this request is, if it is one (by method and path only)."""
    path, method = scope["path"], scope["method"]
    if method == "PUT" and path.startswith(ANSWERS):
        number = path[len(ANSWERS) :]
        if number.isascii() and number.isdigit() and 0 < len(number) <= 18:
            return ANSWER_ROUTE, answer
    elif method == "POST" and path == HEARTBEAT:
        return HEARTBEAT, heartbeat
    return None


def bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def plain_answer(body: bytes) -> dict[str, Any] | None:
    """The save's body when it is valid as it stands (no coercion), else None: the route's
    model decides, and words its 422."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    option, seq, doubtful = data.get("option_id", ...), data.get("seq"), data.get("doubtful")
    if option is not None and not (_whole(option) and abs(option) <= BIGINT_MAX):
        return None
    if not (isinstance(seq, int) and _whole(seq) and 1 <= seq <= SEQ_MAX):
        return None
    if doubtful is not None and not isinstance(doubtful, bool):
        return None
    return data


def _whole(value: Any) -> bool:
    return type(value) is int  # not bool, not float: those the model coerces or refuses


async def read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body up to the kiosk's limit; True when it went over (not all read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > KIOSK_BODY_BYTES:
            return b"".join(chunks), message.get("more_body", False)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A receive that gives the app the body already read, then the rest."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return again


class KioskHotPath:
    """Called by the app first for every HTTP request (``CactApp.__call__``)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None when answered here; else the receive to hand the app (the body replayed)."""
        hot = route(scope)
        if hot is None:
            return receive
        token = bearer(scope)
        if token is None:
            return receive
        body, more = await read_body(receive)
        data: dict[str, Any] | None = {}
        if hot[1] is answer:
            data = None if more else plain_answer(body)
        if data is None:
            return replay(body, more, receive)
        started = time.perf_counter()
        status = await self._answer(scope, hot[1], token, data, send)
        REQUEST_SECONDS.labels(scope["method"], hot[0], str(status)).observe(
            time.perf_counter() - started
        )
        return None

    async def _answer(
        self, scope: Scope, handler: Handler, token: str, data: dict[str, Any], send: Send
    ) -> int:
        app = self.app
        token_hash = service.session_hash(token)
        try:
            gate = gate_of_state(app.state)
            if await gate.policies():
                request = Request(scope)
                facts = request_facts(request, gate.base_url)
                await gate.check_call(token_hash, facts, _ip(scope), service.utcnow())
            view = await handler(app, scope, token_hash, data)
        except Exception as error:  # answered by the app's own handlers
            return await self._error(scope, error, send)
        content = json.dumps(view, separators=(",", ":")).encode()
        headers = [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())]
        if scope.get("scheme") == "https" and app.state.settings.hsts_seconds:
            hsts = f"max-age={app.state.settings.hsts_seconds}".encode()
            headers.append((b"strict-transport-security", hsts))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        return 200

    async def _error(self, scope: Scope, error: Exception, send: Send) -> int:
        """The response the app's exception handler for this error gives (its 500 otherwise)."""
        handlers = self.app.exception_handlers
        handler = next(
            (handlers[kind] for kind in type(error).__mro__ if kind in handlers),
            handlers[Exception],
        )
        scope = {**scope, "app": self.app}
        response = handler(Request(scope), error)
        if not isinstance(response, Response):
            response = await response
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        await response(scope, _no_body, send)
        return int(response.status_code)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
