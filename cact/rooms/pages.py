"""Admin pages for rooms and seats (server-rendered): list, create with a grid, one room's seat
plan with relabelling, workstation IPs, added and deleted seats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pages import admin_page, attempt, bind, error_page, say
from cact.kit.timezones import DEFAULT_ZONE, SUGGESTED, label
from cact.rooms import bindings, service
from cact.rooms.schemas import PathId, Relabel, RoomCreate, RoomUpdate, SeatCreate, SeatUpdate

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=400)]


def _blank_none(value: str) -> str | None:
    return value.strip() or None


async def _rooms_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    rooms = [
        {"room": room, "seats": count, "zone": label(room.time_zone)}
        for room, count in await service.list_rooms(db)
    ]
    page = {"rooms": rooms, "draft": {}, "zones": SUGGESTED, **context}
    return admin_page(request, "rooms.html", "rooms", status_code=status_code, **page)


@router.get("/admin/rooms")
async def rooms_list(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _rooms_page(request, db)


@router.post("/admin/rooms")
async def room_create(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    code: Text = "",
    name: Text = "",
    location: Text = "",
    rows: Text = "",
    cols: Text = "",
    labels: Text = "letter_number",
    time_zone: Text = DEFAULT_ZONE,
) -> Response:
    draft = {
        "code": code,
        "name": name,
        "location": location,
        "rows": rows,
        "cols": cols,
        "time_zone": time_zone,
    }
    data = bind(
        request,
        RoomCreate,
        {
            "code": code,
            "name": name,
            "location": _blank_none(location),
            "rows": rows,
            "cols": cols,
            "labels": labels,
            "time_zone": time_zone,
        },
        "admin.rooms.field",
    )
    if isinstance(data, str):
        return await _rooms_page(request, db, status_code=422, error=data, draft=draft)
    created: list[int] = []

    async def create() -> None:
        room = await service.create_room(db, data, Actor.staff(admin, client_ip(request)))
        created.append(room.id)

    refused = await attempt(db, create)
    if refused is not None:
        message = say(refused, request_language(request))
        return await _rooms_page(
            request, db, status_code=refused.status, error=message, draft=draft
        )
    return RedirectResponse(f"/admin/rooms/{created[0]}?done=room_created", status_code=303)


async def _room_page(
    request: Request, db: AsyncSession, room_id: PathId, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    detail = await service.detail(db, await service.get_room(db, room_id))
    rows = max((s.grid_row for s in detail.seats), default=0)
    cols = max((s.grid_col for s in detail.seats), default=0)
    grid = {(s.grid_row, s.grid_col): s for s in detail.seats}
    page = {
        "room": detail,
        "grid": grid,
        "grid_rows": rows,
        "grid_cols": cols,
        "zones": SUGGESTED,
        **context,
    }
    return admin_page(
        request, "room.html", "rooms", status_code=status_code, zone=detail.time_zone, **page
    )


@router.get("/admin/rooms/{room_id}")
async def room_page(room_id: PathId, _: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    try:
        return await _room_page(request, db, room_id)
    except CactError as exc:
        return error_page(request, exc)


async def _change(
    request: Request,
    db: AsyncSession,
    room_id: PathId,
    model: type[BaseModel],
    fields: dict[str, Any],
    change: Callable[[Any], Awaitable[Any]],
    done: str,
) -> Response:
    """Validate the form, apply it in a savepoint, and come back to the room."""
    try:
        await service.get_room(db, room_id)
    except CactError as exc:
        return error_page(request, exc)
    data = bind(request, model, fields, "admin.rooms.field")
    if isinstance(data, str):
        return await _room_page(request, db, room_id, status_code=422, error=data)

    async def apply() -> None:
        await change(data)

    refused = await attempt(db, apply)
    if refused is not None:
        message = say(refused, request_language(request))
        return await _room_page(request, db, room_id, status_code=refused.status, error=message)
    return RedirectResponse(f"/admin/rooms/{room_id}?done={done}", status_code=303)


@router.post("/admin/rooms/{room_id}")
async def room_update(
    room_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    name: Text = "",
    location: Text = "",
    time_zone: Text = "",
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    fields = {"name": name, "location": _blank_none(location), "time_zone": time_zone or None}
    return await _change(
        request,
        db,
        room_id,
        RoomUpdate,
        fields,
        lambda data: service.update_room(db, room_id, data, actor),
        "room_saved",
    )


@router.post("/admin/rooms/{room_id}/relabel")
async def room_relabel(
    room_id: PathId, admin: AdminUser, request: Request, db: DbSession, labels: Text = ""
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    return await _change(
        request,
        db,
        room_id,
        Relabel,
        {"labels": labels},
        lambda data: service.relabel(db, room_id, data.labels, actor),
        "seats_relabelled",
    )


@router.post("/admin/rooms/{room_id}/delete")
async def room_delete(
    room_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    try:
        await service.get_room(db, room_id)
    except CactError as exc:
        return error_page(request, exc)
    refused = await attempt(db, lambda: service.delete_room(db, room_id, actor))
    if refused is not None:
        message = say(refused, request_language(request))
        return await _room_page(request, db, room_id, status_code=refused.status, error=message)
    return RedirectResponse("/admin/rooms?done=room_deleted", status_code=303)


@router.post("/admin/rooms/{room_id}/seats")
async def seat_add(
    room_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    label: Text = "",
    grid_row: Text = "",
    grid_col: Text = "",
    workstation_ip: Text = "",
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    fields = {
        "label": label,
        "grid_row": grid_row,
        "grid_col": grid_col,
        "workstation_ip": _blank_none(workstation_ip),
    }
    return await _change(
        request,
        db,
        room_id,
        SeatCreate,
        fields,
        lambda data: service.add_seat(db, room_id, data, actor),
        "seat_added",
    )


@router.post("/admin/rooms/{room_id}/seats/{seat_id}")
async def seat_update(
    room_id: PathId,
    seat_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    label: Text = "",
    workstation_ip: Text = "",
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    fields = {"label": label, "workstation_ip": _blank_none(workstation_ip)}
    return await _change(
        request,
        db,
        room_id,
        SeatUpdate,
        fields,
        lambda data: service.update_seat(db, room_id, seat_id, data, actor),
        "seat_saved",
    )


@router.post("/admin/rooms/{room_id}/seats/{seat_id}/delete")
async def seat_delete(
    room_id: PathId, seat_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    try:
        await service.get_room(db, room_id)
    except CactError as exc:
        return error_page(request, exc)
    refused = await attempt(db, lambda: service.delete_seat(db, room_id, seat_id, actor))
    if refused is not None:
        message = say(refused, request_language(request))
        return await _room_page(request, db, room_id, status_code=refused.status, error=message)
    return RedirectResponse(f"/admin/rooms/{room_id}?done=seat_deleted", status_code=303)


@router.post("/admin/rooms/{room_id}/workstation-ips", max_body_size=UPLOAD_BODY_BYTES)
async def ips_bind(
    room_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    text: Annotated[str, Form(max_length=200_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The pasted list, or the uploaded CSV instead when one is chosen (its line numbers are
    the file's), saved whole or not at all."""
    try:
        room = await service.get_room(db, room_id)
    except CactError as exc:
        return error_page(request, exc)
    source: str | None = text.replace("\x00", "")
    if file is not None and file.filename:
        source = bindings.decode_file(await file.read(UPLOAD_BODY_BYTES))
    lines, early = bindings.parse_text(source) if source is not None else ([], [])
    if source is None:
        early.append(bindings.problem("unreadable", None))
    actor = Actor.staff(admin, client_ip(request))
    refused = await attempt(db, lambda: bindings.bind_many(db, room, lines, actor, early=early))
    if isinstance(refused, bindings.BindingsRefused):
        return await _room_page(
            request, db, room_id, status_code=422, ip_problems=refused.problems, ip_text=text
        )
    if refused is not None:
        message = say(refused, request_language(request))
        return await _room_page(request, db, room_id, status_code=refused.status, error=message)
    return RedirectResponse(f"/admin/rooms/{room_id}?done=ips_bound", status_code=303)
