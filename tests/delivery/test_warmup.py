"""The kiosk pool is opened and its statements prepared before the first kiosk, writing
nothing; a database that is not there leaves it to the first calls."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.delivery import warmup
from cact.exam.events import asyncpg_dsn
from cact.kit import rawdb

COUNTS = (
    "SELECT (SELECT count(*) FROM audit_event), (SELECT count(*) FROM answer_log),"
    " (SELECT count(*) FROM response),"
    " (SELECT count(*) FROM attempt WHERE last_seen_at IS NOT NULL)"
)


async def test_every_connection_is_opened_and_prepared_and_nothing_is_written(
    engine: AsyncEngine, database_url: str
) -> None:
    async with engine.connect() as connection:
        before = (await connection.execute(text(COUNTS))).one()
    pool = await rawdb.create_pool(asyncpg_dsn(database_url), 4)
    try:
        assert await warmup.warm(pool, 4) == 4
        assert pool.get_size() == 4
        async with pool.acquire() as connection:
            prepared = await connection.fetchval("SELECT count(*) FROM pg_prepared_statements")
            assert prepared >= len(warmup.statements(datetime.now(UTC)))
    finally:
        await rawdb.close_pool(pool)
    async with engine.connect() as connection:
        assert (await connection.execute(text(COUNTS))).one() == before


async def test_a_database_that_is_not_there_leaves_it_to_the_first_calls() -> None:
    pool = await rawdb.create_pool("postgresql://cact@127.0.0.1:1/nothing", 2)
    try:
        assert await warmup.warm(pool, 2) == 0
    finally:
        await rawdb.close_pool(pool)
