"""Login throttling in PostgreSQL that cannot be turned against users.

Every try is counted per (address, account) and per address, never per account alone, so wrong
tries from elsewhere cannot keep anyone out of their own workstation. A key gives a free
allowance of failures; each failure beyond it makes the wait twice as long (``backoff_base``,
doubling, at most ``backoff_max``); a key forgets after ``window`` quiet seconds. Nothing is
ever locked for good.

The check and the count are one statement (``admit``): each try reserves a failure on every key
under the row's lock before the credentials are looked at, so a hundred parallel tries see one
another and no more than the allowance is ever checked. A try that turns out right gives its
reservation back (``succeeded``). The table is UNLOGGED: these counters need no WAL (a crash or
a failover forgets them, which only forgives), so a lab's shared address row is held for
microseconds, not for a disk flush.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base

Connection = Any  # an asyncpg connection (or a pool's proxy of one)


class RateLimitBucket(Base):
    __tablename__ = "rate_limit_bucket"
    __table_args__ = (Index("ix_rate_limit_bucket_account", "account"), {"prefixes": ["UNLOGGED"]})

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # "kiosk:<PARTICIPANT NO>" or "staff:<username>"; null for a whole address's key.
    account: Mapped[str | None] = mapped_column(String(200))
    window_started_at: Mapped[datetime]
    # Tries counted: failures and tries refused while waiting (what the dashboard shows).
    count: Mapped[int] = mapped_column(default=0)
    # Failures checked: what the back-off grows with.
    strikes: Mapped[int] = mapped_column(default=0)
    allowance: Mapped[int] = mapped_column(default=1)
    last_try_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]
    admitted: Mapped[bool] = mapped_column(default=True)  # the verdict of the latest try


ADDRESS_FACTOR = 20  # a whole address (a lab behind one NAT) gets 20 times the allowance
MAX_DOUBLINGS = 30

# $1 keys, $2 accounts, $3 allowances, $4 now, $5 base seconds, $6 cap seconds, $7 window seconds
_DELAY = "LEAST($6::float8, $5::float8 * power(2, LEAST({strikes} - {allowance}, {doublings})))"
_BLOCK = (
    "CASE WHEN {strikes} >= {allowance} THEN $4::timestamptz + make_interval(secs => "
    + _DELAY
    + ") END"
)
_STALE = (
    "GREATEST(b.blocked_until, b.last_try_at, b.window_started_at)"
    " + make_interval(secs => $7::float8) <= $4::timestamptz"
)
_WAITING = f"(NOT ({_STALE}) AND coalesce(b.blocked_until > $4::timestamptz, false))"

_ADMIT = f"""
INSERT INTO rate_limit_bucket AS b
    (key, account, allowance, window_started_at, count, strikes, last_try_at, blocked_until,
     admitted)
SELECT w.key, w.account, w.allowance, $4::timestamptz, 1, 1, $4::timestamptz,
       {_BLOCK.format(strikes="1", allowance="w.allowance", doublings=MAX_DOUBLINGS)}, true
FROM unnest($1::text[], $2::text[], $3::int[]) AS w(key, account, allowance)
ORDER BY w.key
ON CONFLICT (key) DO UPDATE SET
    allowance = EXCLUDED.allowance,
    account = EXCLUDED.account,
    count = CASE WHEN {_STALE} THEN 1 ELSE b.count + 1 END,
    window_started_at = CASE WHEN {_STALE} THEN $4::timestamptz ELSE b.window_started_at END,
    strikes = CASE WHEN {_STALE} THEN 1 WHEN {_WAITING} THEN b.strikes ELSE b.strikes + 1 END,
    blocked_until = CASE
        WHEN {_STALE} THEN {_BLOCK.format(strikes="1", allowance="EXCLUDED.allowance", doublings=MAX_DOUBLINGS)}
        WHEN {_WAITING} THEN b.blocked_until
        ELSE {_BLOCK.format(strikes="(b.strikes + 1)", allowance="EXCLUDED.allowance", doublings=MAX_DOUBLINGS)}
    END,
    admitted = NOT {_WAITING},
    last_try_at = $4::timestamptz
