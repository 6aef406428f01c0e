"""Rooms and their seats, laid out as a grid like the lab."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.kit.errors import Conflict, NotFound
from cact.kit.timezones import DEFAULT_ZONE
from cact.rooms.models import Room, Seat
from cact.rooms.repository import RoomRepository, SeatRepository
from cact.rooms.schemas import (
    RoomCreate,
    RoomDetail,
    RoomUpdate,
    SeatCreate,
    SeatLabelling,
    SeatRead,
    SeatUpdate,
)


class RoomNotFound(NotFound):
    code = "room_not_found"
    message = "Ruangan tidak ditemukan. / Room not found."


class SeatNotFound(NotFound):
    code = "seat_not_found"
    message = "Kursi tidak ditemukan di ruangan ini. / No such seat in this room."


class RoomCodeTaken(Conflict):
    code = "room_code_taken"
    message = "Kode ruangan sudah dipakai. / That room code is taken."


class SeatLabelTaken(Conflict):
    code = "seat_label_taken"
    message = "Label kursi sudah dipakai di ruangan ini. / That seat label is taken in this room."


class SeatPlaceTaken(Conflict):
    code = "seat_place_taken"
    message = (
        "Sudah ada kursi di baris dan kolom itu. / There is already a seat at that row and column."
    )


class WorkstationIpTaken(Conflict):
    code = "workstation_ip_taken"
    message = (
        "Alamat IP itu sudah terikat ke kursi lain di ruangan ini. / "
        "That IP address is already bound to another seat in this room."
    )


class SeatInUse(Conflict):
    code = "seat_in_use"
    message = (
        "Kursi dipakai dalam daftar peserta sebuah sesi; tidak dapat dihapus. / "
        "A sitting's roster uses this seat; it cannot be deleted."
    )


class RoomInUse(Conflict):
    code = "room_in_use"
    message = (
        "Ruangan dipakai oleh sebuah sesi; tidak dapat dihapus. / "
        "A sitting uses this room; it cannot be deleted."
    )


def grid_label(scheme: SeatLabelling, row: int, col: int, cols: int) -> str:
    if scheme == "number":
        return f"{(row - 1) * cols + col:02d}"
    return f"{chr(ord('A') + row - 1)}{col:02d}"


async def by_code(db: AsyncSession, code: str) -> Room | None:
    return await RoomRepository(db).with_seats_by_code(code)


async def create_grid_room(
    db: AsyncSession,
    code: str,
    name: str,
    rows: int,
    cols: int,
    actor: Actor,
    *,
    labels: SeatLabelling = "letter_number",
    location: str | None = None,
    time_zone: str = DEFAULT_ZONE,
) -> Room:
    """Seats labelled A01, A02 … row by row (row letters, column numbers), or 01, 02 …"""
    room = Room(code=code, name=name, location=location, time_zone=time_zone, seats=[])
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            room.seats.append(
                Seat(label=grid_label(labels, row, col, cols), grid_row=row, grid_col=col)
            )
    db.add(room)
    await db.flush()
    await audit.record(
        db,
        actor,
        "room.create",
        target_type="room",
        target_id=room.id,
        details={"code": code, "seats": rows * cols, "time_zone": time_zone},
    )
    return room


T = TypeVar("T")


async def _flushed(db: AsyncSession, error: Conflict, change: Callable[[], Awaitable[T]]) -> T:
    """Two admins racing past the checks meet the unique constraint: a 409, not a 500."""
    try:
        async with db.begin_nested():
            result = await change()
            await db.flush()
    except IntegrityError as exc:
        raise error from exc
    return result


async def list_rooms(db: AsyncSession) -> list[tuple[Room, int]]:
    return await RoomRepository(db).listing()


async def time_zone_of(db: AsyncSession, room_id: int | None) -> str:
    """The room's IANA zone; the default zone for no room or an unknown one."""
    room = await RoomRepository(db).get(room_id) if room_id is not None else None
    return room.time_zone if room is not None else DEFAULT_ZONE


async def get_room(db: AsyncSession, room_id: int) -> Room:
    room = await RoomRepository(db).with_seats(room_id)
    if room is None:
        raise RoomNotFound()
    return room


async def used_seat_ids(db: AsyncSession, room_id: int) -> set[int]:
    return await SeatRepository(db).used_seat_ids(room_id)


async def detail(db: AsyncSession, room: Room) -> RoomDetail:
    """The room with its seats, each marked when a sitting's roster uses it."""
    used = await used_seat_ids(db, room.id)
    return RoomDetail(
        id=room.id,
        code=room.code,
        name=room.name,
        location=room.location,
        time_zone=room.time_zone,
        created_at=room.created_at,
        seat_count=len(room.seats),
        seats=[
            SeatRead.model_validate(seat).model_copy(update={"in_use": seat.id in used})
            for seat in room.seats
        ],
    )


async def create_room(db: AsyncSession, data: RoomCreate, actor: Actor) -> Room:
    if await RoomRepository(db).by_code(data.code) is not None:
        raise RoomCodeTaken()

    async def create() -> Room:
        return await create_grid_room(
            db,
            data.code,
            data.name,
            data.rows,
            data.cols,
            actor,
            labels=data.labels,
            location=data.location,
            time_zone=data.time_zone,
        )

    room = await _flushed(db, RoomCodeTaken(), create)
    return await get_room(db, room.id)


