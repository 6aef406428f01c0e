from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

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

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'cact_answer_saves_total{applied="true"}' in text
    assert 'cact_answer_saves_total{applied="false"}' in text
    assert 'route="/api/kiosk/v1/answers/{item_id}"' in text  # a template, never raw ids
    assert "cact_active_kiosks 1.0" in text
    assert "cact_db_pool_size" in text
