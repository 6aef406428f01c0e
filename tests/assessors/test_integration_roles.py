"""Who may integrate: a lead assessor or an admin; an assessor without the lead role gets 403
on every integration route, and a participant outside the programme is 404."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.assessors.integration_support import FINAL, Hand, hand
from tests.assessors.support import as_user
from tests.fixtures.factories import create_staff


@pytest.fixture
async def h(client: AsyncClient, db: AsyncSession) -> Hand:
    return await hand(client, db)


def _routes(h: Hand) -> list[tuple[str, str]]:
    pid = h.w.programme.id
    page = f"/integration/programmes/{pid}/participants/{h.budi}"
    return [
        ("GET", h.api),
        ("POST", f"{h.api}/sign-off"),
        ("GET", page),
        ("GET", f"/integration/programmes/{pid}"),
        ("GET", f"/api/programmes/{pid}/integrated-profile.csv"),
    ]


async def test_an_assessor_without_the_lead_role_is_refused_everywhere(
    client: AsyncClient, h: Hand
) -> None:
    await as_user(client, h.w.assessor)
    for method, path in _routes(h):
        answer = await client.request(method, path, json={"levels": FINAL})
        assert answer.status_code == 403, (method, path, answer.text)
    assert (await client.get(h.api)).json()["error"] == "wrong_role"


async def test_the_lead_and_an_admin_may_see_and_sign(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    for method, path in _routes(h)[2:]:
        assert (await client.request(method, path)).status_code == 200, path
    assert (await client.post(f"{h.api}/sign-off", json={"levels": FINAL})).status_code == 201
    await as_user(client, await create_staff(db, "admin"))
    assert (await client.get(h.api)).json()["signed"]["version"] == 1
    changed = [dict(FINAL[0], level=4, reason="Wawancara kuat"), *FINAL[1:]]
    answer = await client.post(f"{h.api}/sign-off", json={"levels": changed})
    assert answer.status_code == 201 and answer.json()["signed"]["version"] == 2


async def test_a_participant_outside_the_programme_is_not_found(
    client: AsyncClient, h: Hand
) -> None:
    outsider = h.w.people[2].id  # registered, not a member, no sitting of the programme
    base = f"/api/programmes/{h.w.programme.id}/integration/{outsider}"
    answer = await client.get(base)
    assert answer.status_code == 404 and answer.json()["error"] == "participant_not_in_programme"
    signed = await client.post(f"{base}/sign-off", json={"levels": FINAL})
    assert signed.status_code == 404
    page = await client.get(f"/integration/programmes/{h.w.programme.id}/participants/{outsider}")
    assert page.status_code == 404 and "tidak ditemukan" in page.text
    other = await client.get(f"/api/programmes/{10**9}/integration/{h.budi}")
    assert other.status_code == 404
    assert (
        await client.get(f"/api/programmes/{h.w.programme.id}/integration/0")
    ).status_code == 422


async def test_the_page_shows_the_evidence_and_signs_off_with_the_form(
    client: AsyncClient, h: Hand
) -> None:
    page = f"/integration/programmes/{h.w.programme.id}/participants/{h.budi}"
    shown = await client.get(page)
    assert shown.status_code == 200
    assert "Integrasi asesmen" in shown.text and "catatan M.01" in shown.text
    token = client.headers["X-CSRF-Token"]
    form = {"csrf_token": token, "competency": ["M.01", "M.02", "M.03"]}
    form |= {"level|M.01": "3", "level|M.02": "2", "level|M.03": "4"}
    refused = await client.post(page, data=form)
    assert refused.status_code == 422 and "alasan" in refused.text
    form["reason|M.02"] = "Presentasi tidak mendukung"
    done = await client.post(page, data=form)
    assert done.status_code == 303, done.text
    after = await client.get(done.headers["location"])
    assert "Profil terintegrasi ditandatangani." in after.text
    assert "Rina Asesor Utama" in after.text


async def test_a_member_without_any_evidence_cannot_be_signed_off(
    client: AsyncClient, h: Hand
) -> None:
    ani = h.w.people[0].id  # a member, assigned, but not rated and without a CACT result
    base = f"/api/programmes/{h.w.programme.id}/integration/{ani}"
    view = (await client.get(base)).json()
    assert {r["proposed_level"] for r in view["rows"]} == {None}  # the matrix, no evidence
    answer = await client.post(f"{base}/sign-off", json={"levels": []})
    assert answer.status_code == 422
    assert {d["code"] for d in answer.json()["detail"]} == {"missing_level", "no_evidence"}


async def test_an_admin_sets_the_rule_on_the_page_and_a_lead_cannot(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    path = f"/integration/programmes/{h.w.programme.id}/rule"
    token = client.headers["X-CSRF-Token"]
    refused = await client.post(path, data={"csrf_token": token, "rule": "assessors_decide"})
    assert refused.status_code == 403
    await as_user(client, await create_staff(db, "admin"))
    token = client.headers["X-CSRF-Token"]
    bad = await client.post(path, data={"csrf_token": token, "rule": "median"})
    assert bad.status_code == 422 and "tidak dikenal" in bad.text
    done = await client.post(path, data={"csrf_token": token, "rule": "assessors_decide"})
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert "Aturan integrasi disimpan." in page.text and "asesor memutuskan" in page.text
    assert (await client.get(h.api)).json()["rule"] == "assessors_decide"
