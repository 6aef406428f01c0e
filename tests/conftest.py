"""Fixtures: a real PostgreSQL built by the migrations once per run; a rolled-back transaction
per test; an httpx client on the app over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from cact.app import attach_database, create_app
from cact.audit.service import Actor
from cact.competencies.service import load_standard_dictionary
from cact.config import Settings
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from tests.fixtures.database import TestServer, test_server
from tests.fixtures.factories import create_staff, login

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_DATABASE = "cact_test"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TestServer]:
    with test_server() as server:
        yield server


async def recreate_database(server: TestServer, name: str) -> str:
    admin = create_engine(server.admin_url, pool_size=1, max_overflow=0)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return server.database_url(name)


@pytest.fixture(scope="session")
async def database_url(pg_server: TestServer) -> str:
    url = await recreate_database(pg_server, TEST_DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    return url


async def load_reference_data(url: str) -> None:
    """What `cact db upgrade` puts in every database: the competency dictionary."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as session, session.begin():
        await load_standard_dictionary(session, Actor.system("test setup"))
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5, max_overflow=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection in one transaction, rolled back after the test: nothing leaks."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


def _savepoint_sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # A session's commit releases a savepoint; the test's rollback still undoes it all.
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return _savepoint_sessions(connection)


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url)


@pytest.fixture
def app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> object:
    application = create_app(settings)
    attach_database(application, engine, sessionmaker)
    return application


@pytest.fixture
async def client(app: object) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept": "application/json"}
    ) as http:
        yield http


@pytest.fixture
async def editor_client(client: AsyncClient, db: AsyncSession) -> AsyncClient:
    await login(client, await create_staff(db, "editor"))
    return client
