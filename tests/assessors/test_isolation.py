"""An assessor reaches only their own assignments, through the pages and the API: another
assessor's ids answer 404 (nothing revealed); other roles and participants are refused."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessorRating
from tests.assessors.support import World, as_user, world
from tests.fixtures.factories import create_staff
from tests.fixtures.sittings import KioskClient, open_sitting

HTML = {"Accept": "text/html"}


@pytest.fixture
async def w(db: AsyncSession) -> World:
    return await world(db)


async def test_the_list_holds_only_my_participants(client: AsyncClient, w: World) -> None:
    await as_user(client, w.assessor)
    mine = (await client.get("/api/assessor/assignments")).json()
    assert sorted(f"{a['participant_no']} {a['method']}" for a in mine) == sorted(w.mine)
    assert w.theirs not in {a["id"] for a in mine}
    await as_user(client, w.other)
    theirs = (await client.get("/api/assessor/assignments")).json()
    assert [a["id"] for a in theirs] == [w.theirs]
    page = await client.get("/assessor", headers=HTML)
    assert page.status_code == 200
    assert w.people[1].name in page.text and w.people[0].name not in page.text


async def test_every_route_answers_404_for_another_assessors_assignment(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.other)
    target = next(iter(w.mine.values()))
    body = {"ratings": [{"competency": "M.01", "level": 3}]}
    for method, url, kwargs in (
        ("GET", f"/api/assessor/assignments/{target}", {}),
        ("GET", f"/api/assessor/assignments/{target}/history", {}),
        ("PUT", f"/api/assessor/assignments/{target}/ratings", {"json": body}),
        ("GET", f"/assessor/assignments/{target}", {"headers": HTML}),
    ):
        answer = await client.request(method, url, **kwargs)
        assert answer.status_code == 404, (url, answer.text)
    form = {"competency": "M.01", "level|M.01": "3", "csrf_token": client.headers["X-CSRF-Token"]}
    posted = await client.post(f"/assessor/assignments/{target}", data=form, headers=HTML)
    assert posted.status_code == 404
    assert await db.scalar(select(func.count()).select_from(AssessorRating)) == 0


@pytest.mark.parametrize("roles", [("editor",), ("proctor",), ("admin",)])
async def test_other_roles_are_refused(
    client: AsyncClient, db: AsyncSession, w: World, roles: tuple[str, ...]
) -> None:
    await as_user(client, await create_staff(db, *roles))
    target = next(iter(w.mine.values()))
    for url in ("/api/assessor/assignments", f"/api/assessor/assignments/{target}", "/assessor"):
        answer = await client.get(url)
        assert answer.status_code == 403, url
        assert answer.json()["error"] == "wrong_role"


async def test_an_assessor_cannot_manage(client: AsyncClient, w: World) -> None:
    await as_user(client, w.assessor)
    for method, url in (
        ("GET", "/api/assessment-methods"),
        ("GET", f"/api/programmes/{w.programme.id}/method-matrix"),
        ("GET", f"/api/assessor-assignments?programme_id={w.programme.id}"),
        ("GET", "/admin/assessment"),
    ):
        answer = await client.request(method, url)
        assert answer.status_code == 403, url


async def test_a_participant_token_is_refused(client: AsyncClient, db: AsyncSession) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    client.cookies.clear()
    bearer = kiosk.headers
    good = await client.get("/api/kiosk/v1/attempt", headers=bearer)
    assert good.status_code == 200  # the token is good
    for url in ("/api/assessor/assignments", "/assessor", "/api/assessment-methods"):
        answer = await client.get(url, headers=bearer)
        assert answer.status_code == 401, url


async def test_a_lead_assessor_rates_only_their_own_too(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, await create_staff(db, "lead_assessor"))
    assert (await client.get("/api/assessor/assignments")).json() == []
    target = next(iter(w.mine.values()))
    assert (await client.get(f"/api/assessor/assignments/{target}")).status_code == 404
