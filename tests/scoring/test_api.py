"""The admin API: policy versions, a sitting's policy, results of an attempt and of a sitting."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.scoring.policy import body_json, default_policy
from cact.scoring.service import score_attempt
from cact.standards.service import load_demo_standards
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting
from tests.scoring.sat import sit

ACTOR = Actor.system("test")


def _body(**changes: Any) -> dict[str, Any]:
    return {**body_json(default_policy().body()), **changes}


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    sitting = await open_sitting(db, participants=2)
    await load_demo_standards(db, ACTOR)
    return sitting


async def test_the_default_policy_is_listed_and_new_versions_are_validated(
    admin_client: AsyncClient,
) -> None:
    listed = (await admin_client.get("/api/scoring-policies")).json()
    default = next(p for p in listed if p["code"] == "default")
    assert default["body"]["level_cutoffs"] == [0.4, 0.55, 0.7, 0.85]

    created = await admin_client.post(
        "/api/scoring-policies", json={"code": "seleksi-2026", "body": _body(cap="total")}
    )
    assert created.status_code == 201, created.text
    again = await admin_client.post(
        "/api/scoring-policies", json={"code": "seleksi-2026", "body": _body()}
    )
    assert (created.json()["version"], again.json()["version"]) == (1, 2)
    fetched = await admin_client.get(f"/api/scoring-policies/{created.json()['id']}")
    assert fetched.json()["body"]["cap"] == "total"

    refused = await admin_client.post(
        "/api/scoring-policies",
        json={"code": "salah", "body": _body(level_cutoffs=[0.9, 0.1, 0.5, 0.6], cap="kadang")},
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["detail"]}
    assert "body.body.cap" in fields


async def test_a_sitting_is_scored_with_the_policy_chosen_for_it(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    created = await admin_client.post(
        "/api/scoring-policies",
        json={"code": "seleksi", "body": _body(category_scale="seleksi")},
    )
    policy_id = created.json()["id"]
    chosen = await admin_client.put(
        f"/api/sittings/{opened.sitting.id}/scoring-policy", json={"policy_id": policy_id}
    )
    assert chosen.status_code == 200 and chosen.json() == {"policy_id": policy_id}

    kiosk = KioskClient(admin_client, opened.participant_nos[0], opened.token)
    await sit(kiosk)
    result = await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    assert result.policy_id == policy_id
    assert result.category in {"MS", "MMS", "KMS"}
    assert result.category == result.details["categories"]["seleksi"]

    unknown = await admin_client.put(
        f"/api/sittings/{opened.sitting.id}/scoring-policy", json={"policy_id": 987654321}
    )
    assert unknown.status_code == 404


async def test_results_of_an_attempt_list_every_version_current_first_with_recommendations(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    kiosk = KioskClient(admin_client, opened.participant_nos[0], opened.token)
    await sit(kiosk, lambda number, options: None if number % 2 else options[0])
    await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    latest = await score_attempt(db, kiosk.attempt_id, reason="check", actor=ACTOR)

    response = await admin_client.get(f"/api/attempts/{kiosk.attempt_id}/results")
    assert response.status_code == 200
    versions = response.json()
    assert versions[0]["version"] == latest.version and versions[0]["is_current"] is True
    numbers = [v["version"] for v in versions]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 2
    current = versions[0]
    assert len(current["competencies"]) == 10
    short = [c for c in current["competencies"] if (c["gap"] or 0) < 0]
    assert short, "half the items blank: some competency falls short"
    assert [r["competency"] for r in current["recommendations"]] == [c["competency"] for c in short]
    first = current["recommendations"][0]
    assert first["text_id"].startswith("Kembangkan ")
    assert f"hingga level {first['required_level']}" in first["text_id"]
    if first["competency"].startswith("M."):
        assert len(first["indicators_id"]) == 3  # the dictionary's indicators of that level

    missing = await admin_client.get("/api/attempts/987654321/results")
    assert missing.status_code == 404 and missing.json()["error"] == "attempt_not_found"


async def test_results_of_a_sitting_are_the_current_ones_paginated(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_ids = []
    for number in opened.participant_nos:
        kiosk = KioskClient(admin_client, number, opened.token)
        await sit(kiosk)
        attempt_ids.append(kiosk.attempt_id)
        await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    await score_attempt(db, attempt_ids[0], reason="again", actor=ACTOR)

    url = f"/api/sittings/{opened.sitting.id}/results"
    page = (await admin_client.get(url, params={"limit": 1})).json()
    assert (page["total"], len(page["items"])) == (2, 1)
    both = (await admin_client.get(url)).json()["items"]
    assert [r["participant_no"] for r in both] == opened.participant_nos
    assert all(r["is_current"] for r in both)
    assert {r["attempt_id"] for r in both} == set(attempt_ids)
    assert (await admin_client.get("/api/sittings/987654321/results")).status_code == 404


async def test_rescore_through_the_api(
    admin_client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    kiosk = KioskClient(admin_client, opened.participant_nos[0], opened.token)
    await sit(kiosk)
    first = await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    response = await admin_client.post(
        "/api/results/rescore",
        json={"sitting_id": opened.sitting.id, "reason": "koreksi kunci TADM-003"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"results": 1, "attempt_ids": [kiosk.attempt_id]}
    versions = (await admin_client.get(f"/api/attempts/{kiosk.attempt_id}/results")).json()
    assert versions[0]["version"] == first.version + 1
    assert versions[0]["reason"] == "koreksi kunci TADM-003"

    both = await admin_client.post(
        "/api/results/rescore",
        json={"sitting_id": 1, "attempt_ids": [1], "reason": "dua sasaran"},
    )
    assert both.status_code == 422
