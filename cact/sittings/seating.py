"""A sitting's roster and its seats before the test runs: participants enrolled on the next
free seats in seat order, seats given by hand or in roster order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.models import Enrollment, Sitting
from cact.exam.repository import EnrollmentRepository
from cact.exam.statuses import SEATS_EDITABLE_SITTING
from cact.kit.errors import Conflict, InvalidInput, naming
from cact.participants.models import Participant
from cact.rooms import service as rooms
from cact.rooms.models import Room, Seat
from cact.sittings.repository import SittingAdminRepository


class SeatsWithProctors(Conflict):
    code = "seats_with_proctors"
    message = (
        "Selama ujian berlangsung, pengawas memindahkan kursi dari dasbor. / "
        "While the test runs, proctors move seats from the dashboard."
    )


class SeatTwice(Conflict):
    code = "seat_twice"
    message = (
        "Satu kursi diberikan kepada lebih dari satu peserta. / "
        "A seat is given to more than one participant."
    )


class UnknownParticipants(InvalidInput):
    code = "unknown_participants"
    message = "Nomor peserta tidak terdaftar. / Participant numbers not registered."


class NotEnoughSeats(Conflict):
    code = "not_enough_seats"
    message = "Kursi di ruangan tidak cukup. / The room has too few seats."


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


def seat_order(seats: Sequence[Seat]) -> list[Seat]:
    return sorted(seats, key=lambda s: (s.grid_row, s.grid_col, s.id))


async def _seatable(db: AsyncSession, sitting_id: int) -> tuple[Sitting, Room, list[Enrollment]]:
    sitting = await exam.sitting_for_update(db, sitting_id)
    if sitting.status not in SEATS_EDITABLE_SITTING:  # then a proctor moves seats, audited
        raise SeatsWithProctors()
    room = await rooms.get_room(db, sitting.room_id)
    return sitting, room, await EnrollmentRepository(db).for_sitting(sitting.id)


async def _seat_audit(db: AsyncSession, sitting: Sitting, actor: Actor, how: str, n: int) -> None:
    await audit.record(
        db,
        actor,
        "sitting.seats",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"how": how, "changed": n},
    )


async def auto_seats(db: AsyncSession, sitting_id: int, actor: Actor, *, only_missing: bool) -> int:
    """Roster order (import order) onto seat order; ``only_missing`` keeps the seats given."""
    sitting, room, enrollments = await _seatable(db, sitting_id)
    keep = [e for e in enrollments if only_missing and e.seat_id is not None]
    seating = [e for e in enrollments if e not in keep]
    taken = {e.seat_id for e in keep}
    free = [s for s in seat_order(room.seats) if s.id not in taken]
    if len(seating) > len(free):
        raise NotEnoughSeats()
    before = {e.id: e.seat_id for e in seating}
    for enrollment in seating:
        enrollment.seat_id = None
    await db.flush()
    for enrollment, seat in zip(seating, free, strict=False):
        enrollment.seat_id = seat.id
    await db.flush()
    changed = sum(1 for e in seating if before[e.id] != e.seat_id)
    await _seat_audit(db, sitting, actor, "only_missing" if only_missing else "all", changed)
    return changed


async def assign_seats(
    db: AsyncSession, sitting_id: int, wanted: dict[int, int | None], actor: Actor
) -> int:
    """A seat per enrollment by hand; the result may not put two participants on one seat."""
    sitting, room, enrollments = await _seatable(db, sitting_id)
    by_id = {e.id: e for e in enrollments}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise exam.EnrollmentNotFound()
    labels = {seat.id: seat.label for seat in room.seats}
    if any(seat_id is not None and seat_id not in labels for seat_id in wanted.values()):
        raise exam.SeatNotInRoom()
    final = {e.id: wanted.get(e.id, e.seat_id) for e in enrollments}
    twice = [seat for seat, n in Counter(v for v in final.values() if v).items() if n > 1]
    if twice:
        names = ", ".join(sorted(labels[s] for s in twice))
        raise SeatTwice(naming(SeatTwice, names))
    changing = [by_id[i] for i, seat in wanted.items() if by_id[i].seat_id != seat]
    for enrollment in changing:
        enrollment.seat_id = None
    await db.flush()
    for enrollment in changing:
        enrollment.seat_id = wanted[enrollment.id]
    await db.flush()
    await _seat_audit(db, sitting, actor, "by_hand", len(changing))
    return len(changing)


async def enroll(
    db: AsyncSession, sitting_id: int, numbers: Sequence[str], actor: Actor
) -> list[Enrollment]:
    """Registered participants onto the roster, on the next free seats in seat order."""
    sitting = await exam.roster_sitting_for_update(db, sitting_id)
    found = {
        p.participant_no: p
        for p in await SittingAdminRepository(db).participants_by_number(numbers)
    }
    missing = [n for n in dict.fromkeys(numbers) if n not in found]
    if missing:
        raise UnknownParticipants(naming(UnknownParticipants, ", ".join(missing[:20])))
    enrollments = await EnrollmentRepository(db).for_sitting(sitting.id)
    already = {e.participant_id for e in enrollments}
    newcomers = [found[n] for n in dict.fromkeys(numbers) if found[n].id not in already]
    taken = {e.seat_id for e in enrollments}
    room = await rooms.get_room(db, sitting.room_id)
    free = [s for s in seat_order(room.seats) if s.id not in taken]
    return await enroll_in_seat_order(db, sitting, newcomers, free, actor)


async def unenroll(db: AsyncSession, sitting_id: int, enrollment_id: int, actor: Actor) -> None:
    sitting = await exam.roster_sitting_for_update(db, sitting_id)
    enrollment = await EnrollmentRepository(db).get(enrollment_id)
    if enrollment is None or enrollment.sitting_id != sitting.id:
        raise exam.EnrollmentNotFound()
    await EnrollmentRepository(db).remove(enrollment)
    await audit.record(
        db,
        actor,
        "sitting.unenroll",
        target_type="enrollment",
        target_id=enrollment_id,
        sitting_id=sitting.id,
        details={"participant_id": enrollment.participant_id},
    )
