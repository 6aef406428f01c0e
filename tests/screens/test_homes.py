"""Staff homes: the pages people work in; raw JSON API links only on an admin's, set apart."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_staff, login

HTML = {"Accept": "text/html"}


def _hrefs(html: str) -> list[str]:
    main = html.split("<main", 1)[1]
    return re.findall(r'href="([^"]+)"', main)


@pytest.mark.parametrize("role", ["proctor", "editor"])
async def test_a_non_developer_home_has_no_raw_api_links(
    client: AsyncClient, db: AsyncSession, role: str
) -> None:
    await login(client, await create_staff(db, role))
    for lang in ("id", "en"):
        page = await client.get(f"/staff?lang={lang}", headers=HTML)
        assert page.status_code == 200
        links = _hrefs(page.text)
        assert links, "the home links to the role's pages"
        assert [h for h in links if h.startswith("/api/") or h.endswith(".json")] == []
        assert 'data-testid="api-links"' not in page.text


async def test_an_admin_finds_the_api_links_apart_from_the_pages(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "admin"))
    page = await client.get("/staff", headers=HTML)
    before, _, after = page.text.partition('data-testid="api-links"')
    assert after, "an admin has the integration links"
    assert "/openapi.json" in after and "/api/audit" in after
    assert not re.search(r'href="/api/|href="/openapi', before)
    assert "/admin/audit" in before  # the readable audit page is the main link
