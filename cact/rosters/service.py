"""Roster import: a CSV/XLSX file → the participant register and, optionally, a sitting's roster
with seats. All or nothing: every problem is reported by row and column and nothing is written
unless the whole file is right.

People already registered are matched by participant number, then NIP, and updated; an empty
cell never erases a stored value (docs/roster-format.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.passwords import hash_password_async
from cact.exam import service as exam
from cact.exam.models import Enrollment, Sitting
from cact.exam.repository import EnrollmentRepository
from cact.participants.models import Participant
from cact.participants.repository import ParticipantRepository, PositionLookup
from cact.participants.roster_file import (
    NIP,
    NUMBER,
    POSITION,
    SEAT,
    ParsedRoster,
    RosterRow,
    parse_roster,
)
from cact.participants.schemas import RosterReport
from cact.rooms import service as rooms
from cact.rooms.models import Room, Seat
from item_bank.problems import Problem

# argon2 takes tens of megabytes per hash: a few at a time keep a big roster within memory.
PIN_HASHING_AT_ONCE = 2


@dataclass
class _Target:
    sitting: Sitting
    room: Room
    enrollments: dict[int, Enrollment]  # participant id → enrollment
    holders: dict[int, Participant]  # participant id → the enrolled participant


@dataclass
class _Plan:
    positions: dict[str, int] = field(default_factory=dict)  # lower-cased code → id
    matched: dict[int, Participant] = field(default_factory=dict)  # row → registered person
    seats: dict[int, int] = field(default_factory=dict)  # row → the seat it gets (or changes to)
    enrolled: int = 0


async def import_roster(
    db: AsyncSession,
    upload: bytes,
    filename: str,
    *,
    sitting_id: int | None,
    actor: Actor,
    dry_run: bool = False,
    parsed: ParsedRoster | None = None,
) -> RosterReport:
    """Check the whole file and, when it has no problem and ``dry_run`` is false, write it.
    ``parsed``: the file already read by a caller that checks columns of its own.

    Raises SittingNotFound / RosterSittingLocked for a wrong target; every problem of the file
    itself is in the report (``valid`` false, nothing written).
    """
    target = await _target(db, sitting_id)
    parsed = parsed or parse_roster(filename, upload)
    # An empty seat column (the template's) is no problem; a seat named without a sitting is.
    if target is None and parsed.has(SEAT) and any(r.seat for r in parsed.rows):
        parsed.at("seat_without_sitting", None, SEAT)
    plan = await _plan(db, parsed, target)
    report = RosterReport(
        file=filename,
        sitting_id=sitting_id,
        dry_run=dry_run,
        valid=not parsed.problems.found,
        rows=len(parsed.rows),
        created=len(parsed.rows) - len(plan.matched),
        updated=len(plan.matched),
        enrolled=plan.enrolled,
        seated=len(plan.seats),
        problems=sorted(parsed.problems.found, key=_reading_order),
    )
    if not report.valid or dry_run:
        return report
    try:
        async with db.begin_nested():
            await _write(db, parsed.rows, plan, target)
    except IntegrityError:
        parsed.problems.add("database_conflict")
        return report.model_copy(
            update={"valid": False, "problems": parsed.problems.found, "created": 0, "updated": 0}
        )
    await audit.record(
        db,
        actor,
        "roster.import",
        target_type="sitting" if target else "participant",
        target_id=target.sitting.id if target else None,
        sitting_id=target.sitting.id if target else None,
        details=report.model_dump(include={"file", "rows", "created", "updated", "enrolled"}),
    )
    return report


def _reading_order(problem: Problem) -> tuple[int, int, str]:
    """The file as a person reads it: row by row, column by column (AA after Z)."""
    column = problem.column or ""
    return (problem.row or 0, len(column), column)


async def _target(db: AsyncSession, sitting_id: int | None) -> _Target | None:
    if sitting_id is None:
        return None
    sitting = await exam.roster_sitting_for_update(db, sitting_id)
    room = await rooms.get_room(db, sitting.room_id)
    enrollments = {
        e.participant_id: e for e in await EnrollmentRepository(db).for_sitting(sitting.id)
    }
    holders = await ParticipantRepository(db).by_ids(list(enrollments))
    return _Target(sitting, room, enrollments, holders)


async def _plan(db: AsyncSession, parsed: ParsedRoster, target: _Target | None) -> _Plan:
    plan = _Plan()
    if not parsed.rows:
        return plan
    await _check_positions(db, parsed, plan)
    await _match_people(db, parsed, plan)
    if target is not None:
        _place(parsed, plan, target)
        plan.enrolled = sum(
            1
            for row in parsed.rows
            if row.row not in plan.matched or plan.matched[row.row].id not in target.enrollments
        )
    return plan


async def _check_positions(db: AsyncSession, parsed: ParsedRoster, plan: _Plan) -> None:
    codes = {row.position_code for row in parsed.rows if row.position_code}
    plan.positions = await PositionLookup(db).ids_by_code(codes)
    for row in parsed.rows:
        if row.position_code and row.position_code.lower() not in plan.positions:
            parsed.at("unknown_position", row.row, POSITION, value=row.position_code)


def _who(participant: Participant) -> str:
    return f"{participant.participant_no} ({participant.name})"


async def _match_people(db: AsyncSession, parsed: ParsedRoster, plan: _Plan) -> None:
    """Number first, then NIP; a number and a NIP of two different people is a problem."""
    people = ParticipantRepository(db)
    by_number = await people.by_numbers({r.number for r in parsed.rows if r.number})
    by_nip = await people.by_nips({r.nip for r in parsed.rows if r.nip})
    first_row: dict[int, int] = {}
    for row in parsed.rows:
        numbered = by_number.get(row.number) if row.number else None
        niped = by_nip.get(row.nip) if row.nip else None
        if numbered and niped and numbered.id != niped.id:
            parsed.at(
                "identity_conflict",
                row.row,
                NIP,
                number=row.number,
                nip=row.nip,
                number_owner=_who(numbered),
                nip_owner=_who(niped),
            )
            continue
        found = numbered or niped
        if found is None:
            continue
        first = first_row.setdefault(found.id, row.row)
        if first != row.row:
            column = NUMBER if parsed.has(NUMBER) else NIP
            parsed.at("same_participant", row.row, column, first=first, value=_who(found))
            continue
        plan.matched[row.row] = found


def _seat_named(room: Room, label: str) -> Seat | None:
    exact = {seat.label: seat for seat in room.seats}
    folded = {seat.label.casefold(): seat for seat in room.seats}
    return exact.get(label) or folded.get(label.casefold())


def _place(parsed: ParsedRoster, plan: _Plan, target: _Target) -> None:
    """Seats from the file; others keep theirs; the rest take free seats in seat order."""
    chosen: dict[int, Seat] = {}
    for row in parsed.rows:
        if row.seat is None:
            continue
        seat = _seat_named(target.room, row.seat)
        if seat is None:
            parsed.at("unknown_seat", row.row, SEAT, value=row.seat, room=target.room.code)
        else:
            chosen[row.row] = seat
    moving = {plan.matched[r].id for r in chosen if r in plan.matched}
    kept = {
        e.seat_id: e.participant_id
        for e in target.enrollments.values()
        if e.seat_id is not None and e.participant_id not in moving
    }
    for row_number, seat in chosen.items():
        holder = kept.get(seat.id)
        mine = plan.matched.get(row_number)
        if holder is not None and (mine is None or mine.id != holder):
            other = _who(target.holders[holder])
            parsed.at("seat_taken", row_number, SEAT, value=seat.label, other=other)
    plan.seats = {r: seat.id for r, seat in chosen.items()}
    needing = [
        row.row
        for row in parsed.rows
        if row.row not in chosen and _current_seat(plan, target, row) is None
    ]
    taken = set(kept) | {seat.id for seat in chosen.values()}
    ordered = sorted(target.room.seats, key=lambda s: (s.grid_row, s.grid_col))
    free = [seat.id for seat in ordered if seat.id not in taken]
    if len(needing) > len(free):
        parsed.problems.add(
            "not_enough_seats", room=target.room.code, free=len(free), needed=len(needing)
        )
        return
    plan.seats.update(zip(needing, free, strict=False))
    for row_number, seat_id in list(plan.seats.items()):
        mine = plan.matched.get(row_number)
        enrollment = target.enrollments.get(mine.id) if mine else None
        if enrollment is not None and enrollment.seat_id == seat_id:
            del plan.seats[row_number]  # already there


def _current_seat(plan: _Plan, target: _Target, row: RosterRow) -> int | None:
    mine = plan.matched.get(row.row)
    enrollment = target.enrollments.get(mine.id) if mine else None
    return enrollment.seat_id if enrollment else None


async def _hash_pins(rows: list[RosterRow]) -> dict[int, str]:
    limit = asyncio.Semaphore(PIN_HASHING_AT_ONCE)

    async def one(pin: str) -> str:
        async with limit:
            return await hash_password_async(pin)

    with_pin = [row for row in rows if row.pin]
    hashes = await asyncio.gather(*(one(row.pin or "") for row in with_pin))
    return {row.row: hashed for row, hashed in zip(with_pin, hashes, strict=True)}


def _apply(participant: Participant, row: RosterRow, plan: _Plan, pin_hash: str | None) -> None:
    """The file's values; an empty cell keeps what is stored."""
    assert row.name and row.position_code and row.number
    if row.number_given or participant.id is None:
        participant.participant_no = row.number
    participant.name = row.name
    participant.position_id = plan.positions[row.position_code.lower()]
    optional = {
        "nip": row.nip,
        "unit": row.unit,
        "agency": row.agency,
        "birth_date": row.birth_date,
        "performance_rating": row.rating,
        "pin_hash": pin_hash,
    }
    for name, value in optional.items():
        if value is not None:
            setattr(participant, name, value)


