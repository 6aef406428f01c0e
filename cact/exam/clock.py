"""Server-owned time: deadlines are stored; remaining time is computed here, never by a client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from cact.exam.models import AttemptSection
from cact.exam.statuses import SectionStatus


class SectionTimes(Protocol):
    """What the clock reads of a section: the ORM row, or the save path's lighter row."""

    @property
    def status(self) -> str: ...
    @property
    def deadline_at(self) -> datetime | None: ...
    @property
    def paused_at(self) -> datetime | None: ...
    @property
    def time_limit_ms(self) -> int: ...
    @property
    def extra_ms(self) -> int: ...
    @property
    def break_ends_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class SectionClock:
    """A section's clock columns read from a plain row (the kiosk's one-statement calls)."""

    status: str
    deadline_at: datetime | None
    paused_at: datetime | None
    time_limit_ms: int
    extra_ms: int
    break_ends_at: datetime | None = None

    @classmethod
    def of(cls, row: Any, status: str) -> SectionClock:
        return cls(
            status,
            row["deadline_at"],
            row["paused_at"],
            row["time_limit_ms"],
            row["extra_ms"],
            row.get("break_ends_at"),
        )


def _ms(delta: timedelta) -> int:
    return int(delta / timedelta(milliseconds=1))


def in_break(section: SectionTimes) -> bool:
    """The section waits for its break to end (or the participant's click) to start."""
    return section.status == SectionStatus.PENDING and section.break_ends_at is not None


def break_end(section: SectionTimes, now: datetime) -> datetime | None:
    """When the break before this section ends; a pause during the break moves it with the
    clock (paused time is given back)."""
    if not in_break(section):
        return None
    assert section.break_ends_at is not None
    if section.paused_at is not None:
        return section.break_ends_at + (now - section.paused_at)
    return section.break_ends_at


def break_remaining_ms(section: SectionTimes, now: datetime) -> int | None:
    """Milliseconds of break left before this section's clock starts by itself (None: no
    break is running before it)."""
    ends = break_end(section, now)
    return None if ends is None else max(0, _ms(ends - now))


def clock_start(section: SectionTimes, now: datetime) -> datetime:
    """A section leaving its break starts at the click or at the break's end, whichever was
    first: a sweep that comes late never gives time away or takes it."""
    ends = break_end(section, now)
    return now if ends is None else min(now, ends)


def effective_deadline(section: SectionTimes, now: datetime) -> datetime | None:
    """While a section is paused its deadline moves with the clock: paused time is not spent."""
    if section.deadline_at is None:
        return None
    if section.paused_at is not None:
        return section.deadline_at + (now - section.paused_at)
    return section.deadline_at


def remaining_ms(section: SectionTimes, now: datetime) -> int:
    if section.status == SectionStatus.CLOSED:
        return 0
    full = section.time_limit_ms + section.extra_ms
    if section.status == SectionStatus.PENDING:
        # Its break is over but no sweep has opened it yet: its clock has been running since.
        return max(0, full - _ms(now - clock_start(section, now)))
    deadline = effective_deadline(section, now)
    if deadline is None:
        return full
    return max(0, _ms(deadline - now))


def open_section(section: AttemptSection, now: datetime) -> None:
    """Start the section's clock (at the break's end if that came before ``now``)."""
    start = clock_start(section, now)
    section.status = SectionStatus.OPEN
    section.started_at = start
    section.deadline_at = start + timedelta(milliseconds=section.time_limit_ms + section.extra_ms)


def follow(section: AttemptSection, now: datetime) -> None:
    """The section before this one closed: its break begins, or with none its clock starts."""
    if section.break_ms > 0:
        section.break_ends_at = now + timedelta(milliseconds=section.break_ms)
    else:
        open_section(section, now)


def break_over(section: SectionTimes, now: datetime) -> bool:
    """The break ended and the clock stands still for nothing: the sweeper opens it."""
    ends = break_end(section, now)
    return ends is not None and section.paused_at is None and ends <= now


def close_section(section: AttemptSection, now: datetime, reason: str) -> None:
    section.status = SectionStatus.CLOSED
    section.closed_at = now
    section.close_reason = reason
    section.paused_at = None


def accepts_saves(section: SectionTimes, now: datetime, grace: timedelta) -> bool:
    deadline = effective_deadline(section, now)
    return section.status == SectionStatus.OPEN and deadline is not None and now <= deadline + grace


def overdue(section: SectionTimes, now: datetime, grace: timedelta) -> bool:
    deadline = effective_deadline(section, now)
    return section.status == SectionStatus.OPEN and deadline is not None and now > deadline + grace


def pause_section(section: AttemptSection, now: datetime) -> None:
    """A running clock stops; so does a running break (its end moves on resume)."""
    if section.paused_at is not None:
        return
    if section.status == SectionStatus.OPEN or in_break(section):
        section.paused_at = now


def resume_section(section: AttemptSection, now: datetime) -> None:
    """The deadline (or the break's end) moves by the time the clock stood: every paused
    millisecond comes back."""
    if section.paused_at is None:
        return
    paused = now - section.paused_at
    if section.deadline_at is not None:
        section.deadline_at += paused
        section.paused_ms += int(paused.total_seconds() * 1000)
    if in_break(section):
        assert section.break_ends_at is not None
        section.break_ends_at += paused
    section.paused_at = None
