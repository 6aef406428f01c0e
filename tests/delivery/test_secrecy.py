"""SPEC §3.6: no kiosk response ever carries weights, keys, points or other participants' data.

A whole sitting is run through kiosk protocol v1 and every response body is scanned."""

from __future__ import annotations

import json
import re

from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.participants.models import Participant
from tests.fixtures.sittings import KioskClient, open_sitting

SECRET_KEYS = re.compile(r'"(weight|weights|correct|is_correct|key|points|max_score|score)"')


async def test_no_kiosk_response_of_a_whole_sitting_carries_a_secret(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=2)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    bodies: list[str] = []

    def keep(response: Response) -> Response:
        assert response.status_code < 500, response.text
        bodies.append(response.text)
        return response

    login = await client.post(
        "/api/kiosk/v1/login",
        json={"participant_no": kiosk.participant_no, "token": kiosk.token},
    )
    bodies.append(login.text)
    kiosk.headers = {"Authorization": f"Bearer {login.json()['kiosk_token']}"}
    keep(await kiosk.call("GET", "/attempt"))
    attempt = keep(await kiosk.call("POST", "/attempt/start")).json()
    while attempt["status"] == "in_progress":
        section = keep(await kiosk.call("GET", f"/sections/{attempt['current_section_id']}"))
        for item in section.json()["items"]:
            keep(await kiosk.answer(item["item_id"], item["options"][-1]["option_id"]))
            keep(await kiosk.answer(item["item_id"], item["options"][0]["option_id"], True))
        keep(await kiosk.call("POST", "/heartbeat"))
        keep(await kiosk.call("GET", f"/sections/{attempt['current_section_id']}"))
        submitted = await kiosk.call("POST", f"/sections/{attempt['current_section_id']}/submit")
        attempt = keep(submitted).json()
    keep(await kiosk.call("GET", "/attempt"))
    keep(await kiosk.call("POST", "/finish"))  # 409 now: errors are scanned too
    keep(await client.get("/kiosk", headers={"Accept": "text/html"}))

    assert attempt["status"] == "submitted"
    assert len(bodies) > 60
    others = (
        await db.scalars(
            select(Participant).where(Participant.participant_no == opened.participant_nos[1])
        )
    ).one()
    for body in bodies:
        assert not SECRET_KEYS.search(body), body[:300]
        assert others.name not in body and others.participant_no not in body
        if body.startswith("{"):
            assert "server_time" in json.loads(body)
