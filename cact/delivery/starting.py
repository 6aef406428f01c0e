"""Starting an attempt and moving to the next section: one statement each (start herd, and
the wave of submits when a whole room finishes a section at about the same time).

Between sections the same call is the participant's click that ends a break: the next section
(pending, with ``break_ends_at``) opens with its clock started at the click or at the break's end,
whichever came first. Outside a break it changes nothing for a started attempt.

Start locks the attempt behind the kiosk token, and only when the attempt has not started and the
proctor has started the sitting (it is running: the start belongs to the proctor): marks it in
progress, opens the first section with its deadline
(``clock.open_section``'s rule: now + time limit + extra time; a clock paused by the proctor
before the start waits too), audits and tells the dashboard. A repeated start (a retried
request, a reload) changes nothing, and two racing starts open the section once: the second
waits for the first's lock and then finds the attempt started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cact.audit.statements import participant_event
from cact.delivery.errors import (
    AttemptPaused,
    KioskUnauthorized,
    SittingNotRunning,
    SittingNotStarted,
)
from cact.exam.events import Touches, attempt_notify
from cact.exam.service import AttemptClosed
from cact.exam.statuses import CLOSED_ATTEMPT, AttemptStatus, SittingStatus

_STARTED_AUDIT = participant_event(
    "started",
    actor_id="started.participant_id",
    actor_name="'attempt ' || started.id",
    action="attempt.start",
    target_type="attempt",
    target_id="started.id::text",
    sitting_id="started.sitting_id",
    ip="started.last_ip",
)

_RESUMED_AUDIT = participant_event(
    "resumed",
    actor_id="resumed.participant_id",
    actor_name="'attempt ' || resumed.attempt_id",
    action="section.start",
    target_type="attempt_section",
    target_id="resumed.id::text",
    sitting_id="resumed.sitting_id",
    ip="resumed.last_ip",
)
_RESUMED_NOTIFY = attempt_notify(
    "resumed", sitting_id="resumed.sitting_id", attempt_id="resumed.attempt_id", what="section"
)

_KIOSK = f"""
    SELECT a.id, a.status, st.status AS sitting_status, a.sitting_id, a.participant_id,
           a.last_ip, (a.paused OR st.status = '{SittingStatus.PAUSED}') AS paused
    FROM attempt a JOIN sitting st ON st.id = a.sitting_id
    WHERE a.kiosk_session_hash = $1::text
    FOR UPDATE OF a"""

# The click during a break starts the next clock (at the break's end if that came first);
# $2 now, $3 the section asked for (NULL: whichever waits).
_AFTER_BREAK = f"""
waiting AS (
    SELECT s.id, s.break_ends_at
    FROM attempt_section s JOIN kiosk ON kiosk.id = s.attempt_id
    WHERE kiosk.status = 'in_progress' AND NOT kiosk.paused
      AND s.status = 'pending' AND s.break_ends_at IS NOT NULL
      AND ($3::bigint IS NULL OR s.id = $3::bigint)
    FOR UPDATE OF s
), resumed AS (
    UPDATE attempt_section s
    SET status = 'open', started_at = least($2::timestamptz, waiting.break_ends_at),
        deadline_at = least($2::timestamptz, waiting.break_ends_at)
            + (s.time_limit_ms + s.extra_ms) * interval '1 millisecond'
    FROM waiting, kiosk
    WHERE s.id = waiting.id
    RETURNING s.id, kiosk.id AS attempt_id, kiosk.sitting_id, kiosk.participant_id,
              kiosk.last_ip
), resumed_audited AS ({_RESUMED_AUDIT}
), resumed_notified AS ({_RESUMED_NOTIFY}
)"""

# $1 token hash, $2 now, $3 the section asked for (NULL: whichever is next)
START = f"""
WITH kiosk AS ({_KIOSK}
), {_AFTER_BREAK}, started AS (
    UPDATE attempt SET status = 'in_progress', started_at = $2::timestamptz
    FROM kiosk
    WHERE attempt.id = kiosk.id AND kiosk.status = 'not_started'
      AND kiosk.sitting_status = '{SittingStatus.RUNNING}'
    RETURNING attempt.id, attempt.sitting_id, attempt.paused, attempt.participant_id,
              attempt.last_ip
), opened AS (
    UPDATE attempt_section s
    SET status = 'open', started_at = $2::timestamptz,
        deadline_at = $2::timestamptz + (s.time_limit_ms + s.extra_ms) * interval '1 millisecond',
        paused_at = CASE WHEN started.paused THEN $2::timestamptz END
    FROM started
    WHERE s.attempt_id = started.id
      AND s.position = (SELECT min(position) FROM attempt_section WHERE attempt_id = started.id)
    RETURNING s.id
), audited AS ({_STARTED_AUDIT}
)
SELECT kiosk.id, kiosk.sitting_id, kiosk.status, kiosk.sitting_status, kiosk.paused,
       (SELECT count(*) FROM resumed) AS resumed,
       (SELECT count(*) FROM started) AS started,
       (SELECT count(*) FROM opened) + (SELECT count(*) FROM audited)
           + (SELECT count(*) FROM resumed_audited)
           + (SELECT count(*) FROM resumed_notified) AS side_effects
FROM (SELECT) AS one LEFT JOIN kiosk ON true
"""


def _not_running(sitting_status: str) -> Exception:
    """Why a ready participant may not start yet: wait for the proctor, or the room's pause."""
    if sitting_status == "open":
        return SittingNotStarted()
    if sitting_status == "paused":
        return AttemptPaused()
    return SittingNotRunning()


