"""Putting participants on a sitting's roster, each on a seat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam.models import Enrollment, Sitting
from cact.kit.errors import Conflict
from cact.participants.models import Participant
from cact.rooms.models import Seat


class NotEnoughSeats(Conflict):
    code = "not_enough_seats"
    message = "Kursi di ruangan tidak cukup. / The room has too few seats."


async def create_sitting(
    db: AsyncSession,
    *,
    code: str,
    title: str,
    room_id: int,
    blueprint_id: int,
    starts_at: datetime,
    actor: Actor,
) -> Sitting:
    sitting = Sitting(
        code=code, title=title, room_id=room_id, blueprint_id=blueprint_id, starts_at=starts_at
    )
    db.add(sitting)
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.create",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"code": code},
    )
    return sitting


async def enroll_in_seat_order(
    db: AsyncSession,
    sitting: Sitting,
    participants: Sequence[Participant],
    seats: Sequence[Seat],
    actor: Actor,
) -> list[Enrollment]:
    if len(seats) < len(participants):
        raise NotEnoughSeats()
    ordered = sorted(seats, key=lambda s: (s.grid_row, s.grid_col))
    enrollments = [
        Enrollment(sitting_id=sitting.id, participant_id=p.id, seat_id=seat.id)
        for p, seat in zip(participants, ordered, strict=False)
    ]
    db.add_all(enrollments)
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.enroll",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"participants": len(enrollments)},
    )
    return enrollments