RETURNING key, admitted, blocked_until
"""  # noqa: E501

_GIVE_BACK_SET = """
    strikes = GREATEST(strikes - 1, 0),
    blocked_until = CASE WHEN strikes - 1 >= allowance THEN LEAST(blocked_until, {now}) END"""

# $1 keys, $2 now: reservations of a try refused on another key (its count stays)
_GIVE_BACK = f"""
UPDATE rate_limit_bucket SET {_GIVE_BACK_SET.format(now="$2::timestamptz")}
WHERE key = ANY($1::text[])
"""

# $1 keys to forget (the account at this address proved itself), $2 keys to give a right try
# back (count and reservation), $3 now
_SUCCEEDED = f"""
WITH forgotten AS (
    DELETE FROM rate_limit_bucket WHERE key = ANY($1::text[]) RETURNING 1
), given_back AS (
    UPDATE rate_limit_bucket
    SET count = GREATEST(count - 1, 0), {_GIVE_BACK_SET.format(now="$3::timestamptz")}
    WHERE key = ANY($2::text[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM forgotten) + (SELECT count(*) FROM given_back) AS touched
"""


@dataclass(frozen=True)
class Key:
    key: str
    account: str | None  # None: the whole address's key

    def allowance(self, limiter: RateLimiter) -> int:
        return limiter.limit if self.account is not None else limiter.limit * ADDRESS_FACTOR


@dataclass(frozen=True)
class Admission:
    """The verdict on one try: checked (``admitted``) or refused for ``retry_after`` seconds."""

    keys: tuple[Key, ...]
    admitted: bool
    retry_after: int | None


def account_key(namespace: str, account: str, ip: str | None) -> Key:
    """An account at one address, e.g. ("kiosk", "DEMO-001", "10.0.0.5")."""
    name = f"{namespace}:{account}"
    return Key(f"{namespace}-login:acct:{account}:at:{ip or 'unknown'}", name)


def address_key(namespace: str, ip: str | None) -> Key:
    return Key(f"{namespace}-login:ip:{ip or 'unknown'}", None)


class RateLimiter:
    def __init__(
        self,
        *,
        limit: int,
        window_seconds: int,
        backoff_base_seconds: float = 2.0,
        backoff_max_seconds: float = 300.0,
    ) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)
        self.base = backoff_base_seconds
        self.cap = backoff_max_seconds

    def delay_seconds(self, strikes: int, allowance: int) -> float | None:
        """The wait after ``strikes`` failures on a key with this free allowance."""
        if strikes < allowance:
            return None
        return float(min(self.cap, self.base * 2 ** min(strikes - allowance, MAX_DOUBLINGS)))

    async def admit(
        self, connection: Connection, keys: tuple[Key, ...], now: datetime
    ) -> Admission:
        """Check and count one try on every key, in one statement."""
        rows = await connection.fetch(
            _ADMIT,
            [k.key for k in keys],
            [k.account for k in keys],
            [k.allowance(self) for k in keys],
            now,
            self.base,
            self.cap,
            self.window.total_seconds(),
        )
        refused = [r for r in rows if not r["admitted"]]
        if not refused:
            return Admission(keys, True, None)
        # Refused on one key: a reservation made on another is given back (the try is counted,
        # it was never checked).
        reserved = [r["key"] for r in rows if r["admitted"]]
        if reserved:
            await connection.execute(_GIVE_BACK, reserved, now)
        wait = max((r["blocked_until"] - now).total_seconds() for r in refused)
        return Admission(keys, False, max(1, math.ceil(wait)))

    async def succeeded(self, connection: Connection, admission: Admission, now: datetime) -> None:
        """The try was right: its account at this address starts afresh, the address gets its
        reservation back."""
        if not admission.admitted:
            return
        accounts = [k.key for k in admission.keys if k.account is not None]
        addresses = [k.key for k in admission.keys if k.account is None]
        await connection.fetchrow(_SUCCEEDED, accounts, addresses, now)

    async def forget_stale(self, db: AsyncSession, now: datetime) -> int:
        """Delete keys quiet for longer than the window after their last wait (they would start
        afresh anyway): the table holds only what still matters."""
        last = func.greatest(
            RateLimitBucket.blocked_until,
            RateLimitBucket.last_try_at,
            RateLimitBucket.window_started_at,
        )
        statement = delete(RateLimitBucket).where(last < now - self.window)
        result = await db.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    @staticmethod
    async def clear_account(db: AsyncSession, account: str) -> None:
        """Every key of one account, at whatever address (a proctor's reset)."""
        await db.execute(delete(RateLimitBucket).where(RateLimitBucket.account == account))
