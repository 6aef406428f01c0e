"""Kiosk protocol v1's calls answered before the framework.

An exam room sends almost nothing else: the start herd's login, attempt, start and first
section of every kiosk at once, then answer saves and heartbeats, section submits. FastAPI's
layers around a route (its middleware chain, routing, dependency solving, the body model) cost
a worker more CPU per call than the call's statements (issue 16, bench/README.md), so the app
answers these calls here, with the same rules and the same bodies as the routes in
``router.py`` (which document them in the OpenAPI schema, and still answer whatever this layer
does not take):

- the route's method and path, the Bearer token where the route needs one, and a body that is
  plainly valid as it stands (the answer's ``option_id`` an integer or null, ``doubtful`` a
  boolean if given, ``seq`` 1…2^62; the login's strings within their lengths).

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from cact.delivery import calls, service
from cact.delivery.deps import gate_of_state
from cact.delivery.presenters import json_bytes
from cact.delivery.router import login_view
from cact.kit.limits import KIOSK_BODY_BYTES
from cact.kit.metrics import REQUEST_SECONDS
from cact.kit.security_headers import HEADERS
from cact.lockdown.service import request_facts

API = "/api/kiosk/v1"
SEQ_MAX = 2**62
BIGINT_MAX = 2**63 - 1
_JSON_HEADERS = [
    (b"content-type", b"application/json"),
    *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
]


@dataclass(frozen=True)
class Call:
    """One kiosk call as this layer sees it."""

    scope: Scope
    token_hash: str  # "" for the login
    number: int  # the path's item or section id (0 where the path has none)
    body: dict[str, Any]
    now: datetime

    @property
    def ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None


Handler = Callable[[FastAPI, Call], Awaitable[dict[str, Any]]]
BodyCheck = Callable[[bytes], dict[str, Any] | None]


def _stores(app: FastAPI) -> calls.Stores:
    state = app.state
    return calls.Stores(state.raw_connections, state.sessionmaker, state.touches, state.logins)


async def _answer(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.save(
        _stores(app),
        call.token_hash,
        call.number,
        option_id=call.body["option_id"],
        doubtful=call.body.get("doubtful", False),
        seq=call.body["seq"],
        now=call.now,
        grace=timedelta(seconds=app.state.settings.save_grace_seconds),
        ip=call.ip,
    )


async def _heartbeat(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.heartbeat(_stores(app), call.token_hash, call.now, call.ip)


async def _attempt(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.attempt(_stores(app), call.token_hash, call.now)


async def _start(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.start(_stores(app), call.token_hash, call.now)


async def _section(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.section(_stores(app), call.token_hash, call.number, call.now)


async def _submit(app: FastAPI, call: Call) -> dict[str, Any]:
    return await calls.submit_section(_stores(app), call.token_hash, call.number, call.now)


async def _login(app: FastAPI, call: Call) -> dict[str, Any]:
    gate = gate_of_state(app.state)
    done = await calls.login(
        _stores(app),
        app.state.kiosk_limiter,
        participant_no=call.body["participant_no"],
        token=call.body["token"],
        secret=call.body.get("secret"),
        ip=call.ip,
        now=call.now,
        gate=gate,
        facts=request_facts(Request(call.scope), gate.base_url),
    )
    return login_view(done, call.now).model_dump(mode="json")


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as the app's route is written: the metrics label
    handler: Handler
    body: BodyCheck | None = None  # None: the route reads no body
    bearer: bool = True

    def match(self, scope: Scope) -> int | None:
        """The path's number (0 without one) when the request is this route, else None."""
        if scope["method"] != self.method:
            return None
        path: str = scope["path"]
        head, brace, tail = self.template.partition("{")
        if not brace:
            return 0 if path == self.template else None
        tail = tail.partition("}")[2]
        if not (path.startswith(head) and path.endswith(tail)):
            return None
        number = path[len(head) : len(path) - len(tail)]
        if number.isascii() and number.isdigit() and 0 < len(number) <= 18:
            return int(number)
        return None


