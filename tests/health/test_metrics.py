from __future__ import annotations

from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.app import attach_database, create_app
from cact.config import Settings
from cact.monitoring.service import refresh_active_kiosks
from tests.conftest import TEST_SECRET
from tests.fixtures.sittings import KioskClient, open_sitting


async def test_metrics_count_saves_time_requests_and_see_active_kiosks(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()
    item = section["items"][0]
    await kiosk.answer(item["item_id"], item["options"][0]["option_id"], seq=3)
    await kiosk.answer(item["item_id"], item["options"][1]["option_id"], seq=2)
    await kiosk.call("POST", "/heartbeat")
    app: Any = client._transport.app  # type: ignore[attr-defined]
    await refresh_active_kiosks(app.state)  # the lifespan's task does this every 15 s

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'cact_answer_saves_total{applied="true"}' in text
    assert 'cact_answer_saves_total{applied="false"}' in text
    assert 'route="/api/kiosk/v1/answers/{item_id}"' in text  # a template, never raw ids
    assert "cact_active_kiosks 1.0" in text
    assert "cact_db_pool_size" in text


async def _scrape(app: Any, address: str, headers: dict[str, str] | None = None) -> int:
    transport = ASGITransport(app=app, client=(address, 40000))
    async with AsyncClient(transport=transport, base_url="http://t") as http:
        return (await http.get("/metrics", headers=headers)).status_code


async def test_metrics_answer_only_allowed_addresses_or_the_token(
    engine: Any, sessionmaker: Any
) -> None:
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url="x",
        metrics_allow="127.0.0.1,10.1.0.0/16",
        metrics_token="scrape-token-0123456789",
    )
    app = create_app(settings)
    attach_database(app, engine, sessionmaker)
    assert await _scrape(app, "127.0.0.1") == 200
    assert await _scrape(app, "10.1.20.30") == 200  # the monitoring server's network
    assert await _scrape(app, "192.168.1.50") == 403  # a kiosk in the room
    assert await _scrape(app, "192.168.1.50", {"Authorization": "Bearer wrong"}) == 403
    token = {"Authorization": "Bearer scrape-token-0123456789"}
    assert await _scrape(app, "192.168.1.50", token) == 200
