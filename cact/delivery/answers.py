"""The kiosk's two frequent calls, answer save and heartbeat, as one SQL statement each.

Two thousand kiosks send about 250 saves and 130 heartbeats a second, so these calls skip the
ORM: one statement finds the attempt behind the kiosk token, checks the item and its section's
clock, upserts the answer by seq and appends it to the answer log — all in one round trip,
atomic because it is one statement. The dashboards hear of it from the worker's ``Touches``
(one notification per room every quarter second, not one per call: cact/exam/events.py). The
database decides whether the answer is written (``accepted``); Python only explains a refusal,
with the same clock rules (``clock.accepts_saves``) the statement applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cact.delivery.errors import (
    AttemptPaused,
    InvalidOption,
    KioskUnauthorized,
    NotYourAttempt,
    SectionClosed,
    SectionNotStarted,
    UnknownAttemptItem,
)
from cact.exam import clock
from cact.exam.service import AttemptClosed
from cact.exam.statuses import CLOSED_ATTEMPT, SectionStatus, sql_list

_KIOSK = """
    kiosk AS (
        SELECT a.id, a.sitting_id, a.status, (a.paused OR s.status = 'paused') AS paused
        FROM attempt a JOIN sitting s ON s.id = a.sitting_id
        WHERE a.kiosk_session_hash = $1::text
    )"""


# $1 token hash, $2 attempt_item id, $3 option id, $4 doubtful, $5 seq, $6 now, $7 ip, $8 grace
SAVE = f"""
WITH {_KIOSK},
    target AS (
        SELECT i.attempt_id, i.option_order, s.status, s.deadline_at, s.paused_at,
               s.time_limit_ms, s.extra_ms
        FROM attempt_item i JOIN attempt_section s ON s.id = i.attempt_section_id
        WHERE i.id = $2::bigint
    ),
    accepted AS (
        SELECT kiosk.id AS attempt_id, kiosk.sitting_id
        FROM kiosk JOIN target ON target.attempt_id = kiosk.id
        WHERE kiosk.status NOT IN ({sql_list(CLOSED_ATTEMPT)})
          AND NOT kiosk.paused
          AND target.status = 'open'
          AND target.deadline_at IS NOT NULL
          AND $6::timestamptz
              <= target.deadline_at + COALESCE($6::timestamptz - target.paused_at, interval '0')
                 + $8::interval
          AND ($3::bigint IS NULL OR $3::bigint = ANY (target.option_order))
    ),
    saved AS (
        INSERT INTO response (attempt_item_id, attempt_id, option_id, doubtful, seq, saved_at,
                              first_answered_at, change_count)
        SELECT $2::bigint, attempt_id, $3::bigint, $4::boolean, $5::bigint, $6::timestamptz,
               CASE WHEN $3::bigint IS NULL THEN NULL ELSE $6::timestamptz END,
               CASE WHEN $3::bigint IS NULL THEN 0 ELSE 1 END
        FROM accepted
        ON CONFLICT (attempt_item_id) DO UPDATE SET
            option_id = EXCLUDED.option_id,
            doubtful = EXCLUDED.doubtful,
            seq = EXCLUDED.seq,
            saved_at = EXCLUDED.saved_at,
            -- a change of the chosen option; the same option again or ragu-ragu alone is not
            change_count = response.change_count
                + CASE WHEN response.option_id IS DISTINCT FROM EXCLUDED.option_id
                       THEN 1 ELSE 0 END,
            first_answered_at = COALESCE(response.first_answered_at, EXCLUDED.first_answered_at)
        WHERE response.seq < EXCLUDED.seq
        RETURNING seq
    ),
    logged AS (
        INSERT INTO answer_log (attempt_id, attempt_item_id, option_id, doubtful, seq,
                                received_at, ip)
        SELECT accepted.attempt_id, $2::bigint, $3::bigint, $4::boolean, $5::bigint,
               $6::timestamptz, $7::text
        FROM saved, accepted
        RETURNING 1
    )
SELECT kiosk.id AS kiosk_attempt, kiosk.sitting_id, kiosk.status AS attempt_status, kiosk.paused,
       target.attempt_id AS item_attempt, target.option_order, target.status,
       target.deadline_at, target.paused_at, target.time_limit_ms, target.extra_ms,
       (SELECT count(*) FROM accepted) = 1 AS accepted,
       (SELECT seq FROM saved) AS applied_seq,
       (SELECT seq FROM response WHERE attempt_item_id = $2) AS stored_seq,
       (SELECT count(*) FROM logged) AS side_effects
