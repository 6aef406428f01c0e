"""Alembic is the only source of the schema: it builds, tears down and rebuilds cleanly, and it
matches the models exactly."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cact.kit import migrate
from cact.kit.db import create_engine
from cact.models import Base
from tests.conftest import recreate_database
from tests.fixtures.database import TestServer


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = {row[0] for row in rows}
    await engine.dispose()
    return names - {"alembic_version"}


async def test_downgrade_to_base_then_upgrade_to_head_round_trips(pg_server: TestServer) -> None:
    url = await recreate_database(pg_server, "cact_roundtrip")
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == set(Base.metadata.tables)

    await asyncio.to_thread(migrate.downgrade, url, "base")
    assert await _tables(url) == set()

    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == set(Base.metadata.tables)


async def test_upgrade_is_idempotent(database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, database_url)
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert await _tables(database_url) == set(Base.metadata.tables)


async def test_migrations_match_the_models_exactly(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    await engine.dispose()
    assert diff == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET reason = 'rewritten'",
        "DELETE FROM audit_event",
    ],
)
async def test_audit_events_are_append_only(db: object, statement: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cact.audit.service import Actor, record

    assert isinstance(db, AsyncSession)
    await record(db, Actor.system(), "test.event")
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.begin_nested():
            await db.execute(text(statement))


async def test_answer_log_refuses_update_and_delete(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        triggers = await conn.execute(
            text(
                "SELECT event_object_table, event_manipulation FROM information_schema.triggers "
                "WHERE trigger_name LIKE '%append_only'"
            )
        )
        found = {(row[0], row[1]) for row in triggers}
    await engine.dispose()
    assert found == {
        ("answer_log", "UPDATE"),
        ("answer_log", "DELETE"),
        ("audit_event", "UPDATE"),
        ("audit_event", "DELETE"),
    }
