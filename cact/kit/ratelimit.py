"""Failed-try counters in PostgreSQL, so every worker sees the same count.

The counters live in the caller's transaction. An endpoint that refuses a login therefore
answers with an error *response* (see ``error_response``) instead of raising, so that its
transaction — and the counted failure — commits. Using the request's own connection matters
under a login herd: a second connection per request would exhaust the pool.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import String, case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cact.kit.db import Base


class RateLimitBucket(Base):
    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_started_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)


ADDRESS_MARK = ":ip:"  # a key of a whole client address: a lab behind one NAT shares it
ADDRESS_FACTOR = 20


class RateLimiter:
    """Failures are counted per (address, account) and per address, never per account alone:
    wrong tries from elsewhere cannot lock anyone out of their own workstation."""

    def __init__(self, *, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)

    def limit_of(self, key: str) -> int:
        return self.limit * ADDRESS_FACTOR if ADDRESS_MARK in key else self.limit

    async def retry_after(self, db: AsyncSession, *keys: str) -> int | None:
        """Seconds to wait when any key is over its limit, else None."""
        now = datetime.now(UTC)
        rows = await db.scalars(select(RateLimitBucket).where(RateLimitBucket.key.in_(keys)))
        waits = [
            self.wait_seconds(row.count, row.window_started_at, now, self.limit_of(row.key))
            for row in rows
        ]
        return max((w for w in waits if w), default=None)

    def wait_seconds(
        self, count: int, window_started_at: datetime, now: datetime, limit: int | None = None
    ) -> int | None:
        """Seconds to wait for a bucket with ``count`` failures since ``window_started_at``."""
        if count < (limit or self.limit) or window_started_at + self.window <= now:
            return None
        return max(1, int((window_started_at + self.window - now).total_seconds()) + 1)

    async def hit(self, db: AsyncSession, *keys: str) -> None:
        now = datetime.now(UTC)
        window_start = now - self.window
        for key in keys:
            upsert = insert(RateLimitBucket).values(key=key, window_started_at=now, count=1)
            expired = RateLimitBucket.window_started_at < window_start
            await db.execute(
                upsert.on_conflict_do_update(
                    index_elements=[RateLimitBucket.key],
                    set_={
                        "count": case((expired, 1), else_=RateLimitBucket.count + 1),
                        "window_started_at": case(
                            (expired, now), else_=RateLimitBucket.window_started_at
                        ),
                    },
                )
            )

    async def clear(self, db: AsyncSession, *keys: str) -> None:
        await db.execute(delete(RateLimitBucket).where(RateLimitBucket.key.in_(keys)))

    @staticmethod
    async def clear_prefix(db: AsyncSession, prefix: str) -> None:
        """Every bucket of one account, whatever the address (a proctor's reset)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        await db.execute(delete(RateLimitBucket).where(RateLimitBucket.key.like(pattern)))
