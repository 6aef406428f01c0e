"""What a proctor does to a room: every action audited with its reason, every change published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, extract, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.delivery import clock
from cact.delivery.models import CLOSED_STATUSES, Attempt, AttemptSection
from cact.delivery.repository import AttemptRepository, SectionRepository
from cact.delivery.service import UnknownAttempt, close_attempt, score_closed
from cact.kit.errors import Conflict, NotFound
from cact.proctoring.events import RoomEvent, publish
from cact.sittings.models import Enrollment, Sitting
from cact.sittings.repository import SittingRepository
from cact.sittings.tokens import new_token

TOKEN_GRACE = timedelta(minutes=2)


class AttemptAlreadyClosed(Conflict):
    code = "attempt_closed"
    message = "Ujian peserta ini sudah selesai. / This attempt is already closed."


class SittingClosed(Conflict):
    code = "sitting_closed"
    message = "Sesi sudah ditutup. / The sitting is closed."


class WrongSittingState(Conflict):
    code = "wrong_sitting_state"
    message = "Tindakan ini tidak berlaku untuk status sesi sekarang. / Not in this sitting state."


class EnrollmentNotFound(NotFound):
    code = "enrollment_not_found"
    message = "Peserta tidak ada di sesi ini. / Participant not on this sitting."


async def _attempt_for_update(db: AsyncSession, attempt_id: int) -> Attempt:
    attempt = await AttemptRepository(db).for_update(attempt_id)
    if attempt is None:
        raise UnknownAttempt()
    return attempt


async def _changed(db: AsyncSession, attempt: Attempt, what: str) -> None:
    await publish(db, RoomEvent(attempt.sitting_id, "attempt", attempt.id, {"what": what}))


async def extra_time(
    db: AsyncSession, attempt_id: int, minutes: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    """Added to the section running now (or the first one, before the start)."""
    attempt = await _attempt_for_update(db, attempt_id)
    if attempt.status in CLOSED_STATUSES:
        raise AttemptAlreadyClosed()
    sections = await SectionRepository(db).of_attempt(attempt.id, lock=True)
    target = next((s for s in sections if s.status == "open"), None) or next(
        s for s in sections if s.status == "pending"
    )
    extra = timedelta(minutes=minutes)
    target.extra_ms += int(extra.total_seconds() * 1000)
    if target.deadline_at is not None:
        target.deadline_at += extra
    await db.flush()
    await audit.record(
        db,
        actor,
        "attempt.extra_time",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
        details={"minutes": minutes, "section": target.position},
    )
    await _changed(db, attempt, "extra_time")
    return attempt


def _pause_section(section: AttemptSection, now: datetime) -> None:
    if section.status == "open" and section.paused_at is None:
        section.paused_at = now


def _resume_section(section: AttemptSection, now: datetime) -> None:
    if section.paused_at is not None and section.deadline_at is not None:
        paused = now - section.paused_at
        section.deadline_at += paused
        section.paused_ms += int(paused.total_seconds() * 1000)
        section.paused_at = None


async def pause_attempt(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await _attempt_for_update(db, attempt_id)
    if attempt.status in CLOSED_STATUSES:
        raise AttemptAlreadyClosed()
    attempt.paused = True
    for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
        _pause_section(section, now)
    await db.flush()
    await audit.record(
        db,
        actor,
        "attempt.pause",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
    )
    await _changed(db, attempt, "pause")
    return attempt


async def resume_attempt(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await _attempt_for_update(db, attempt_id)
    attempt.paused = False
    sitting = await SittingRepository(db).get(attempt.sitting_id)
    if sitting is not None and sitting.status != "paused":
        for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
            _resume_section(section, now)
    await db.flush()
    await audit.record(
        db,
        actor,
        "attempt.resume",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
    )
    await _changed(db, attempt, "resume")
    return attempt


async def sitting_for_update(db: AsyncSession, sitting_id: int) -> Sitting:
    from cact.sittings.service import SittingNotFound

    sitting = await SittingRepository(db).for_update(sitting_id)
    if sitting is None:
        raise SittingNotFound()
    if sitting.status == "closed":
        raise SittingClosed()
    return sitting


async def pause_sitting(
    db: AsyncSession, sitting_id: int, reason: str, actor: Actor, now: datetime
) -> Sitting:
    """Every running section of the room stops its clock, in one statement."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status not in ("open", "running"):
        raise WrongSittingState()
    sitting.status, sitting.paused_at = "paused", now
    await db.execute(
        update(AttemptSection)
        .where(
            AttemptSection.attempt_id == Attempt.id,
            Attempt.sitting_id == sitting.id,
            AttemptSection.status == "open",
            AttemptSection.paused_at.is_(None),
        )
        .values(paused_at=now)
    )
    await audit.record(
        db,
        actor,
        "sitting.pause",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "pause"}))
    return sitting


