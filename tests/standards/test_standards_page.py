"""The admin page for positions and standards: the import reports problems by row, or saves."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.standards.models import Position
from tests.fixtures.factories import create_staff, login

HTML = {"Accept": "text/html"}


async def _csrf(client: AsyncClient) -> str:
    page = await client.get("/admin/standards", headers=HTML)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def test_a_bad_standards_file_is_reported_by_row_and_saves_nothing(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "admin"))
    token = await _csrf(client)
    before = await db.scalar(select(func.count()).select_from(Position))
    bad = "kode_jabatan,nama_jabatan,M.01,X.99\nJF-1,Analis,7,3\n"
    response = await client.post(
        "/admin/standards",
        data={"csrf_token": token},
        files={"file": ("standar.csv", bad.encode(), "text/csv")},
        headers=HTML,
    )
    assert response.status_code == 422
    assert 'data-testid="problems"' in response.text
    assert "standar.csv" in response.text
    assert await db.scalar(select(func.count()).select_from(Position)) == before


async def test_a_good_standards_file_is_saved_and_listed(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "admin"))
    token = await _csrf(client)
    good = "kode_jabatan,nama_jabatan,M.01,M.02\nJF-UJI,Penguji Standar,3,2\n"
    response = await client.post(
        "/admin/standards",
        data={"csrf_token": token},
        files={"file": ("standar.csv", good.encode(), "text/csv")},
        headers=HTML,
    )
    assert response.status_code == 200, response.text[:500]
    assert 'data-testid="standards-report"' in response.text
    assert 'data-testid="position-JF-UJI"' in response.text