async def update_room(db: AsyncSession, room_id: int, data: RoomUpdate, actor: Actor) -> Room:
    room = await get_room(db, room_id)
    changes = data.model_dump(exclude_unset=True)
    for always in ("name", "time_zone"):  # a room always has a name and a zone
        if changes.get(always) is None:
            changes.pop(always, None)
    for field, value in changes.items():
        setattr(room, field, value)
    await db.flush()
    await audit.record(
        db, actor, "room.update", target_type="room", target_id=room.id, details=changes
    )
    return room


async def delete_room(db: AsyncSession, room_id: int, actor: Actor) -> None:
    room = await get_room(db, room_id)
    if await RoomRepository(db).used_by_sitting(room_id):
        raise RoomInUse()
    await RoomRepository(db).remove(room)
    await audit.record(
        db, actor, "room.delete", target_type="room", target_id=room_id, details={"code": room.code}
    )


def _seat(room: Room, seat_id: int) -> Seat:
    for seat in room.seats:
        if seat.id == seat_id:
            return seat
    raise SeatNotFound()


def _check_free(room: Room, seat: Seat | None, label: str | None, ip: str | None) -> None:
    others = [s for s in room.seats if s is not seat]
    if label is not None and label.casefold() in {s.label.casefold() for s in others}:
        raise SeatLabelTaken()
    if ip is not None and ip in {s.workstation_ip for s in others}:
        raise WorkstationIpTaken()


async def add_seat(db: AsyncSession, room_id: int, data: SeatCreate, actor: Actor) -> Seat:
    room = await get_room(db, room_id)
    ip = None if data.workstation_ip is None else str(data.workstation_ip)
    _check_free(room, None, data.label, ip)
    if any((s.grid_row, s.grid_col) == (data.grid_row, data.grid_col) for s in room.seats):
        raise SeatPlaceTaken()
    seat = Seat(
        room_id=room.id,
        label=data.label,
        grid_row=data.grid_row,
        grid_col=data.grid_col,
        workstation_ip=ip,
    )

    async def add() -> Seat:
        db.add(seat)
        return seat

    await _flushed(db, SeatLabelTaken(), add)
    await audit.record(
        db,
        actor,
        "seat.create",
        target_type="seat",
        target_id=seat.id,
        details={"room": room.code, "label": seat.label, "ip": ip},
    )
    return seat


async def update_seat(
    db: AsyncSession, room_id: int, seat_id: int, data: SeatUpdate, actor: Actor
) -> Seat:
    room = await get_room(db, room_id)
    seat = _seat(room, seat_id)
    sent = data.model_fields_set
    label = data.label if "label" in sent and data.label is not None else None
    ip = str(data.workstation_ip) if data.workstation_ip is not None else None
    _check_free(room, seat, label, ip if "workstation_ip" in sent else None)
    changes: dict[str, object] = {}
    if label is not None and label != seat.label:
        changes["label"] = {"from": seat.label, "to": label}
    if "workstation_ip" in sent and ip != seat.workstation_ip:
        changes["workstation_ip"] = {"from": seat.workstation_ip, "to": ip}

    async def apply() -> Seat:
        if "label" in changes:
            seat.label = label or seat.label
        if "workstation_ip" in changes:
            seat.workstation_ip = ip
        return seat

    await _flushed(db, SeatLabelTaken(), apply)
    if changes:
        await audit.record(
            db, actor, "seat.update", target_type="seat", target_id=seat.id, details=changes
        )
    return seat


async def delete_seat(db: AsyncSession, room_id: int, seat_id: int, actor: Actor) -> None:
    """Only a seat no sitting has ever put anyone on: the rosters and reports keep their seats."""
    room = await get_room(db, room_id)
    seat = _seat(room, seat_id)
    if await SeatRepository(db).in_use(seat.id):
        raise SeatInUse()
    room.seats.remove(seat)
    await db.flush()
    await audit.record(
        db,
        actor,
        "seat.delete",
        target_type="seat",
        target_id=seat_id,
        details={"room": room.code, "label": seat.label},
    )


async def relabel(db: AsyncSession, room_id: int, scheme: SeatLabelling, actor: Actor) -> Room:
    """Every seat labelled again from its place in the grid (rosters keep their seats)."""
    room = await get_room(db, room_id)
    cols = max((s.grid_col for s in room.seats), default=1)
    wanted = {s.id: grid_label(scheme, s.grid_row, s.grid_col, cols) for s in room.seats}
    if len(set(wanted.values())) != len(wanted):
        raise SeatLabelTaken()
    for seat in room.seats:
        seat.label = f"~{seat.id}"  # labels may swap: step aside before taking the new ones
    await db.flush()
    for seat in room.seats:
        seat.label = wanted[seat.id]
    await db.flush()
    await audit.record(
        db, actor, "room.relabel", target_type="room", target_id=room.id, details={"to": scheme}
    )
    return room
