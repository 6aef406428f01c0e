"""The admin's queries on sittings: the listing, proctors, the roster with seats and positions."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import any_, delete, func, insert, select

from cact.auth.models import StaffUser
from cact.blueprints.models import Blueprint
from cact.exam.models import Enrollment, Sitting, SittingProctor
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.rooms.models import Room, Seat
from cact.standards.models import Position


class SittingAdminRepository(Repository[Sitting]):
    model = Sitting

    async def listing(self) -> list[tuple[Sitting, tuple[str, str], str, int, int]]:
        enrolled = (
            select(func.count(Enrollment.id))
            .where(Enrollment.sitting_id == Sitting.id)
            .correlate(Sitting)
            .scalar_subquery()
        )
        seated = (
            select(func.count(Enrollment.seat_id))
            .where(Enrollment.sitting_id == Sitting.id)
            .correlate(Sitting)
            .scalar_subquery()
        )
        statement = (
            select(Sitting, Room.code, Room.time_zone, Blueprint.code, enrolled, seated)
            .join(Room, Room.id == Sitting.room_id)
            .join(Blueprint, Blueprint.id == Sitting.blueprint_id)
            .order_by(Sitting.starts_at.desc(), Sitting.id.desc())
        )
        rows = await self.session.execute(statement)
        return [(s, (room, zone), bp, int(n), int(m)) for s, room, zone, bp, n, m in rows]

    async def proctors(self, sitting_ids: Collection[int]) -> dict[int, list[StaffUser]]:
        found: dict[int, list[StaffUser]] = {sitting_id: [] for sitting_id in sitting_ids}
        if not sitting_ids:
            return found
        statement = (
            select(SittingProctor.sitting_id, StaffUser)
            .join(StaffUser, StaffUser.id == SittingProctor.staff_user_id)
            .where(SittingProctor.sitting_id.in_(list(sitting_ids)))
            .order_by(StaffUser.username)
        )
        for sitting_id, user in await self.session.execute(statement):
            found[sitting_id].append(user)
        return found

    async def roster(
        self, sitting_id: int
    ) -> list[tuple[Enrollment, Participant, Seat | None, Position | None]]:
        statement = (
            select(Enrollment, Participant, Seat, Position)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .outerjoin(Seat, Seat.id == Enrollment.seat_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(Enrollment.sitting_id == sitting_id)
            .order_by(Seat.grid_row.nulls_last(), Seat.grid_col, Participant.participant_no)
        )
        rows = await self.session.execute(statement)
        return [(e, p, seat, pos) for e, p, seat, pos in rows]

    async def codes_taken(self, codes: Collection[str]) -> list[str]:
        lowered = [code.lower() for code in codes]
        statement = select(Sitting.code).where(func.lower(Sitting.code).in_(lowered))
        return list(await self.session.scalars(statement))

    async def proctor_accounts(self) -> list[StaffUser]:
        statement = (
            select(StaffUser)
            .where(StaffUser.is_active.is_(True), any_(StaffUser.roles) == "proctor")
            .order_by(StaffUser.username)
        )
        return list(await self.session.scalars(statement))

    async def replace_proctors(self, sitting_id: int, staff_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(SittingProctor).where(SittingProctor.sitting_id == sitting_id)
        )
        if staff_ids:
            rows = [{"sitting_id": sitting_id, "staff_user_id": i} for i in staff_ids]
            await self.session.execute(insert(SittingProctor), rows)

    async def participants_by_number(self, numbers: Collection[str]) -> list[Participant]:
        statement = select(Participant).where(Participant.participant_no.in_(list(numbers)))
        return list(await self.session.scalars(statement))
