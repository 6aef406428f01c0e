"""The programme's analytics follow a signed-off profile: its final levels in the heat map,
the training needs and position matching, its nine-box in the talent pool."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.assessors.integration_support import Hand, hand
from tests.assessors.support import as_user
from tests.fixtures.factories import create_staff

ALL_MET = [
    {"competency": "M.01", "level": 4, "reason": "Wawancara kuat"},
    {"competency": "M.02", "level": 3},
    {"competency": "M.03", "level": 4},
]


@pytest.fixture
async def h(client: AsyncClient, db: AsyncSession) -> Hand:
    return await hand(client, db)


async def _analytics(client: AsyncClient, h: Hand) -> tuple[list[Any], list[Any], list[Any]]:
    base = f"/api/programmes/{h.w.programme.id}/analytics"
    needs = (await client.get(f"{base}/training-needs")).json()
    boxes = (await client.get(f"{base}/nine-box")).json()
    heat = (await client.get(f"{base}/heat-map")).json()
    return needs, boxes, heat


async def test_the_analytics_follow_the_final_levels_after_the_sign_off(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    admin = await create_staff(db, "admin")
    await as_user(client, admin)
    needs, boxes, heat = await _analytics(client, h)
    assert [(n["competency"], n["gap"]) for n in needs] == [("M.02", -1)]
    assert {b["box"] for b in boxes} == {5}
    assert {c["competency"] for c in heat if c["unit"] == ""} == {"M.01", "M.02"}

    await as_user(client, h.lead)
    answer = await client.post(f"{h.api}/sign-off", json={"levels": ALL_MET})
    assert answer.status_code == 201, answer.text
    assert answer.json()["signed"]["jpm"] == "100.00"  # (3 + 3 + 3) / 9, capped per competency
    await as_user(client, admin)
    needs, boxes, heat = await _analytics(client, h)
    assert needs == []
    # JPM 100 → high potential × meets expectations → box 8 (the CACT result alone: box 5)
    assert {(b["box"], tuple(b["names"])) for b in boxes} == {(8, (h.w.people[1].name,))}
    everyone = {c["competency"]: c for c in heat if c["unit"] == ""}
    assert set(everyone) == {"M.01", "M.02", "M.03"}
    assert all(c["below"] == 0 for c in everyone.values())
