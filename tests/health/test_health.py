from __future__ import annotations

from httpx import ASGITransport, AsyncClient

from cact.app import attach_database, create_app
from cact.config import Settings
from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import TEST_SECRET, recreate_database
from tests.fixtures.database import TestServer


async def test_healthz_says_the_process_is_up(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_database_is_reachable_and_at_head(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["migrations"] == sorted(client._transport.app.state.migration_heads)  # type: ignore[attr-defined]


async def _readyz_against(url: str) -> tuple[int, dict[str, str]]:
    app = create_app(Settings(environment="test", secret_key=TEST_SECRET, database_url=url))
    engine = create_engine(url, pool_size=1, max_overflow=0)
    attach_database(app, engine, create_sessionmaker(engine))
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            response = await http.get("/readyz")
    finally:
        await engine.dispose()
    return response.status_code, response.json()


async def test_readyz_reports_pending_migrations(pg_server: TestServer) -> None:
    url = await recreate_database(pg_server, "cact_unmigrated")
    status, body = await _readyz_against(url)
    assert status == 503
    assert body["error"] == "migrations_pending"
    assert "cact db upgrade" in body["detail"]


async def test_readyz_reports_an_unreachable_database() -> None:
    status, body = await _readyz_against("postgresql://nobody@127.0.0.1:1/none")
    assert status == 503
    assert body["error"] == "database_unreachable"