async def _write(
    db: AsyncSession, rows: list[RosterRow], plan: _Plan, target: _Target | None
) -> None:
    hashes = await _hash_pins(rows)
    people: list[tuple[RosterRow, Participant]] = []
    for row in rows:
        participant = plan.matched.get(row.row) or Participant()
        _apply(participant, row, plan, hashes.get(row.row))
        if participant.id is None:
            db.add(participant)
        people.append((row, participant))
    await db.flush()
    if target is not None:
        await _enroll(db, people, plan, target)


async def _enroll(
    db: AsyncSession,
    people: list[tuple[RosterRow, Participant]],
    plan: _Plan,
    target: _Target,
) -> None:
    moving = [
        target.enrollments[p.id]
        for row, p in people
        if row.row in plan.seats and p.id in target.enrollments
    ]
    for leaving in moving:
        leaving.seat_id = None  # seats may swap: leave them before taking the new ones
    await db.flush()
    for row, participant in people:
        seat_id = plan.seats.get(row.row)
        enrollment = target.enrollments.get(participant.id)
        if enrollment is None:
            db.add(
                Enrollment(
                    sitting_id=target.sitting.id, participant_id=participant.id, seat_id=seat_id
                )
            )
        elif seat_id is not None:
            enrollment.seat_id = seat_id
    await db.flush()
