from __future__ import annotations

from fastapi import APIRouter, Request

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.rooms import bindings, service
from cact.rooms.schemas import (
    BindingLine,
    BulkBindings,
    BulkBindingsResult,
    PathId,
    Relabel,
    RoomCreate,
    RoomDetail,
    RoomRead,
    RoomUpdate,
    SeatCreate,
    SeatRead,
    SeatUpdate,
)

router = APIRouter(prefix="/api/rooms", tags=["rooms"])


def _actor(admin: AdminUser, request: Request) -> Actor:
    return Actor.staff(admin, client_ip(request))


@router.get("", response_model=list[RoomRead])
async def list_rooms(_: AdminUser, db: DbSession) -> list[RoomRead]:
    return [
        RoomRead.model_validate(room).model_copy(update={"seat_count": count})
        for room, count in await service.list_rooms(db)
    ]


@router.post("", response_model=RoomDetail, status_code=201)
async def create_room(
    body: RoomCreate, admin: AdminUser, request: Request, db: DbSession
) -> RoomDetail:
    """A room with a rows × cols grid of seats (labels A01 … or 01 …)."""
    room = await service.create_room(db, body, _actor(admin, request))
    return await service.detail(db, room)


@router.get("/{room_id}", response_model=RoomDetail)
async def get_room(room_id: PathId, _: AdminUser, db: DbSession) -> RoomDetail:
    return await service.detail(db, await service.get_room(db, room_id))


@router.patch("/{room_id}", response_model=RoomDetail)
async def update_room(
    room_id: PathId, body: RoomUpdate, admin: AdminUser, request: Request, db: DbSession
) -> RoomDetail:
    await service.update_room(db, room_id, body, _actor(admin, request))
    return await service.detail(db, await service.get_room(db, room_id))


@router.delete("/{room_id}", status_code=204)
async def delete_room(room_id: PathId, admin: AdminUser, request: Request, db: DbSession) -> None:
    """Only a room no sitting uses."""
    await service.delete_room(db, room_id, _actor(admin, request))


@router.post("/{room_id}/relabel", response_model=RoomDetail)
async def relabel_room(
    room_id: PathId, body: Relabel, admin: AdminUser, request: Request, db: DbSession
) -> RoomDetail:
    """Every seat labelled again from its row and column; rosters keep their seats."""
    await service.relabel(db, room_id, body.labels, _actor(admin, request))
    return await service.detail(db, await service.get_room(db, room_id))


@router.post("/{room_id}/seats", response_model=SeatRead, status_code=201)
async def add_seat(
    room_id: PathId, body: SeatCreate, admin: AdminUser, request: Request, db: DbSession
) -> SeatRead:
    seat = await service.add_seat(db, room_id, body, _actor(admin, request))
    return SeatRead.model_validate(seat)


@router.patch("/{room_id}/seats/{seat_id}", response_model=SeatRead)
async def update_seat(
    room_id: PathId,
    seat_id: PathId,
    body: SeatUpdate,
    admin: AdminUser,
    request: Request,
    db: DbSession,
) -> SeatRead:
    """Rename the seat or bind it to a workstation IP (``null`` removes the binding)."""
    seat = await service.update_seat(db, room_id, seat_id, body, _actor(admin, request))
    in_use = seat.id in await service.used_seat_ids(db, room_id)
    return SeatRead.model_validate(seat).model_copy(update={"in_use": in_use})


@router.delete("/{room_id}/seats/{seat_id}", status_code=204)
async def delete_seat(
    room_id: PathId, seat_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> None:
    """Only a seat that no sitting's roster uses."""
    await service.delete_seat(db, room_id, seat_id, _actor(admin, request))


@router.post("/{room_id}/workstation-ips", response_model=BulkBindingsResult)
async def bind_workstation_ips(
    room_id: PathId, body: BulkBindings, admin: AdminUser, request: Request, db: DbSession
) -> BulkBindingsResult:
    """Many seats' workstation IPs at once, whole or not at all: ``text`` holds "seat, IP"
    lines (pasted, or a CSV's content), ``bindings`` the same as a list. 422 lists every bad
    line (``detail`` [`line`, `seat`, `ip`, `code`, `message`, `message_id`])."""
    room = await service.get_room(db, room_id)
    lines, early = bindings.parse_text(body.text or "")
    listed = [
        BindingLine.model_construct(line=entry.line or n, seat=entry.seat, ip=entry.ip)
        for n, entry in enumerate(body.bindings or [], start=1)
    ]
    changed = await bindings.bind_many(
        db, room, lines + listed, _actor(admin, request), early=early
    )
    return BulkBindingsResult(changed=changed, room=await service.detail(db, room))
