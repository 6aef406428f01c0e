"""What /metrics reports besides the request counters: read from memory at scrape time.

The count of active kiosks is a database query, so it runs in the background every
``REFRESH_SECONDS`` instead of on every scrape (a scraper must not add load to a busy room,
and /metrics must still answer while the database is down).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.exam.repository import AttemptRepository
from cact.kit.errors import DATABASE_DOWN

COUNT_FAILURES: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, *DATABASE_DOWN)

logger = logging.getLogger("cact.monitoring")

ACTIVE_WINDOW = timedelta(seconds=60)
REFRESH_SECONDS = 15.0


async def count_active_kiosks(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    since = datetime.now(UTC) - ACTIVE_WINDOW
    async with sessionmaker() as db:
        return await AttemptRepository(db).heard_from(since)


async def refresh_active_kiosks(state: Any) -> None:
    """Store the count on the app's state; unknown (None) while the database is down."""
    try:
        state.active_kiosks = await count_active_kiosks(state.sessionmaker)
    except COUNT_FAILURES as exc:
        logger.debug("active kiosks not counted: %s", type(exc).__name__)
        state.active_kiosks = None


async def keep_counting(state: Any, interval: float = REFRESH_SECONDS) -> None:
    while True:
        await refresh_active_kiosks(state)
        await asyncio.sleep(interval)
