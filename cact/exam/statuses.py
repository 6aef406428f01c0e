"""The exam's states and the moves between them: one definition for Python, SQL and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class SittingStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    RUNNING = "running"
    PAUSED = "paused"
    CLOSED = "closed"


class AttemptStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class SectionStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class Attendance(StrEnum):
    REGISTERED = "registered"
    PRESENT = "present"
    ABSENT = "absent"


# An attempt in one of these takes no more answers.
CLOSED_ATTEMPT = frozenset(
    {AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED, AttemptStatus.TERMINATED}
)
# A participant can log in while the sitting is in one of these.
LOGIN_SITTING = frozenset({SittingStatus.OPEN, SittingStatus.RUNNING, SittingStatus.PAUSED})
# Seats move on the admin page until the test runs; after that a proctor moves them, audited.
SEATS_EDITABLE_SITTING = frozenset({SittingStatus.SCHEDULED, SittingStatus.OPEN})

SITTING_MOVES: dict[SittingStatus, frozenset[SittingStatus]] = {
    SittingStatus.SCHEDULED: frozenset({SittingStatus.OPEN}),
    SittingStatus.OPEN: frozenset(
        {SittingStatus.RUNNING, SittingStatus.PAUSED, SittingStatus.CLOSED}
    ),
    SittingStatus.RUNNING: frozenset({SittingStatus.PAUSED, SittingStatus.CLOSED}),
    SittingStatus.PAUSED: frozenset({SittingStatus.RUNNING, SittingStatus.CLOSED}),
    SittingStatus.CLOSED: frozenset(),
}
ATTEMPT_MOVES: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    AttemptStatus.NOT_STARTED: frozenset({AttemptStatus.IN_PROGRESS, AttemptStatus.TERMINATED}),
    AttemptStatus.IN_PROGRESS: CLOSED_ATTEMPT,
    AttemptStatus.SUBMITTED: frozenset(),
    AttemptStatus.EXPIRED: frozenset(),
    AttemptStatus.TERMINATED: frozenset(),
}


def sql_list(values: Iterable[StrEnum]) -> str:
    """``'a', 'b'`` for ``IN (…)`` in a raw statement or a check constraint, in a stable order."""
    return ", ".join(f"'{value.value}'" for value in sorted(values, key=_order))


def _order(value: StrEnum) -> int:
    return list(type(value)).index(value)


def known(enum: type[StrEnum]) -> str:
    """The check constraint that keeps a status column inside its enum."""
    return f"status IN ({sql_list(enum)})"
