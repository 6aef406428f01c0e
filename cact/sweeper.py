"""Closes sections whose deadline (plus the save grace) has passed and starts the next section
when its break is over, with no kiosk involved.

Every worker runs one; ``FOR UPDATE SKIP LOCKED`` on the attempt row makes each close happen
exactly once, and a restarted server catches up on everything that expired while it was down.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.delivery import service
from cact.exam.repository import AttemptRepository
from cact.kit.errors import database_down
from cact.proctoring import autostart
from cact.scoring import service as scoring
from cact.scoring.closing import SCORER

logger = logging.getLogger("cact.sweeper")
BATCH = 200


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


async def run(
    sessionmaker: async_sessionmaker[AsyncSession], grace: timedelta, interval: float
) -> None:
    while True:
        try:
            while await sweep_once(sessionmaker, grace) >= BATCH:
                pass  # a deadline herd: keep going without sleeping
            await score_left_over(sessionmaker)
            await autostart.start_due(sessionmaker, service.utcnow())
        except Exception as exc:  # the sweeper must outlive a database restart
            if database_down(exc):  # an outage: one line a second, not a traceback
                logger.warning("deadline sweep waits for the database: %s", type(exc).__name__)
            else:
                logger.exception("deadline sweep failed; retrying")
        await asyncio.sleep(interval)
