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


@dataclass(frozen=True)
class SectionClock:
    """A section's clock columns read from a plain row (the kiosk's one-statement calls)."""

    status: str
    deadline_at: datetime | None
    paused_at: datetime | None
    time_limit_ms: int
    extra_ms: int

    @classmethod
    def of(cls, row: Any, status: str) -> SectionClock:
        return cls(
            status, row["deadline_at"], row["paused_at"], row["time_limit_ms"], row["extra_ms"]
        )


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
    deadline = effective_deadline(section, now)
    if section.status == SectionStatus.PENDING or deadline is None:
        return section.time_limit_ms + section.extra_ms
    return max(0, int((deadline - now) / timedelta(milliseconds=1)))


def open_section(section: AttemptSection, now: datetime) -> None:
    section.status = SectionStatus.OPEN
    section.started_at = now
    section.deadline_at = now + timedelta(milliseconds=section.time_limit_ms + section.extra_ms)


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
    if section.status == SectionStatus.OPEN and section.paused_at is None:
        section.paused_at = now


def resume_section(section: AttemptSection, now: datetime) -> None:
    """The deadline moves by the time the clock stood: every paused millisecond comes back."""
    if section.paused_at is not None and section.deadline_at is not None:
        paused = now - section.paused_at
        section.deadline_at += paused
        section.paused_ms += int(paused.total_seconds() * 1000)
        section.paused_at = None
