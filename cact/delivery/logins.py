"""The start herd's login: a few statements for the common case, the service for the rest.

When a whole lab logs in at once, nearly every login is the plain case: right number, right
token, no active session, attempt not closed. After the limiter's admission (one statement that
checks and counts the try), that case is one read (the participant's attempt, sitting token and
position), one guarded write (claim the attempt for this kiosk, audit; the dashboards hear of
it in the worker's next batch of touched attempts) and the limiter's give-back (the try was
right), each one statement on the kiosk pool. Every other
case — a refusal, a second kiosk, a lost race for the claim — returns None and the caller runs
``service.login``, the one place where refusals are decided and recorded. The checks here call
the service's own token and second-factor rules.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cact.audit.statements import participant_event
from cact.delivery import service
from cact.exam.events import Touches
from cact.exam.statuses import CLOSED_ATTEMPT, LOGIN_SITTING, sql_list
from cact.kit.ratelimit import Admission, RateLimiter

# $1 participant number
READ = f"""
WITH found AS (
    SELECT a.id AS attempt_id, a.sitting_id, a.status, a.kiosk_session_hash IS NOT NULL AS active,
           p.id AS participant_id, p.participant_no, p.name, p.birth_date, p.pin_hash,
           pos.name AS position, st.token, st.previous_token, st.previous_token_valid_until
    FROM participant p
    JOIN attempt a ON a.participant_id = p.id
    JOIN sitting st ON st.id = a.sitting_id
    LEFT JOIN position pos ON pos.id = p.position_id
    -- as typed, upper- or lower-case: each an index lookup (a login herd must not scan)
    WHERE p.participant_no IN (btrim($1::text), upper(btrim($1::text)), lower(btrim($1::text)))
      AND st.status IN ({sql_list(LOGIN_SITTING)})
    ORDER BY st.starts_at DESC
    LIMIT 1
)
SELECT found.* FROM (SELECT) AS one LEFT JOIN found ON true
"""

_AUDITED = participant_event(
    "claimed",
    actor_id="$5::bigint",
    actor_name="$6::text",
    action="attempt.login",
    target_type="attempt",
    target_id="claimed.id::text",
    sitting_id="claimed.sitting_id",
    ip="$4::text",
)

# $1 attempt, $2 new session hash, $3 now, $4 ip, $5 participant id, $6 participant number
# (the audit's actor name)
CLAIM = f"""
WITH claimed AS (
    UPDATE attempt
    SET kiosk_session_hash = $2::text, kiosk_session_started_at = $3::timestamptz,
        last_seen_at = $3::timestamptz, last_ip = $4::text, reset_requested_at = NULL
    WHERE id = $1::bigint AND kiosk_session_hash IS NULL
      AND status NOT IN ({sql_list(CLOSED_ATTEMPT)})
    RETURNING id, sitting_id
), audited AS ({_AUDITED}
)
SELECT (SELECT count(*) FROM claimed) AS claimed,
       (SELECT count(*) FROM audited) AS side_effects
"""


@dataclass(frozen=True)
class _Sitting:
    token: str | None
    previous_token: str | None
    previous_token_valid_until: datetime | None


@dataclass(frozen=True)
class _Participant:
    pin_hash: str | None
    birth_date: date | None


@dataclass(frozen=True)
class QuickLogin:
    token: str
    attempt_id: int
    participant_no: str
    name: str
    position: str | None


async def try_login(
    connection: Any,
    limiter: RateLimiter,
    admission: Admission,
    *,
    participant_no: str,
    token: str,
    secret: str | None,
    ip: str | None,
    now: datetime,
    browser: Callable[[int, int], None] | None = None,
    touches: Touches | None = None,
) -> QuickLogin | None:
    """The plain login of an admitted try, or None when the service must decide (and record)
    the outcome. ``browser(sitting_id, attempt_id)`` raises when the sitting's browser policy
    refuses this kiosk (before the token is looked at: the browser is the first thing to fix)."""
    row = await connection.fetchrow(READ, participant_no.strip())
    if row["attempt_id"] is not None and browser is not None:
        browser(int(row["sitting_id"]), int(row["attempt_id"]))
    if row["attempt_id"] is None or row["active"] or row["status"] in CLOSED_ATTEMPT:
        return None
    sitting = _Sitting(row["token"], row["previous_token"], row["previous_token_valid_until"])
    if not service.token_valid(sitting, token, now):
        return None
    if not await service.second_factor_ok(_Participant(row["pin_hash"], row["birth_date"]), secret):
        return None
    kiosk_token = secrets.token_urlsafe(32)
    claim = await connection.fetchrow(
        CLAIM,
        row["attempt_id"],
        service.session_hash(kiosk_token),
        now,
        ip,
        row["participant_id"],
        row["participant_no"],
    )
    if not claim["claimed"]:
        return None  # another kiosk or a proctor got there first: the service explains
    if touches is not None:  # the dashboards hear of it in the worker's next batch
        touches.add(row["sitting_id"], row["attempt_id"])
    await limiter.succeeded(connection, admission, now)
    return QuickLogin(
        kiosk_token, row["attempt_id"], row["participant_no"], row["name"], row["position"]
    )
