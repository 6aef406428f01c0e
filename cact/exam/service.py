"""The exam's shared rules: a sitting or attempt found (and locked) or refused with one error,
an attempt closed exactly once, and the room told about every change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam import clock
from cact.exam.events import RoomEvent, attempt_batches, publish
from cact.exam.models import Attempt, AttemptSection, Enrollment, Sitting
from cact.exam.repository import AttemptRepository, EnrollmentRepository, SittingRepository
from cact.exam.statuses import CLOSED_ATTEMPT, SectionStatus, SittingStatus
from cact.kit.errors import Conflict, InvalidInput, NotFound


class SittingNotFound(NotFound):
    code = "sitting_not_found"
    message = "Sesi tidak ditemukan. / Sitting not found."


class SittingClosed(Conflict):
    code = "sitting_closed"
    message = "Sesi sudah ditutup. / The sitting is closed."


class UnknownAttempt(NotFound):
    code = "unknown_attempt"
    message = "Ujian tidak ditemukan. / Attempt not found."


class AttemptClosed(Conflict):
    code = "attempt_closed"
    message = "Ujian sudah selesai. / The attempt is finished."


class RosterSittingLocked(Conflict):
    code = "roster_sitting_not_scheduled"
    message = (
        "Daftar peserta sesi hanya dapat diubah sebelum sesi dibuka. / "
        "A sitting's roster can only change before the sitting is opened."
    )


class EnrollmentNotFound(NotFound):
    code = "enrollment_not_found"
    message = "Peserta itu tidak ada di daftar sesi ini. / No such enrollment in this sitting."


class SeatNotInRoom(InvalidInput):
    code = "seat_not_in_room"
    message = "Kursi itu tidak ada di ruangan sesi ini. / No such seat in this sitting's room."


async def get_sitting(db: AsyncSession, sitting_id: int) -> Sitting:
    return await SittingRepository(db).get_or_raise(sitting_id, SittingNotFound)


async def sitting_for_update(db: AsyncSession, sitting_id: int) -> Sitting:
    return await SittingRepository(db).for_update_or_raise(sitting_id, SittingNotFound)


async def live_sitting_for_update(db: AsyncSession, sitting_id: int) -> Sitting:
    """The sitting locked for a change that a closed sitting no longer takes."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status == SittingStatus.CLOSED:
        raise SittingClosed()
    return sitting


async def roster_sitting_for_update(db: AsyncSession, sitting_id: int) -> Sitting:
    """The sitting locked for a roster change: only before it opens (a sitting being opened at
    this moment must not get half a roster)."""
    sitting = await sitting_for_update(db, sitting_id)
    if sitting.status != SittingStatus.SCHEDULED:
        raise RosterSittingLocked()
    return sitting


async def attempt_for_update(db: AsyncSession, attempt_id: int) -> Attempt:
    return await AttemptRepository(db).for_update_or_raise(attempt_id, UnknownAttempt)


async def open_attempt_for_update(db: AsyncSession, attempt_id: int) -> Attempt:
    """The attempt locked for a change that a closed attempt no longer takes."""
    attempt = await attempt_for_update(db, attempt_id)
    if attempt.status in CLOSED_ATTEMPT:
        raise AttemptClosed()
    return attempt


async def enrollment_for_update(
    db: AsyncSession, sitting_id: int, enrollment_id: int
) -> Enrollment:
    enrollment = await EnrollmentRepository(db).for_update(enrollment_id)
    if enrollment is None or enrollment.sitting_id != sitting_id:
        raise EnrollmentNotFound()
    return enrollment


def close_sections(sections: Iterable[AttemptSection], now: datetime, reason: str) -> None:
    for section in sections:
        if section.status != SectionStatus.CLOSED:
            clock.close_section(section, now, reason)


async def close_attempt(
    db: AsyncSession, attempt: Attempt, now: datetime, status: str, reason: str
) -> None:
    """Every close path ends here, under the attempt's row lock, exactly once per attempt;
    the caller scores it (``cact.scoring.closing``)."""
    attempt.status, attempt.closed_at, attempt.close_reason = status, now, reason
    attempt.paused = False
    await db.flush()
    await attempt_changed(db, attempt, "closed")


async def close_attempts(
    db: AsyncSession, closing: Sequence[tuple[Attempt, str]], now: datetime, reason: str
) -> None:
    """``close_attempt`` for a batch of (locked) attempts, each with its status: one flush and
    one event per room (the sweeper's deadline herd closes hundreds at once)."""
    for attempt, status in closing:
        attempt.status, attempt.closed_at, attempt.close_reason = status, now, reason
        attempt.paused = False
    await db.flush()
    await attempts_changed(db, [attempt for attempt, _ in closing], "closed")


class AttemptLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def sitting_id(self) -> int: ...


async def attempt_changed(db: AsyncSession, attempt: AttemptLike, what: str) -> None:
    await publish(db, RoomEvent(attempt.sitting_id, "attempt", attempt.id, {"what": what}))


async def attempts_changed(db: AsyncSession, attempts: Sequence[AttemptLike], what: str) -> None:
    """``attempt_changed`` for many attempts: one ``attempts`` event per room and batch."""
    by_sitting: dict[int, list[int]] = {}
    for attempt in attempts:
        by_sitting.setdefault(attempt.sitting_id, []).append(attempt.id)
    for event in attempt_batches(by_sitting, what):
        await publish(db, event)


async def sitting_changed(db: AsyncSession, sitting: Sitting, what: str, **details: Any) -> None:
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": what, **details}))