FROM (SELECT) AS one LEFT JOIN kiosk ON true LEFT JOIN target ON true
"""

# $1 token hash, $2 now, $3 ip
HEARTBEAT = f"""
WITH {_KIOSK},
    touched AS (
        UPDATE attempt SET last_seen_at = $2::timestamptz, last_ip = $3::text
        WHERE id = (SELECT id FROM kiosk)
        RETURNING id
    ),
    current AS (
        -- the open section, or the one waiting behind a break
        SELECT id, status, deadline_at, paused_at, time_limit_ms, extra_ms, break_ends_at
        FROM attempt_section
        WHERE attempt_id = (SELECT id FROM kiosk)
          AND (status = 'open' OR (status = 'pending' AND break_ends_at IS NOT NULL))
        ORDER BY position
        LIMIT 1
    )
SELECT kiosk.id AS attempt_id, kiosk.sitting_id, kiosk.status AS attempt_status, kiosk.paused,
       current.id AS section_id, current.status, current.deadline_at, current.paused_at,
       current.time_limit_ms, current.extra_ms, current.break_ends_at,
       (SELECT count(*) FROM touched) AS side_effects
FROM (SELECT) AS one LEFT JOIN kiosk ON true LEFT JOIN current ON true
"""


@dataclass(frozen=True)
class Saved:
    sitting_id: int
    attempt_id: int
    applied: bool
    stored_seq: int
    remaining_ms: int
    paused: bool


@dataclass(frozen=True)
class Beat:
    sitting_id: int
    attempt_id: int
    status: str
    paused: bool
    current_section_id: int | None
    remaining_ms: int | None
    break_remaining_ms: int | None


async def save(
    connection: Any,
    token_hash: str,
    attempt_item_id: int,
    *,
    option_id: int | None,
    doubtful: bool,
    seq: int,
    now: datetime,
    grace: timedelta,
    ip: str | None,
) -> Saved:
    """Apply the answer when its seq is higher than the stored one (else ``applied=False``
    and nothing changes); raise the kiosk protocol's error when it may not be saved at all."""
    row = await connection.fetchrow(
        SAVE, token_hash, attempt_item_id, option_id, doubtful, seq, now, ip, grace
    )
    if row["kiosk_attempt"] is None:
        raise KioskUnauthorized()
    if not row["accepted"]:
        raise _refusal(row, option_id, now, grace)
    section = _clock(row)
    applied = row["applied_seq"] is not None
    return Saved(
        sitting_id=row["sitting_id"],
        attempt_id=row["kiosk_attempt"],
        applied=applied,
        stored_seq=int(row["applied_seq"] if applied else row["stored_seq"] or 0),
        remaining_ms=clock.remaining_ms(section, now),
        paused=bool(row["paused"]),
    )


def _clock(row: Any) -> clock.SectionClock:
    return clock.SectionClock.of(row, row["status"])


def _refusal(row: Any, option_id: int | None, now: datetime, grace: timedelta) -> Exception:
    """Why the statement did not accept the answer, in the order the protocol documents."""
    if row["item_attempt"] is None:
        return UnknownAttemptItem()
    if row["item_attempt"] != row["kiosk_attempt"]:
        return NotYourAttempt()
    if row["attempt_status"] in CLOSED_ATTEMPT:
        return AttemptClosed()
    if row["paused"]:
        return AttemptPaused()
    section = _clock(row)
    if not clock.accepts_saves(section, now, grace):
        return SectionNotStarted() if section.status == SectionStatus.PENDING else SectionClosed()
    if option_id is not None and option_id not in row["option_order"]:
        return InvalidOption()
    return SectionClosed()  # not reached: the statement and clock.accepts_saves agree


async def heartbeat(connection: Any, token_hash: str, now: datetime, ip: str | None) -> Beat:
    """Record that the kiosk is alive (the dashboard's heartbeat age) and tell it the attempt's
    state: status, pause, the open section (or the one behind a break) and its time left, and
    the break's time left."""
    row = await connection.fetchrow(HEARTBEAT, token_hash, now, ip)
    if row["attempt_id"] is None:
        raise KioskUnauthorized()
    ids = row["sitting_id"], row["attempt_id"]
    if row["section_id"] is None:
        return Beat(*ids, row["attempt_status"], bool(row["paused"]), None, None, None)
    section = _clock(row)
    return Beat(
        *ids,
        status=row["attempt_status"],
        paused=bool(row["paused"]),
        current_section_id=row["section_id"],
        remaining_ms=clock.remaining_ms(section, now),
        break_remaining_ms=clock.break_remaining_ms(section, now),
    )