def plain_answer(body: bytes) -> dict[str, Any] | None:
    """The save's body when it is valid as it stands (no coercion), else None: the route's
    model decides, and words its 422."""
    data = _object(body)
    if data is None:
        return None
    option, seq, doubtful = data.get("option_id", ...), data.get("seq"), data.get("doubtful")
    if option is not None and not (_whole(option) and abs(option) <= BIGINT_MAX):
        return None
    if not (isinstance(seq, int) and _whole(seq) and 1 <= seq <= SEQ_MAX):
        return None
    if doubtful is not None and not isinstance(doubtful, bool):
        return None
    return data


def plain_login(body: bytes) -> dict[str, Any] | None:
    """The login's body when it is valid as it stands (KioskLoginRequest's rules), else None."""
    data = _object(body)
    if data is None:
        return None
    number, token, secret = data.get("participant_no"), data.get("token"), data.get("secret")
    if not (isinstance(number, str) and 1 <= len(number) <= 32):
        return None
    if not (isinstance(token, str) and 1 <= len(token) <= 16):
        return None
    if secret is not None and not (isinstance(secret, str) and len(secret) <= 64):
        return None
    return data


def _object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _whole(value: Any) -> bool:
    return type(value) is int  # not bool, not float: those the model coerces or refuses


ROUTES = (
    Route("PUT", f"{API}/answers/{{item_id}}", _answer, plain_answer),
    Route("POST", f"{API}/heartbeat", _heartbeat),
    Route("GET", f"{API}/attempt", _attempt),
    Route("POST", f"{API}/attempt/start", _start),
    Route("GET", f"{API}/sections/{{section_id}}", _section),
    Route("POST", f"{API}/sections/{{section_id}}/submit", _submit),
    Route("POST", f"{API}/login", _login, plain_login, bearer=False),
)


def route(scope: Scope) -> tuple[Route, int] | None:
    """The hot route this request is, and its path's number (by method and path only)."""
    if not scope["path"].startswith(API):
        return None
    for candidate in ROUTES:
        number = candidate.match(scope)
        if number is not None:
            return candidate, number
    return None


def json_content(scope: Scope) -> bool:
    """Whether the request says its body is JSON (application/json or application/…+json), as
    the route requires before it reads one (FastAPI's strict content type)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind: str = value.decode("latin-1").partition(";")[0].strip().lower()
            main, _, sub = kind.partition("/")
            return main == "application" and (sub == "json" or sub.endswith("+json"))
    return False


def bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


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
        found = route(scope)
        if found is None:
            return receive
        hot, number = found
        token = bearer(scope) if hot.bearer else ""
        if token is None:
            return receive
        body, over = await read_body(receive)
        data: dict[str, Any] | None = {}
        if over:
            data = None
        elif hot.body is not None:
            data = hot.body(body) if json_content(scope) else None
        if data is None:
            return replay(body, over, receive)
        started = time.perf_counter()
        token_hash = service.session_hash(token) if token else ""
        call = Call(scope, token_hash, number, data, service.utcnow())
        status = await self._answer(hot, call, send)
        REQUEST_SECONDS.labels(hot.method, hot.template, str(status)).observe(
            time.perf_counter() - started
        )
        return None

    async def _answer(self, hot: Route, call: Call, send: Send) -> int:
        app = self.app
        try:
            if hot.bearer:
                await self._browser_checked(call)
            view = await hot.handler(app, call)
        except Exception as error:  # answered by the app's own handlers
            return await self._error(call.scope, error, send)
        content = json_bytes(view)
        headers = [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())]
        if call.scope.get("scheme") == "https" and app.state.settings.hsts_seconds:
            hsts = f"max-age={app.state.settings.hsts_seconds}".encode()
            headers.append((b"strict-transport-security", hsts))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        return 200

    async def _browser_checked(self, call: Call) -> None:
        """As the routes' BrowserChecked dependency (deps.browser_checked)."""
        gate = gate_of_state(self.app.state)
        if await gate.policies():
            facts = request_facts(Request(call.scope), gate.base_url)
            await gate.check_call(call.token_hash, facts, call.ip, call.now)

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
