"""The staff pages' toolkit: one way to render a page, bind a form to a schema, run a change in a
savepoint that a refusal leaves without trace, and say an error in the page's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.errors import CactError
from cact.kit.i18n import catalogue, request_language, translate
from cact.kit.templates import render
from cact.kit.timezones import Zone, default_zone, from_wall, local

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


def when(moment: datetime | None, zone: str | None = None) -> str:
    """Local time with its label, "2026-12-02 11:36 WITA": in the room's zone when the page
    belongs to a room, else in the configured default zone."""
    return Zone(zone or default_zone()).when(moment)


def local_input(moment: datetime | None, zone: str | None = None) -> str:
    """A value for ``<input type="datetime-local">`` on the zone's wall clock."""
    return local(moment, zone or default_zone()).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(text: str, zone: str | None = None) -> datetime | None:
    """``2026-11-23T08:00`` or ``2026-11-23 08:00`` read on the zone's wall clock (the room's,
    else the default zone); None when unreadable."""
    cleaned = " ".join(text.strip().replace("T", " ").split())
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return from_wall(datetime.strptime(cleaned, layout), zone or default_zone())
        except ValueError:
            continue
    return None


def clock(zone: str | None = None) -> dict[str, Any]:
    """What a template needs to show and read times in one zone: ``when``, ``local_input``
    and ``time_zone`` (its name, label and "WITA (Asia/Makassar)" for the inputs' hints)."""
    shown = Zone(zone or default_zone())
    return {
        "when": lambda moment, other=None: when(moment, other or shown.name),
        "local_input": lambda moment, other=None: local_input(moment, other or shown.name),
        "time_zone": shown,
    }


def say(error: CactError, lang: str) -> str:
    """Messages read "Indonesian. / English."; a page shows its own language's half. A detail
    written in both languages replaces the message; any other text detail follows it."""
    detail = error.detail if isinstance(error.detail, str) else None
    if detail is not None and " / " in detail:
        return _half(detail, lang)
    text = _half(error.message, lang)
    return f"{text} ({detail})" if detail and detail != error.message else text


def _half(text: str, lang: str) -> str:
    halves = text.split(" / ", 1)
    return halves[1] if lang == "en" and len(halves) == 2 else halves[0]


def invalid(request: Request, error: ValidationError, prefix: str) -> str:
    """The first invalid field of a form, named as the form names it."""
    lang = request_language(request)
    first = error.errors()[0]
    name = str(first["loc"][0]) if first.get("loc") else ""
    label = translate(lang, f"{prefix}.{name}") if name else ""
    detail = _half(str(first.get("msg", "")), lang)  # "Indonesian. / English." messages
    return translate(lang, "admin.invalid_field", field=label, detail=detail)


def bind(request: Request, schema: type[S], data: dict[str, Any], prefix: str) -> S | str:
    """A form's fields as the schema, or the sentence that names the first invalid one."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        return invalid(request, exc, prefix)


async def attempt(db: AsyncSession, change: Callable[[], Awaitable[Any]]) -> CactError | None:
    """Run ``change`` in a savepoint: refused, it leaves no trace and the page can still render
    with the request's session (which then commits nothing of it). Returns the refusal."""
    outcome = await attempt_value(db, change)
    return outcome if isinstance(outcome, CactError) else None


async def attempt_value(db: AsyncSession, change: Callable[[], Awaitable[T]]) -> T | CactError:
    """``attempt`` for a change whose result the page shows: the result, or the refusal."""
    savepoint = await db.begin_nested()
    try:
        done = await change()
    except CactError as exc:
        await savepoint.rollback()
        return exc
    await savepoint.commit()
    return done


async def rehearse(db: AsyncSession, change: Callable[[], Awaitable[T]], *, keep: bool) -> T:
    """Run ``change`` in a savepoint and keep it only when asked: a check-only run leaves no
    trace, and the signed-in user's rows stay loaded for the page that follows."""
    savepoint = await db.begin_nested()
    try:
        done = await change()
    except Exception:
        await savepoint.rollback()
        raise
    if keep:
        await savepoint.commit()
    else:
        await savepoint.rollback()
    return done


def flash_text(request: Request) -> str | None:
    """``?done=<key>`` after a redirect: a known message, never text from the address bar."""
    key = request.query_params.get("done", "")
    full = f"admin.done.{key}"
    return translate(request_language(request), full) if full in catalogue("id") else None


def admin_page(
    request: Request,
    template: str,
    section: str,
    *,
    status_code: int = 200,
    zone: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """``zone``: the room's time zone when the page belongs to one (else the default zone)."""
    page = {
        "section": section,
        "flash": flash_text(request),
        "error": None,
        **clock(zone),
        **context,
    }
    return render(request, f"admin/{template}", page, status_code=status_code)


def error_page(request: Request, error: CactError) -> HTMLResponse:
    """A whole page for a refused request (unknown id …), rendered by the page while its
    session still holds the signed-in user: the central handler runs after the rollback, when
    those rows can no longer be read."""
    context = {"status": error.status, "detail": say(error, request_language(request))}
    return render(request, "staff/error.html", context, status_code=error.status)


def checked(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    known = set(allowed)
    return [v for v in values if v in known]


def lang_switch_href(request: Request) -> str:
    """The language toggle that keeps the page's other parameters (filters, seed)."""
    other = "en" if request_language(request) == "id" else "id"
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return "?" + urlencode({**params, "lang": other})
