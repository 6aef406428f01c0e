"""The pages: methods, the matrix grid and assignments (admin); "Peserta saya" and the
rating page (the assessor), saved with CSRF and checked on the server."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessmentMethod, AssessorAssignment, AssessorRating, MethodWeight
from tests.assessors.support import World, as_user, world
from tests.fixtures.factories import create_staff

HTML = {"Accept": "text/html"}


@pytest.fixture
async def w(db: AsyncSession) -> World:
    return await world(db)


async def _ratings(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(AssessorRating)) or 0)


async def test_the_rating_page_saves_levels_and_notes(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    target = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    page = await client.get(f"/assessor/assignments/{target}?lang=id", headers=HTML)
    assert page.status_code == 200
    assert "Catatan bukti" in page.text and 'data-testid="level-M.01"' in page.text
    assert 'data-testid="level-M.03"' not in page.text  # LGD's competency, not the interview's
    csrf = client.headers["X-CSRF-Token"]
    form = {
        "csrf_token": csrf,
        "competency": ["M.01", "M.02"],
        "level|M.01": "4",
        "evidence|M.01": "Menyusun rencana kerja yang jelas",
        "level|M.02": "",
        "evidence|M.02": "",
    }
    saved = await client.post(f"/assessor/assignments/{target}", data=form)
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("done=ratings_saved")
    assert await _ratings(db) == 1
    again = await client.get(f"/assessor/assignments/{target}", headers=HTML)
    assert "Menyusun rencana kerja yang jelas" in again.text and "versi 1" in again.text


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"level|M.01": "9"}, "1–5"),
        ({"level|M.01": "x"}, "pilih level"),
        ({"level|M.01": "", "evidence|M.01": "catatan saja"}, "pilih level"),
        ({"level|M.01": ""}, "Belum ada level"),
    ],
)
async def test_the_rating_page_refuses_bad_input(
    client: AsyncClient, db: AsyncSession, w: World, fields: dict[str, str], shown: str
) -> None:
    await as_user(client, w.assessor)
    target = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    form = {"csrf_token": client.headers["X-CSRF-Token"], "competency": ["M.01"], **fields}
    answer = await client.post(f"/assessor/assignments/{target}", data=form, headers=HTML)
    assert answer.status_code == 422
    assert 'data-testid="errors"' in answer.text and shown in answer.text
    assert await _ratings(db) == 0


async def test_a_competency_smuggled_into_the_form_is_refused(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    target = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    form = {
        "csrf_token": client.headers["X-CSRF-Token"],
        "competency": ["M.01", "M.03"],
        "level|M.01": "3",
        "level|M.03": "3",
    }
    answer = await client.post(f"/assessor/assignments/{target}", data=form, headers=HTML)
    assert answer.status_code == 422 and "M.03" in answer.text
    assert await _ratings(db) == 0


async def test_the_rating_page_needs_the_csrf_token(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    target = w.mine[f"{w.people[0].participant_no} WAWANCARA"]
    client.headers.pop("X-CSRF-Token")
    answer = await client.post(
        f"/assessor/assignments/{target}", data={"competency": "M.01", "level|M.01": "3"}
    )
    assert answer.status_code == 403 and await _ratings(db) == 0


async def test_the_assessors_home_links_to_my_participants(client: AsyncClient, w: World) -> None:
    await as_user(client, w.assessor)
    home = await client.get("/staff", headers=HTML)
    assert 'href="/assessor"' in home.text and "Asesor" in home.text
    page = await client.get("/assessor?lang=en", headers=HTML)
    assert "My participants" in page.text and 'data-testid="sheet-LGD"' in page.text


async def test_the_admin_pages(client: AsyncClient, db: AsyncSession, w: World) -> None:
    await as_user(client, await create_staff(db, "admin"))
    csrf = client.headers["X-CSRF-Token"]
    methods = await client.get("/admin/assessment", headers=HTML)
    assert (
        methods.status_code == 200
        and "WAWANCARA" in methods.text
        and w.programme.code in methods.text
    )
    created = await client.post(
        "/admin/assessment/methods",
        data={
            "csrf_token": csrf,
            "code": "CBI",
            "name_id": "Wawancara perilaku",
            "name_en": "Behavioural interview",
            "kind": "interview",
        },
    )
    assert created.status_code == 303
    bad = await client.post(
        "/admin/assessment/methods",
        data={
            "csrf_token": csrf,
            "code": "CBI",
            "name_id": "x",
            "name_en": "x",
            "kind": "interview",
        },
    )
    assert bad.status_code == 409
    wrong = await client.post(
        "/admin/assessment/methods",
        data={"csrf_token": csrf, "code": "OK", "name_id": "x", "name_en": "x", "kind": "menari"},
    )
    assert wrong.status_code == 422
    cbi = await db.scalar(select(AssessmentMethod).where(AssessmentMethod.code == "CBI"))
    assert cbi is not None
    off = await client.post(
        f"/admin/assessment/methods/{cbi.id}",
        data={
            "csrf_token": csrf,
            "name_id": "Wawancara perilaku",
            "name_en": "BEI",
            "kind": "interview",
        },
    )
    assert off.status_code == 303
    await db.refresh(cbi)
    assert cbi.is_active is False and cbi.name_en == "BEI"

    url = f"/admin/assessment/programmes/{w.programme.id}/matrix"
    grid = await client.get(url, headers=HTML)
    assert grid.status_code == 200 and 'name="w|M.01|WAWANCARA" value="2.00"' in grid.text
    refused = await client.post(
        url, data={"csrf_token": csrf, "w|M.01|LGD": "0", "w|M.02|LGD": "abc"}
    )
    assert refused.status_code == 422 and "abc" in refused.text
    zero = await client.post(url, data={"csrf_token": csrf, "w|M.01|LGD": "0"})
    assert zero.status_code == 422
    cells = await db.scalar(
        select(func.count())
        .select_from(MethodWeight)
        .where(MethodWeight.programme_id == w.programme.id)
    )
    assert cells == 4
    saved = await client.post(
        url, data={"csrf_token": csrf, "w|M.01|LGD": "1,5", "w|M.06|PSIKOTES": "1"}
    )
    assert saved.status_code == 303
    assert (
        await client.get("/admin/assessment/programmes/999999/matrix", headers=HTML)
    ).status_code == 404

    assign_url = f"/admin/assessment/programmes/{w.programme.id}/assignments"
    listing = await client.get(assign_url, headers=HTML)
    assert listing.status_code == 200 and "Dewi Asesor" in listing.text
    refused = await client.post(
        assign_url,
        data={
            "csrf_token": csrf,
            "assessor_id": str(w.other.id),
            "method": "PRESENTASI",
            "participants": f"{w.people[0].participant_no}\nTIDAK-ADA",
        },
    )
    assert refused.status_code == 422 and "TIDAK-ADA" in refused.text
    before = await db.scalar(select(func.count()).select_from(AssessorAssignment))
    done = await client.post(
        assign_url,
        data={
            "csrf_token": csrf,
            "assessor_id": str(w.other.id),
            "method": "PRESENTASI",
            "participants": f"{w.people[0].participant_no}, {w.people[1].participant_no}",
        },
    )
    assert done.status_code == 303
    assert (
        await db.scalar(select(func.count()).select_from(AssessorAssignment)) == (before or 0) + 2
    )
    no_assessor = await client.post(
        assign_url, data={"csrf_token": csrf, "method": "LGD", "participants": "x"}
    )
    assert no_assessor.status_code == 422


async def test_the_staff_page_offers_the_assessor_roles(
    client: AsyncClient, db: AsyncSession
) -> None:
    await as_user(client, await create_staff(db, "admin"))
    page = await client.get("/admin/staff", headers=HTML)
    assert 'value="assessor"' in page.text and "Asesor Utama" in page.text
    created = await client.post(
        "/admin/staff",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "username": "asesor-baru",
            "full_name": "Asesor Baru",
            "password": "panjang sekali sandinya",
            "roles": ["assessor", "lead_assessor"],
        },
    )
    assert created.status_code == 303
    listed = (await client.get("/api/staff-users")).json()
    found = [u for u in listed if u["username"] == "asesor-baru"]
    assert found and found[0]["roles"] == ["assessor", "lead_assessor"]
