"""Status-coded domain errors and the one handler that renders every error the same way.

Every error leaves the server as ``{"error": "<code>", "detail": ...}``: ``error`` is a stable
machine code, ``detail`` a sentence for a person (or, for 422, the list of invalid fields).
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from cact.kit.templates import render

logger = logging.getLogger("cact.errors")


class CactError(Exception):
    """A business error with its HTTP status; raised by services, rendered by one handler."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "The request cannot be carried out."

    def __init__(self, detail: Any = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = self.message if detail is None else detail
        self.headers = headers
        super().__init__(str(self.detail))


def naming(error: type[CactError], what: str) -> str:
    """The error's sentence in both languages, naming what it is about."""
    indonesian, english = error.message.split(" / ", 1)
    return f"{indonesian.rstrip('.')}: {what}. / {english.rstrip('.')}: {what}."


class NotFound(CactError):
    status = 404
    code = "not_found"
    message = "Not found."


class Conflict(CactError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class Unauthorized(CactError):
    status = 401
    code = "not_authenticated"
    message = "Log in first."


class Forbidden(CactError):
    status = 403
    code = "forbidden"
    message = "You may not do this."


class InvalidInput(CactError):
    status = 422
    code = "invalid"
    message = "The request is not valid."


class TooManyRequests(CactError):
    status = 429
    code = "too_many_requests"
    message = "Too many tries; wait and try again."


RETRY_AFTER_SECONDS = 2  # the mean: each answer asks for 1–3 s (retry_after_seconds)


def retry_after_seconds(mean: float = RETRY_AFTER_SECONDS) -> int:
    """Whole seconds around ``mean`` (half to one and a half times it, at least 1), drawn
    afresh for every 503: a room's kiosks, refused in the same second, come back spread out
    instead of in step."""
    return max(1, round(mean * (0.5 + random.random())))


class DatabaseUnavailable(CactError):
    """No database connection within the pool's time-out, or the database is restarting. The
    kiosk's outbox keeps the answer and retries; an overloaded server answers this quickly
    instead of letting requests pile up."""

    status = 503
    code = "database_unavailable"
    message = (
        "Server sedang sibuk; jawaban Anda tetap tersimpan di perangkat dan dikirim ulang. / "
        "The server is busy; your answer is kept on the device and sent again."
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds())})


class StandbyReadOnly(CactError):
    """A write reached a standby room server (it follows the primary and is read-only until
    `cact ha promote`). The kiosk keeps the answer and retries, as for any 503."""

    status = 503
    code = "standby_read_only"
    message = (
        "Server ini adalah server cadangan (hanya-baca) sampai dipromosikan; jawaban Anda tetap "
        "tersimpan di perangkat dan dikirim ulang. / This is the standby server (read-only) "
        "until it is promoted; your answer is kept on the device and sent again."
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds())})


def read_only_standby(exc: BaseException) -> bool:
    """PostgreSQL refused a write because it is a hot standby (SQLSTATE 25006)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig.__cause__ or exc.orig
    return isinstance(exc, asyncpg.ReadOnlySQLTransactionError) or (
        getattr(exc, "sqlstate", None) == "25006"
    )


def error_body(code: str, detail: Any) -> dict[str, Any]:
    # server_time: kiosks correct their clocks from every answer, errors included (SPEC §3.2).
    return {"error": code, "detail": detail, "server_time": datetime.now(UTC).isoformat()}


def error_response(exc: CactError) -> JSONResponse:
    """For an endpoint that must commit what it recorded and still answer with an error."""
    return JSONResponse(error_body(exc.code, exc.detail), exc.status, headers=exc.headers)


def wants_html(request: Request) -> bool:
    """A person's browser on a page (not the API, not a script)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _html_error(request: Request, status: int, detail: Any) -> Response:
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request, "staff/error.html", {"status": status, "detail": detail}, status_code=status
    )