async def resume_sitting(
    db: AsyncSession, sitting_id: int, reason: str, actor: Actor, now: datetime
) -> Sitting:
    """Every paused clock moves its deadline by the time it stood, except attempts a proctor
    paused one by one: they stay paused."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status != "paused":
        raise WrongSittingState()
    # Resuming never starts a sitting: one paused before its start goes back to waiting.
    sitting.status = "running" if sitting.started_at is not None else "open"
    sitting.paused_at = None
    await db.execute(
        update(AttemptSection)
        .where(
            AttemptSection.attempt_id == Attempt.id,
            Attempt.sitting_id == sitting.id,
            Attempt.paused.is_(False),
            AttemptSection.paused_at.is_not(None),
        )
        .values(
            deadline_at=AttemptSection.deadline_at + (now - AttemptSection.paused_at),
            paused_ms=AttemptSection.paused_ms + _milliseconds(now - AttemptSection.paused_at),
            paused_at=None,
        )
    )
    await audit.record(
        db,
        actor,
        "sitting.resume",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "resume"}))
    return sitting


def _milliseconds(interval: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("epoch", interval) * 1000, BigInteger)


async def start_sitting(
    db: AsyncSession, sitting_id: int, actor: Actor, now: datetime | None = None
) -> Sitting:
    """The proctor's start (or the schedule's, for a sitting set to start by itself): from now on
    each ready kiosk starts its first section's clock."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status != "open":
        raise WrongSittingState()
    sitting.status = "running"
    sitting.started_at, sitting.started_by = now or utcnow(), actor.name
    await audit.record(
        db,
        actor,
        "sitting.start",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"automatic": actor.kind == "system"},
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "start"}))
    return sitting


