"""The exam's states and the moves between them: one definition for Python, SQL and the pages."""

from __future__ import annotations

from enum import StrEnum

from cact.kit.enums import known, sql_list

__all__ = ["known", "sql_list"]


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
# Closed by the participant or the clock: what the statistics count (terminated is left out).
FINISHED_ATTEMPT = frozenset({AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED})
# Still to be sat: a later wave can still assess these.
UNFINISHED_ATTEMPT = frozenset({AttemptStatus.NOT_STARTED, AttemptStatus.IN_PROGRESS})
# A participant can log in while the sitting is in one of these.
LOGIN_SITTING = frozenset({SittingStatus.OPEN, SittingStatus.RUNNING, SittingStatus.PAUSED})
# A participant's first section can start while the sitting is in one of these.
STARTABLE_SITTING = frozenset({SittingStatus.OPEN, SittingStatus.RUNNING})
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
