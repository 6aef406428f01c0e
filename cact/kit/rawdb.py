"""Raw asyncpg connections for the kiosk's hot path (answer saves, heartbeats).

A save is one SQL statement, so it needs neither the ORM session nor an explicit transaction: a
single statement in autocommit is atomic, and PostgreSQL has made it durable when it answers.
Skipping SQLAlchemy's session, pool pre-ping, BEGIN and COMMIT turns six round trips into one.

The server takes connections from an asyncpg pool (``pool_connections``). Tests hand the app
``session_connections``, which runs the statement inside the test's own transaction, so the hot
path is tested on the same rolled-back data as everything else.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.kit.errors import DatabaseUnavailable

Connection = Any  # asyncpg.Connection or a pool's proxy of one; both have fetchrow()
RawConnections = Callable[[], AbstractAsyncContextManager[Connection]]

# What a broken or restarting database looks like to asyncpg: the kiosk is told to retry (503),
# never that its answer was refused.
UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    OSError,
    TimeoutError,
)


async def _reset(connection: asyncpg.Connection) -> None:
    """On release: only undo an unfinished transaction. asyncpg's default reset (UNLISTEN,
    RESET ALL, …) is a round trip per request that the hot path's statements never need."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


async def create_pool(dsn: str, size: int) -> asyncpg.Pool:
    """The worker's hot-path pool; connections are opened lazily, so a database that is down
    at start-up does not stop the server (the requests get 503 until it is back)."""
    pool = asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=size,
        reset=_reset,
        server_settings={"application_name": "cact-kiosk", "timezone": "UTC"},
    )
    return await pool


def pool_connections(pool: asyncpg.Pool, timeout: float) -> RawConnections:
    @asynccontextmanager
    async def connect() -> AsyncIterator[Connection]:
        try:
            async with pool.acquire(timeout=timeout) as connection:
                yield connection
        except UNAVAILABLE as exc:
            raise DatabaseUnavailable() from exc

    return connect


def session_connections(sessionmaker: async_sessionmaker[AsyncSession]) -> RawConnections:
    """The raw connection under a session of ``sessionmaker``, committed on success."""

    @asynccontextmanager
    async def connect() -> AsyncIterator[Connection]:
        async with sessionmaker() as session, session.begin():
            yield await driver_connection(session)

    return connect


async def driver_connection(session: AsyncSession) -> Connection:
    """The session's own asyncpg connection: statements on it join the session's transaction."""
    return (await (await session.connection()).get_raw_connection()).driver_connection


async def close_pool(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:
        pool.terminate()