async def rotate_token(db: AsyncSession, sitting_id: int, actor: Actor, now: datetime) -> Sitting:
    """A new token; the previous one keeps working for a short grace (kiosks mid-login)."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status == "scheduled":
        raise WrongSittingState()
    sitting.previous_token, sitting.previous_token_valid_until = sitting.token, now + TOKEN_GRACE
    sitting.token, sitting.token_released_at = new_token(), now
    await audit.record(
        db,
        actor,
        "sitting.rotate_token",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "token"}))
    return sitting


async def terminate(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await _attempt_for_update(db, attempt_id)
    if attempt.status in CLOSED_STATUSES:
        raise AttemptAlreadyClosed()
    for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
        if section.status != "closed":
            clock.close_section(section, now, "terminated")
    attempt.close_note = reason[:500]
    await close_attempt(db, attempt, now, "terminated", "terminated")
    await audit.record(
        db,
        actor,
        "attempt.terminate",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
    )
    await _changed(db, attempt, "terminate")
    return attempt


async def _enrollment(db: AsyncSession, sitting_id: int, enrollment_id: int) -> Enrollment:
    enrollment = await db.get(Enrollment, enrollment_id, with_for_update=True)
    if enrollment is None or enrollment.sitting_id != sitting_id:
        raise EnrollmentNotFound()
    return enrollment


async def mark_absent(
    db: AsyncSession, sitting_id: int, enrollment_id: int, reason: str, actor: Actor
) -> Enrollment:
    enrollment = await _enrollment(db, sitting_id, enrollment_id)
    enrollment.attendance = "absent"
    await db.flush()
    await audit.record(
        db,
        actor,
        "enrollment.absent",
        target_type="enrollment",
        target_id=enrollment.id,
        reason=reason,
        sitting_id=sitting_id,
    )
    await publish(db, RoomEvent(sitting_id, "enrollment", data={"enrollment": enrollment.id}))
    return enrollment


async def move_seat(
    db: AsyncSession,
    sitting_id: int,
    enrollment_id: int,
    seat_id: int,
    reason: str,
    actor: Actor,
) -> Enrollment:
    from sqlalchemy import select

    from cact.rooms.models import Seat

    enrollment = await _enrollment(db, sitting_id, enrollment_id)
    sitting = await db.get(Sitting, sitting_id)
    seat = await db.get(Seat, seat_id)
    if seat is None or sitting is None or seat.room_id != sitting.room_id:
        raise SeatNotInRoom()
    taken = await db.scalar(
        select(Enrollment.id).where(
            Enrollment.sitting_id == sitting_id, Enrollment.seat_id == seat_id
        )
    )
    if taken is not None and taken != enrollment.id:
        raise SeatTaken()
    old_seat, enrollment.seat_id = enrollment.seat_id, seat_id
    await db.flush()
    await audit.record(
        db,
        actor,
        "enrollment.move_seat",
        target_type="enrollment",
        target_id=enrollment.id,
        reason=reason,
        sitting_id=sitting_id,
        details={"from_seat": old_seat, "to_seat": seat_id},
    )
    await publish(db, RoomEvent(sitting_id, "enrollment", data={"enrollment": enrollment.id}))
    return enrollment


class SeatNotInRoom(Conflict):
    code = "seat_not_in_room"
    message = "Kursi itu tidak ada di ruangan sesi ini. / No such seat in this sitting's room."


class SeatTaken(Conflict):
    code = "seat_taken"
    message = "Kursi itu sudah terisi. / That seat is taken."


async def incident(
    db: AsyncSession, sitting_id: int, note: str, actor: Actor, attempt_id: int | None = None
) -> None:
    """A line in the berita acara: what happened in the room, by whom, when."""
    await audit.record(
        db,
        actor,
        "sitting.incident",
        target_type="attempt" if attempt_id else "sitting",
        target_id=attempt_id or sitting_id,
        reason=note,
        sitting_id=sitting_id,
    )
    await publish(db, RoomEvent(sitting_id, "incident", attempt_id, {"note": note[:200]}))


async def close_sitting(
    db: AsyncSession, sitting_id: int, reason: str | None, actor: Actor, now: datetime
) -> tuple[Sitting, list[int]]:
    """Close every attempt still running; returns the ids of the attempts this closed."""
    from sqlalchemy import select

    sitting = await sitting_for_update(db, sitting_id)
    running = (
        await db.scalars(
            select(Attempt.id)
            .where(Attempt.sitting_id == sitting.id, Attempt.status == "in_progress")
            .order_by(Attempt.id)
        )
    ).all()
    closed: list[int] = []
    for attempt_id in running:
        attempt = await _attempt_for_update(db, attempt_id)
        if attempt.status != "in_progress":
            continue
        for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
            if section.status != "closed":
                clock.close_section(section, now, "sitting_closed")
        await close_attempt(db, attempt, now, "submitted", "sitting_closed", score=False)
        closed.append(attempt.id)
    sitting.status, sitting.closed_at = "closed", now
    await db.flush()
    await score_closed(db, closed, "sitting_closed")
    await audit.record(
        db,
        actor,
        "sitting.close",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
        details={"closed_attempts": closed},
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "close"}))
    return sitting, closed


def utcnow() -> datetime:
    return datetime.now(UTC)
