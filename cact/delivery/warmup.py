"""The kiosk pool made ready before the first kiosk: every connection open, every frequent
statement prepared on it.

The pool opens connections lazily (a server whose database is down still starts), so without
this the start herd paid for them: each new connection's backend, and a Parse and Describe of
every statement on each of them, in the seconds when 2,000 logins arrive. Each statement runs
once per connection with a token that matches nothing, inside a transaction that is rolled
back: nothing is written, and asyncpg keeps the prepared statement for the real calls.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from cact.delivery import answers, logins, presenters, starting

logger = logging.getLogger("cact.kiosk_pool")


def statements(now: datetime) -> list[tuple[str, tuple[Any, ...]]]:
    nobody = ""  # no kiosk token hashes to the empty string
    return [
        (logins.READ, (nobody,)),
        (logins.CLAIM, (0, nobody, now, None, 0, nobody)),
        (presenters.ATTEMPT_BY_TOKEN, (nobody,)),
        (presenters.ATTEMPT_BY_ID, (0,)),
        (starting.START, (nobody, now, None)),
        (presenters.SECTION, (nobody, 0)),
        (answers.SAVE, (nobody, 0, None, False, 1, now, None, timedelta(0))),
        (answers.HEARTBEAT, (nobody, now, None)),
        (starting.SUBMIT, (nobody, 0, now)),
    ]


async def warm(pool: asyncpg.Pool, size: int) -> int:
    """Open ``size`` connections at once and prepare the statements on each; returns how many
    were made ready. A database that is down or a standby (read-only) is left to the calls."""
    ready = 0

    async def one() -> None:
        nonlocal ready
        async with pool.acquire() as connection, connection.transaction():
            for sql, arguments in statements(datetime.now(UTC)):
                await connection.fetch(sql, *arguments)
            raise _RolledBack()

    results = await asyncio.gather(*(one() for _ in range(size)), return_exceptions=True)
    for result in results:
        if isinstance(result, _RolledBack):
            ready += 1
        elif isinstance(result, BaseException):
            logger.info("kiosk pool warm-up left to the first calls: %r", result)
    return ready


class _RolledBack(Exception):
    """Ends the warm-up's transaction (nothing it ran is kept but the prepared statements)."""
