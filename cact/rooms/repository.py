from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cact.kit.repository import Repository
from cact.rooms.models import Room, Seat


class RoomRepository(Repository[Room]):
    model = Room

    async def with_seats_by_code(self, code: str) -> Room | None:
        statement = select(Room).options(selectinload(Room.seats)).where(Room.code == code)
        return await self.one_or_none(statement)

    async def with_seats(self, room_id: int) -> Room | None:
        # populate_existing: after a rolled-back savepoint the seats are read again, not trusted.
        statement = (
            select(Room)
            .options(selectinload(Room.seats))
            .where(Room.id == room_id)
            .execution_options(populate_existing=True)
        )
        return await self.one_or_none(statement)

    async def by_code(self, code: str) -> Room | None:
        return await self.one_or_none(self.select().where(func.lower(Room.code) == code.lower()))

    async def listing(self) -> list[tuple[Room, int]]:
        seats = (
            select(func.count(Seat.id))
            .where(Seat.room_id == Room.id)
            .correlate(Room)
            .scalar_subquery()
        )
        rows = await self.session.execute(select(Room, seats).order_by(Room.code))
        return [(room, int(count)) for room, count in rows]

    async def used_by_sitting(self, room_id: int) -> bool:
        """Some sitting takes place in it (its seats are its own rows)."""
        return bool(await self.referenced([room_id], besides=[Seat]))


class SeatRepository(Repository[Seat]):
    model = Seat

    async def used_seat_ids(self, room_id: int) -> set[int]:
        """Seats some sitting's roster puts a participant on."""
        seats = await self.session.scalars(select(Seat.id).where(Seat.room_id == room_id))
        return await self.referenced(list(seats))

    async def in_use(self, seat_id: int) -> bool:
        return bool(await self.referenced([seat_id]))