# $1 token hash, $2 now, $3 section id: GET /sections/{id} of the section behind a break.
END_BREAK = f"""
WITH kiosk AS ({_KIOSK}
), {_AFTER_BREAK}
SELECT (SELECT count(*) FROM resumed) AS resumed,
       (SELECT count(*) FROM resumed_audited) + (SELECT count(*) FROM resumed_notified)
           AS side_effects
"""


async def end_break(connection: Any, token_hash: str, now: datetime, section_id: int) -> bool:
    """Asking for the section that waits behind a break starts it; True when it did."""
    row = await connection.fetchrow(END_BREAK, token_hash, now, section_id)
    return bool(row["resumed"])


async def start(
    connection: Any, token_hash: str, now: datetime, touches: Touches | None = None
) -> int:
    """Start the attempt (or find it started); during a break between sections, start the next
    section (the participant's click). Returns the attempt's id. The dashboards hear of a
    start from ``touches`` (in the worker's next batch: cact/exam/events.py)."""
    row = await connection.fetchrow(START, token_hash, now, None)
    if row["id"] is None:
        raise KioskUnauthorized()
    if row["started"] and touches is not None:
        touches.add(row["sitting_id"], row["id"])
    if (
        row["status"] == AttemptStatus.NOT_STARTED
        and row["sitting_status"] != SittingStatus.RUNNING
    ):
        raise _not_running(row["sitting_status"])
    if row["status"] in CLOSED_ATTEMPT:
        raise AttemptClosed()
    return int(row["id"])


# $1 token hash, $2 section id, $3 now: the plain submit of a section that is not the last.
# Anything else (the last section closes the attempt and scores it; a closed or foreign
# section; a paused or closed attempt) advances nothing here and goes to service.submit_section.
_SUBMITTED_AUDIT = participant_event(
    "go",
    actor_id="go.participant_id",
    actor_name="'attempt ' || go.attempt_id",
    action="section.submit",
    target_type="attempt_section",
    target_id="go.section_id::text",
    sitting_id="go.sitting_id",
    ip="go.last_ip",
)
_SUBMITTED_NOTIFY = attempt_notify(
    "go", sitting_id="go.sitting_id", attempt_id="go.attempt_id", what="section"
)
SUBMIT = f"""
WITH kiosk AS (
    SELECT a.id, a.status, a.paused OR st.status = 'paused' AS paused, a.sitting_id,
           a.participant_id, a.last_ip
    FROM attempt a JOIN sitting st ON st.id = a.sitting_id
    WHERE a.kiosk_session_hash = $1::text
    FOR UPDATE OF a
), target AS (
    SELECT s.id, s.attempt_id, s.status, s.position
    FROM attempt_section s JOIN kiosk ON kiosk.id = s.attempt_id
    WHERE s.id = $2::bigint
    FOR UPDATE OF s
), following AS (
    SELECT n.id
    FROM attempt_section n JOIN target ON n.attempt_id = target.attempt_id
    WHERE n.position > target.position AND n.status = 'pending'
    ORDER BY n.position
    LIMIT 1
    FOR UPDATE OF n
), go AS (
    SELECT target.id AS section_id, following.id AS next_id, kiosk.id AS attempt_id,
           kiosk.sitting_id, kiosk.participant_id, kiosk.last_ip
    FROM kiosk JOIN target ON true JOIN following ON true
    WHERE kiosk.status = 'in_progress' AND NOT kiosk.paused AND target.status = 'open'
), closed AS (
    UPDATE attempt_section s
    SET status = 'closed', closed_at = $3::timestamptz, close_reason = 'submitted',
        paused_at = NULL
    FROM go
    WHERE s.id = go.section_id
    RETURNING s.id
), opened AS (
    -- clock.follow's rule: with a break the next section waits for its end (or a click).
    UPDATE attempt_section s
    SET status = CASE WHEN s.break_ms > 0 THEN 'pending' ELSE 'open' END,
        started_at = CASE WHEN s.break_ms > 0 THEN NULL ELSE $3::timestamptz END,
        deadline_at = CASE WHEN s.break_ms > 0 THEN NULL
            ELSE $3::timestamptz + (s.time_limit_ms + s.extra_ms) * interval '1 millisecond' END,
        break_ends_at = CASE WHEN s.break_ms > 0
            THEN $3::timestamptz + s.break_ms * interval '1 millisecond' END
    FROM go
    WHERE s.id = go.next_id
    RETURNING s.id
), audited AS ({_SUBMITTED_AUDIT}
), notified AS ({_SUBMITTED_NOTIFY}
)
SELECT (SELECT id FROM kiosk) AS attempt_id,
       (SELECT count(*) FROM closed) + (SELECT count(*) FROM opened) AS changed,
       (SELECT count(*) FROM audited) + (SELECT count(*) FROM notified) AS side_effects
"""


async def submit_plain(
    connection: Any, token_hash: str, section_id: int, now: datetime
) -> int | None:
    """Close the open section and begin the next one's break (or open it); returns the attempt
    id, or None when this is not the plain case (the service decides and explains those)."""
    row = await connection.fetchrow(SUBMIT, token_hash, section_id, now)
    if row["attempt_id"] is None:
        raise KioskUnauthorized()
    return int(row["attempt_id"]) if row["changed"] == 2 else None
