"""What a proctor does to a room: every action audited with its reason, every change published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam import clock
from cact.exam import service as exam
from cact.exam.events import RoomEvent, publish
from cact.exam.models import Attempt, Enrollment, Sitting
from cact.exam.repository import AttemptRepository, EnrollmentRepository, SectionRepository
from cact.exam.statuses import AttemptStatus, Attendance, SectionStatus, SittingStatus
from cact.exam.tokens import kiosk_participant_prefix, new_token
from cact.kit.errors import Conflict
from cact.kit.ratelimit import RateLimiter
from cact.participants.repository import ParticipantRepository
from cact.rooms.repository import SeatRepository
from cact.scoring.closing import close_and_score, score_closed

TOKEN_GRACE = timedelta(minutes=2)
# A room resume names at most this many attempts that stay paused (NOTIFY payloads are < 8 kB).
STILL_PAUSED_NAMED = 400


class WrongSittingState(Conflict):
    code = "wrong_sitting_state"
    message = "Tindakan ini tidak berlaku untuk status sesi sekarang. / Not in this sitting state."


async def extra_time(
    db: AsyncSession, attempt_id: int, minutes: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    """Added to the section running now (or the first one, before the start)."""
    attempt = await exam.open_attempt_for_update(db, attempt_id)
    sections = await SectionRepository(db).of_attempt(attempt.id, lock=True)
    target = next((s for s in sections if s.status == SectionStatus.OPEN), None) or next(
        s for s in sections if s.status == SectionStatus.PENDING
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
    await exam.attempt_changed(db, attempt, "extra_time")
    return attempt


async def pause_attempt(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await exam.open_attempt_for_update(db, attempt_id)
    attempt.paused = True
    for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
        clock.pause_section(section, now)
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
    await exam.attempt_changed(db, attempt, "pause")
    return attempt


async def resume_attempt(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await exam.attempt_for_update(db, attempt_id)
    attempt.paused = False
    sitting = await exam.get_sitting(db, attempt.sitting_id)
    if sitting.status != SittingStatus.PAUSED:
        for section in await SectionRepository(db).of_attempt(attempt.id, lock=True):
            clock.resume_section(section, now)
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
    await exam.attempt_changed(db, attempt, "resume")
    return attempt


async def pause_sitting(
    db: AsyncSession, sitting_id: int, reason: str, actor: Actor, now: datetime
) -> Sitting:
    """Every running section of the room stops its clock, in one statement."""
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    if sitting.status not in (SittingStatus.OPEN, SittingStatus.RUNNING):
        raise WrongSittingState()
    sitting.status, sitting.paused_at = SittingStatus.PAUSED, now
    await SectionRepository(db).pause_running(sitting.id, now)
    await audit.record(
        db,
        actor,
        "sitting.pause",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
    )
    await exam.sitting_changed(db, sitting, "pause")
    return sitting


async def resume_sitting(
    db: AsyncSession, sitting_id: int, reason: str, actor: Actor, now: datetime
) -> Sitting:
    """Every paused clock moves its deadline by the time it stood, except attempts a proctor
    paused one by one: they stay paused."""
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    if sitting.status != SittingStatus.PAUSED:
        raise WrongSittingState()
    # Resuming never starts a sitting: one paused before its start goes back to waiting.
    started = sitting.started_at is not None
    sitting.status = SittingStatus.RUNNING if started else SittingStatus.OPEN
    sitting.paused_at = None
    await SectionRepository(db).resume_paused(sitting.id, now)
    # The push tells each kiosk its state at once; NOTIFY's payload bounds how many ids it names.
    still_paused = await AttemptRepository(db).paused_one_by_one(sitting.id, STILL_PAUSED_NAMED)
    await audit.record(
        db,
        actor,
        "sitting.resume",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
    )
    if still_paused is None:
        await exam.sitting_changed(db, sitting, "resume")
    else:
        await exam.sitting_changed(db, sitting, "resume", still_paused=still_paused)
    return sitting


async def start_sitting(
    db: AsyncSession, sitting_id: int, actor: Actor, now: datetime | None = None
) -> Sitting:
    """The proctor's start (or the schedule's, for a sitting set to start by itself): from now on
    each ready kiosk starts its first section's clock."""
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    if sitting.status != SittingStatus.OPEN:
        raise WrongSittingState()
    sitting.status = SittingStatus.RUNNING
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
    await exam.sitting_changed(db, sitting, "start")
    return sitting


async def rotate_token(db: AsyncSession, sitting_id: int, actor: Actor, now: datetime) -> Sitting:
    """A new token; the previous one keeps working for a short grace (kiosks mid-login)."""
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    if sitting.status == SittingStatus.SCHEDULED:
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
    await exam.sitting_changed(db, sitting, "token")
    return sitting


async def terminate(
    db: AsyncSession, attempt_id: int, reason: str, actor: Actor, now: datetime
) -> Attempt:
    attempt = await exam.open_attempt_for_update(db, attempt_id)
    exam.close_sections(
        await SectionRepository(db).of_attempt(attempt.id, lock=True), now, "terminated"
    )
    attempt.close_note = reason[:500]
    await close_and_score(db, attempt, now, AttemptStatus.TERMINATED, "terminated")
    await audit.record(
        db,
        actor,
        "attempt.terminate",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
    )
    await exam.attempt_changed(db, attempt, "terminate")
    return attempt


async def reset_login(db: AsyncSession, attempt_id: int, reason: str, actor: Actor) -> Attempt:
    """The proctor's reset: the old kiosk token stops working; the participant logs in again."""
    attempt = await exam.attempt_for_update(db, attempt_id)
    attempt.kiosk_session_hash = None
    attempt.reset_requested_at = None
    participant = await ParticipantRepository(db).get(attempt.participant_id)
    if participant is not None:  # the reset also lifts the participant's login block
        await RateLimiter.clear_prefix(db, kiosk_participant_prefix(participant.participant_no))
    await db.flush()
    await audit.record(
        db,
        actor,
        "attempt.reset_login",
        target_type="attempt",
        target_id=attempt.id,
        reason=reason,
        sitting_id=attempt.sitting_id,
    )
    await exam.attempt_changed(db, attempt, "reset")
    return attempt


async def mark_absent(
    db: AsyncSession, sitting_id: int, enrollment_id: int, reason: str, actor: Actor
) -> Enrollment:
    enrollment = await exam.enrollment_for_update(db, sitting_id, enrollment_id)
    enrollment.attendance = Attendance.ABSENT
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
    enrollment = await exam.enrollment_for_update(db, sitting_id, enrollment_id)
    sitting = await exam.get_sitting(db, sitting_id)
    seat = await SeatRepository(db).get(seat_id)
    if seat is None or seat.room_id != sitting.room_id:
        raise exam.SeatNotInRoom()
    taken = await EnrollmentRepository(db).on_seat(sitting_id, seat_id)
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
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    running = await AttemptRepository(db).in_progress_ids(sitting.id)
    closed: list[int] = []
    for attempt_id in running:
        attempt = await exam.attempt_for_update(db, attempt_id)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            continue
        sections = await SectionRepository(db).of_attempt(attempt.id, lock=True)
        exam.close_sections(sections, now, "sitting_closed")
        await close_and_score(
            db, attempt, now, AttemptStatus.SUBMITTED, "sitting_closed", score=False
        )
        closed.append(attempt.id)
    sitting.status, sitting.closed_at = SittingStatus.CLOSED, now
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
    await exam.sitting_changed(db, sitting, "close")
    return sitting, closed


def utcnow() -> datetime:
    return datetime.now(UTC)
