"""The PermenPANRB 38/2017 dictionary is in every database `cact db upgrade` prepared."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_staff, login

MANAGERIAL = ["M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08"]


async def test_the_nine_competencies_have_five_described_levels(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "proctor"))
    response = await client.get("/api/competencies")
    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json()}
    assert [code for code in by_code if code.startswith("M.")] == MANAGERIAL
    assert by_code["SK.01"]["kind"] == "sociocultural"
    assert by_code["SK.01"]["name_id"] == "Perekat Bangsa"
    assert by_code["M.01"]["name_id"] == "Integritas"
    for code in [*MANAGERIAL, "SK.01"]:
        levels = by_code[code]["levels"]
        assert [level["level"] for level in levels] == [1, 2, 3, 4, 5]
        assert all(level["descriptor_id"] and level["title_id"] for level in levels)
        assert all(len(level["indicators_id"]) >= 2 for level in levels)


async def test_one_competency_and_an_unknown_one(client: AsyncClient, db: AsyncSession) -> None:
    await login(client, await create_staff(db, "editor"))
    m05 = (await client.get("/api/competencies/M.05")).json()
    assert m05["name_id"] == "Pelayanan Publik"
    missing = await client.get("/api/competencies/X.99")
    assert missing.status_code == 404
    assert missing.json()["error"] == "competency_not_found"
