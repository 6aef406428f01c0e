"""Admin pages for sittings (server-rendered): list, create one or several waves, and one
sitting with its settings, proctors, roster (import, seats by hand or in seat order) and the
button that opens it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.blueprints import service as blueprints
from cact.exam import service as exam
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, attempt, bind, error_page, parse_local, say
from cact.kit.timezones import label as zone_label
from cact.lockdown import service as browsers
from cact.participants.roster_file import COLUMNS
from cact.rooms import service as rooms
from cact.rooms.schemas import MAX_ID, PathId
from cact.sittings import seating
from cact.sittings import service as admin
from cact.sittings.schemas import MAX_WAVES, SittingCreate, SittingUpdate, WavesCreate

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=400)]
Many = Annotated[list[str] | None, Form()]
FIELDS = "admin.sittings.field"


async def _choices(db: AsyncSession) -> dict[str, Any]:
    """What the forms offer: rooms, blueprints, scoring policies, proctor accounts."""
    return {
        "rooms": [
            {"id": r.id, "label": f"{r.code} — {r.name} ({n}) · {zone_label(r.time_zone)}"}
            for r, n in await rooms.list_rooms(db)
        ],
        "blueprints": [
            {"id": b.id, "label": f"{b.code} — {b.title}"} for b in await blueprints.listing(db)
        ],
        "policies": [
            {"id": p.id, "label": f"{p.code} v{p.version}"} for p in await admin.policy_choices(db)
        ],
        "proctors": [
            {"id": u.id, "label": f"{u.full_name} ({u.username})"}
            for u in await admin.proctor_choices(db)
        ],
    }


def _number(value: str) -> int | None:
    """A chosen id; anything else (or out of range) is no choice."""
    number = int(value) if value.strip().isdigit() else None
    return number if number is not None and number <= MAX_ID else None


def _ids(values: list[str] | None) -> list[int]:
    return [n for n in (_number(v) for v in values or []) if n is not None]


# --- list, create, waves ------------------------------------------------------------------


async def _list_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    page = {
        "sittings": await admin.summaries(db),
        "draft": {},
        "waves_draft": {},
        "max_waves": MAX_WAVES,
        **(await _choices(db)),
        **context,
    }
    return admin_page(request, "sittings.html", "sittings", status_code=status_code, **page)


@router.get("/admin/sittings")
async def sittings_list(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _list_page(request, db)


def _common(
    room_id: str, blueprint_id: str, policy_id: str, end_screen: str, proctors: list[str] | None
) -> dict[str, Any]:
    return {
        "room_id": _number(room_id),
        "blueprint_id": _number(blueprint_id),
        "scoring_policy_id": _number(policy_id),
        "end_screen": end_screen or "completion",
        "proctor_ids": _ids(proctors),
    }


@router.post("/admin/sittings")
async def sitting_create(
    user: AdminUser,
    request: Request,
    db: DbSession,
    code: Text = "",
    title: Text = "",
    room_id: Text = "",
    blueprint_id: Text = "",
    starts_at: Text = "",
    scoring_policy_id: Text = "",
    end_screen: Text = "completion",
    proctor_ids: Many = None,
) -> Response:
    draft = {
        "code": code,
        "title": title,
        "room_id": _number(room_id),
        "blueprint_id": _number(blueprint_id),
        "starts_at": starts_at,
        "scoring_policy_id": _number(scoring_policy_id),
        "end_screen": end_screen,
        "proctor_ids": _ids(proctor_ids),
    }
    data = bind(
        request,
        SittingCreate,
        {
            "code": code,
            "title": title,
            "starts_at": parse_local(starts_at, await rooms.time_zone_of(db, _number(room_id))),
            **_common(room_id, blueprint_id, scoring_policy_id, end_screen, proctor_ids),
        },
        FIELDS,
    )
    if isinstance(data, str):
        return await _list_page(request, db, status_code=422, error=data, draft=draft)
    created: list[int] = []

    async def create() -> None:
        sitting = await admin.create(db, data, Actor.staff(user, client_ip(request)))
        created.append(sitting.id)

    refused = await attempt(db, create)
    if refused is not None:
        message = say(refused, request_language(request))
        return await _list_page(request, db, status_code=refused.status, error=message, draft=draft)
    return RedirectResponse(f"/admin/sittings/{created[0]}?done=sitting_created", 303)


@router.post("/admin/sittings/waves")
async def waves_create(
    user: AdminUser,
    request: Request,
    db: DbSession,
    code: Text = "",
    title: Text = "",
    room_id: Text = "",
    blueprint_id: Text = "",
    starts: Annotated[str, Form(max_length=4000)] = "",
    scoring_policy_id: Text = "",
    end_screen: Text = "completion",
    proctor_ids: Many = None,
) -> Response:
    lang = request_language(request)
    draft = {
        "code": code,
        "title": title,
        "room_id": _number(room_id),
        "blueprint_id": _number(blueprint_id),
        "starts": starts,
        "scoring_policy_id": _number(scoring_policy_id),
        "end_screen": end_screen,
        "proctor_ids": _ids(proctor_ids),
    }
    lines = [line for line in starts.splitlines() if line.strip()]
    zone = await rooms.time_zone_of(db, _number(room_id))
    times = [parse_local(line, zone) for line in lines]
    unreadable = [line.strip() for line, moment in zip(lines, times, strict=True) if not moment]
    if unreadable:
        error = translate(lang, "admin.waves.bad_start", value=unreadable[0])
        return await _list_page(request, db, status_code=422, error=error, waves_draft=draft)
    data = bind(
        request,
        WavesCreate,
        {
            "code": code,
            "title": title,
            "starts": times,
            **_common(room_id, blueprint_id, scoring_policy_id, end_screen, proctor_ids),
        },
        FIELDS,
    )
    if isinstance(data, str):
        return await _list_page(request, db, status_code=422, error=data, waves_draft=draft)

    async def create() -> None:
        await admin.create_waves(db, data, Actor.staff(user, client_ip(request)))

    refused = await attempt(db, create)
    if refused is not None:
        return await _list_page(
            request, db, status_code=refused.status, error=say(refused, lang), waves_draft=draft
        )
    return RedirectResponse("/admin/sittings?done=waves_created", 303)


# --- one sitting --------------------------------------------------------------------------


async def _own_zone(db: AsyncSession, sitting_id: int) -> str:
    try:
        sitting = await exam.get_sitting(db, sitting_id)
    except CactError:
        return await rooms.time_zone_of(db, None)
    return await rooms.time_zone_of(db, sitting.room_id)


async def render_sitting(
    request: Request,
    db: AsyncSession,
    sitting_id: PathId,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    sitting = await admin.detail(db, sitting_id)
    room = await rooms.get_room(db, sitting.room_id)
    context.setdefault("zone", sitting.time_zone)
    page = {
        "sitting": sitting,
        "seats": [{"id": s.id, "label": s.label} for s in room.seats],
        "proctor_ids": [p.id for p in sitting.proctors],
        "columns": COLUMNS,
        "report": None,
        "browser": browsers.read(
            sitting_id,
            await browsers.get(db, sitting_id),
            request.app.state.settings.public_base_url,
        ),
        **(await _choices(db)),
        **context,
    }
    return admin_page(request, "sitting.html", "sittings", status_code=status_code, **page)


@router.get("/admin/sittings/{sitting_id}")
async def sitting_view(
    sitting_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        return await render_sitting(request, db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)


async def _act(
    request: Request,
    db: AsyncSession,
    sitting_id: PathId,
    change: Callable[[], Awaitable[Any]],
    done: str,
) -> Response:
    """Apply ``change`` in a savepoint and come back to the sitting, or show why not."""
    try:
        await admin.detail(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    refused = await attempt(db, change)
    if refused is not None:
        message = say(refused, request_language(request))
        return await render_sitting(
            request, db, sitting_id, status_code=refused.status, error=message
        )
    return RedirectResponse(f"/admin/sittings/{sitting_id}?done={done}", 303)


@router.post("/admin/sittings/{sitting_id}")
async def sitting_update(
    sitting_id: PathId,
    user: AdminUser,
    request: Request,
    db: DbSession,
    code: Text = "",
    title: Text = "",
    room_id: Text = "",
    blueprint_id: Text = "",
    starts_at: Text = "",
    scoring_policy_id: Text = "",
    end_screen: Text = "",
) -> Response:
    # The start is read in the zone of the room it will have (a new room's, else its own).
    if room_id:
        zone = await rooms.time_zone_of(db, _number(room_id))
    else:
        zone = await _own_zone(db, sitting_id)
    fields: dict[str, Any] = {
        "code": code,
        "title": title,
        "starts_at": parse_local(starts_at, zone),
        "scoring_policy_id": _number(scoring_policy_id),
        "end_screen": end_screen or None,
    }
    # Disabled selects (an opened sitting) are not sent: those fields stay as they are.
    if room_id:
        fields["room_id"] = _number(room_id)
    if blueprint_id:
        fields["blueprint_id"] = _number(blueprint_id)
    data = bind(request, SittingUpdate, fields, FIELDS)
    if isinstance(data, str):
        try:
            return await render_sitting(request, db, sitting_id, status_code=422, error=data)
        except CactError as missing:
            return error_page(request, missing)
    actor = Actor.staff(user, client_ip(request))
    return await _act(
        request,
        db,
        sitting_id,
        lambda: admin.update(db, sitting_id, data, actor),
        "sitting_saved",
    )


@router.post("/admin/sittings/{sitting_id}/proctors")
async def sitting_proctors(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession, proctor_ids: Many = None
) -> Response:
    actor = Actor.staff(user, client_ip(request))
    chosen = _ids(proctor_ids)
    return await _act(
        request,
        db,
        sitting_id,
        lambda: admin.set_proctors(db, sitting_id, chosen, actor),
        "proctors_saved",
    )


@router.post("/admin/sittings/{sitting_id}/seats/auto")
async def seats_auto(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession, only_missing: Text = ""
) -> Response:
    actor = Actor.staff(user, client_ip(request))
    missing = only_missing == "1"
    return await _act(
        request,
        db,
        sitting_id,
        lambda: seating.auto_seats(db, sitting_id, actor, only_missing=missing),
        "seats_saved",
    )


@router.post("/admin/sittings/{sitting_id}/seats")
async def seats_by_hand(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> Response:
    """One select per enrollment, named ``seat_<enrollment id>``; empty means no seat."""
    form = await request.form()
    wanted: dict[int, int | None] = {}
    for key, value in form.multi_items():
        if key.startswith("seat_") and key[5:].isdigit() and isinstance(value, str):
            wanted[int(key[5:])] = _number(value)
    actor = Actor.staff(user, client_ip(request))
    return await _act(
        request,
        db,
        sitting_id,
        lambda: seating.assign_seats(db, sitting_id, wanted, actor),
        "seats_saved",
    )


@router.post("/admin/sittings/{sitting_id}/enroll")
async def enroll_numbers(
    sitting_id: PathId,
    user: AdminUser,
    request: Request,
    db: DbSession,
    numbers: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    wanted = [n for n in numbers.replace(",", " ").split() if n]
    actor = Actor.staff(user, client_ip(request))
    if not wanted:
        error = translate(request_language(request), "admin.sitting.no_numbers")
        try:
            return await render_sitting(request, db, sitting_id, status_code=422, error=error)
        except CactError as exc:
            return error_page(request, exc)
    return await _act(
        request,
        db,
        sitting_id,
        lambda: seating.enroll(db, sitting_id, wanted, actor),
        "enrolled",
    )


@router.post("/admin/sittings/{sitting_id}/enrollments/{enrollment_id}/delete")
async def unenroll(
    sitting_id: PathId, enrollment_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(user, client_ip(request))
    return await _act(
        request,
        db,
        sitting_id,
        lambda: seating.unenroll(db, sitting_id, enrollment_id, actor),
        "unenrolled",
    )


@router.post("/admin/sittings/{sitting_id}/open")
async def sitting_open(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(user, client_ip(request))
    return await _act(
        request, db, sitting_id, lambda: admin.open_sitting(db, sitting_id, actor), "opened"
    )
