"""Rooms and their seats, laid out as a grid like the lab."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.rooms.models import Room, Seat


async def by_code(db: AsyncSession, code: str) -> Room | None:
    statement = select(Room).options(selectinload(Room.seats)).where(Room.code == code)
    return (await db.scalars(statement)).one_or_none()


async def create_grid_room(
    db: AsyncSession, code: str, name: str, rows: int, cols: int, actor: Actor
) -> Room:
    """Seats labelled A01, A02 … row by row (row letters, column numbers)."""
    room = Room(code=code, name=name, seats=[])
    for row in range(rows):
        for col in range(cols):
            room.seats.append(
                Seat(
                    label=f"{chr(ord('A') + row)}{col + 1:02d}", grid_row=row + 1, grid_col=col + 1
                )
            )
    db.add(room)
    await db.flush()
    await audit.record(
        db,
        actor,
        "room.create",
        target_type="room",
        target_id=room.id,
        details={"code": code, "seats": rows * cols},
    )
    return room
