"""Closes sections whose deadline (plus the save grace) has passed and starts the next section
when its break is over, with no kiosk involved.

Every worker runs one; ``FOR UPDATE SKIP LOCKED`` on the attempt row makes each close happen
exactly once, and a restarted server catches up on everything that expired while it was down.
Each second costs one statement (``what_is_due``: are there overdue sections, ended breaks,
unscored closed attempts, sittings due to start?); the work itself runs only for what is due.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.delivery import service
from cact.exam.repository import AttemptRepository
from cact.exam.statuses import CLOSED_ATTEMPT, sql_list
from cact.kit.errors import database_down
from cact.kit.ratelimit import RateLimiter
from cact.proctoring import autostart
from cact.scoring import service as scoring
from cact.scoring.closing import SCORER

logger = logging.getLogger("cact.sweeper")
BATCH = 200
FORGET_EVERY_SECONDS = 60.0


# $1 the deadline cut-off (now − grace), $2 now. Each EXISTS is one of the work's own queries,
# stopped at the first row (the open-deadline and break indexes answer the first two).
_DUE = text(f"""
SELECT
    EXISTS (SELECT 1 FROM attempt_section
            WHERE status = 'open' AND paused_at IS NULL AND deadline_at < :cutoff)
    OR EXISTS (SELECT 1 FROM attempt_section
               WHERE status = 'pending' AND break_ends_at IS NOT NULL AND paused_at IS NULL
                 AND break_ends_at <= :now) AS sections,
    EXISTS (SELECT 1 FROM attempt
            WHERE status IN ({sql_list(CLOSED_ATTEMPT)}) AND scored_at IS NULL) AS unscored,
    EXISTS (SELECT 1 FROM sitting
            WHERE auto_start AND status = 'open' AND starts_at <= :now) AS sittings
""")


async def what_is_due(
    sessionmaker: async_sessionmaker[AsyncSession], grace: timedelta
) -> tuple[bool, bool, bool]:
    """(sections to close or open, closed attempts to score, sittings to start): one statement."""
    now = service.utcnow()
    async with sessionmaker() as session:
        row = (await session.execute(_DUE, {"cutoff": now - grace, "now": now})).one()
    return bool(row.sections), bool(row.unscored), bool(row.sittings)


async def sweep_once(sessionmaker: async_sessionmaker[AsyncSession], grace: timedelta) -> int:
    """One pass; returns how many attempts this worker advanced."""
    now = service.utcnow()
    async with sessionmaker() as session:
        repository = AttemptRepository(session)
        overdue = await repository.overdue_attempt_ids(now - grace, BATCH)
        rested = await repository.break_over_attempt_ids(now, BATCH)
    attempt_ids = list(dict.fromkeys(overdue + rested))
    if not attempt_ids:
        return 0
    async with sessionmaker() as session, session.begin():
        return len(await service.expire_overdue(session, attempt_ids, now, grace))


async def score_left_over(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Closed attempts whose scoring failed or was interrupted get scored now."""
    async with sessionmaker() as session, session.begin():
        return len(await scoring.score_pending(session, actor=SCORER, limit=BATCH))


async def forget_stale_logins(
    sessionmaker: async_sessionmaker[AsyncSession], limiters: Sequence[RateLimiter]
) -> int:
    """Login keys quiet for longer than their window are deleted (they would start afresh)."""
    async with sessionmaker() as session, session.begin():
        now = service.utcnow()
        return sum([await limiter.forget_stale(session, now) for limiter in limiters])


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    grace: timedelta,
    interval: float,
    limiters: Sequence[RateLimiter] = (),
) -> None:
    forgotten_at = 0.0
    while True:
        try:
            sections, unscored, sittings = await what_is_due(sessionmaker, grace)
            while sections and await sweep_once(sessionmaker, grace) >= BATCH:
                pass  # a deadline herd: keep going without sleeping
            if unscored:
                await score_left_over(sessionmaker)
            if sittings:
                await autostart.start_due(sessionmaker, service.utcnow())
            if limiters and time.monotonic() - forgotten_at >= FORGET_EVERY_SECONDS:
                forgotten_at = time.monotonic()
                await forget_stale_logins(sessionmaker, limiters)
        except Exception as exc:  # the sweeper must outlive a database restart
            if database_down(exc):  # an outage: one line a second, not a traceback
                logger.warning("deadline sweep waits for the database: %s", type(exc).__name__)
            else:
                logger.exception("deadline sweep failed; retrying")
        await asyncio.sleep(interval)