async def _cact_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CactError)
    if isinstance(exc, DatabaseUnavailable):
        return await _unavailable(request, exc)
    if wants_html(request):
        return _html_error(request, exc.status, exc.detail)
    return JSONResponse(error_body(exc.code, exc.detail), exc.status, headers=exc.headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(error_body("invalid", _field_errors(exc)), 422)


_HTTP_CODES = {
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    if wants_html(request):
        return _html_error(request, exc.status_code, exc.detail)
    return JSONResponse(error_body(code, exc.detail), exc.status_code, headers=exc.headers)


def _refused_value(exc: DBAPIError) -> bool:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return isinstance(exc, DataError) or isinstance(cause, asyncpg.exceptions.DataError)


# What a database that is down, restarting or unreachable raises, below SQLAlchemy or through
# it: asyncpg's ConnectionRefusedError is an OSError, not a DBAPIError.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OSError,  # ConnectionRefusedError, FileNotFoundError on the socket, TimeoutError
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def _connection_lost(exc: DBAPIError) -> bool:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return (
        exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
        or isinstance(cause, DATABASE_DOWN)
    )


def database_down(exc: BaseException) -> bool:
    """True for what an outage raises (for background loops that log it in one line)."""
    if read_only_standby(exc):
        return True
    if isinstance(exc, DBAPIError):
        return _connection_lost(exc)
    return isinstance(exc, (PoolTimeout, DatabaseUnavailable, *DATABASE_DOWN))


async def _unavailable(request: Request, exc: Exception) -> Response:
    # One line, no traceback: an outage is expected and the supervisor reports it itself.
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    unavailable = DatabaseUnavailable()
    if wants_html(request):
        return _unavailable_page(request, unavailable.headers or {})
    return JSONResponse(
        error_body(unavailable.code, unavailable.detail), 503, headers=unavailable.headers
    )


def _unavailable_page(request: Request, headers: dict[str, str]) -> Response:
    context = {"staff": None, "retry_after": RETRY_AFTER_SECONDS * 3}
    response = render(request, "staff/unavailable.html", context, status_code=503)
    response.headers.update(headers)
    return response


async def _database_down(request: Request, exc: Exception) -> Response:
    """An OSError or an asyncpg connection error that reached the app: the database is down."""
    return await _unavailable(request, exc)


async def _data_error(request: Request, exc: Exception) -> Response:
    """PostgreSQL refused a value (a number out of range, a NUL character): the request's input
    was invalid, and the request's transaction is rolled back. A lost connection is a 503."""
    if isinstance(exc, asyncpg.DataError):  # the kiosk's hot path speaks asyncpg directly
        return _invalid_value(request)
    assert isinstance(exc, DBAPIError)
    if read_only_standby(exc):
        return await _standby(request, exc)
    if _connection_lost(exc):
        return await _unavailable(request, exc)
    if not _refused_value(exc):
        return await _unexpected(request, exc)
    return _invalid_value(request)


def _invalid_value(request: Request) -> Response:
    logger.info("invalid value refused by the database on %s", request.url.path)
    if wants_html(request):
        return _html_error(request, 422, "Nilai tidak valid. / A value is not valid.")
    return JSONResponse(
        error_body(
            "invalid",
            "Nilai tidak valid atau di luar jangkauan. / A value is not valid or out of range.",
        ),
        422,
    )


async def _standby(request: Request, exc: Exception) -> Response:
    logger.warning("write refused on the standby: %s %s", request.method, request.url.path)
    refused = StandbyReadOnly()
    if wants_html(request):
        page = _html_error(request, refused.status, refused.detail)
        page.headers.update(refused.headers or {})
        return page
    return JSONResponse(error_body(refused.code, refused.detail), 503, headers=refused.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", "Something went wrong on the server; it has been logged."),
        500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CactError, _cact_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _data_error)
    app.add_exception_handler(asyncpg.DataError, _data_error)
    app.add_exception_handler(asyncpg.ReadOnlySQLTransactionError, _standby)
    app.add_exception_handler(PoolTimeout, _unavailable)
    for down in DATABASE_DOWN:
        app.add_exception_handler(down, _database_down)
    app.add_exception_handler(Exception, _unexpected)
