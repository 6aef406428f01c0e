from __future__ import annotations

import json

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.blueprints.models import Blueprint
from tests.fixtures.factories import create_sitting
from tests.fixtures.uploads import DEMO, upload


def _blueprint_file(data: bytes | None = None) -> dict[str, tuple[str, bytes, str]]:
    return {
        "file": (
            "blueprint.yaml",
            data or (DEMO / "blueprint.yaml").read_bytes(),
            "application/yaml",
        )
    }


@pytest.fixture
async def demo_bank(editor_client: AsyncClient) -> AsyncClient:
    response = await editor_client.post(
        "/api/items/import", files=upload("manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    )
    assert response.status_code == 200
    return editor_client


async def test_the_demo_blueprint_imports_checks_and_previews(demo_bank: AsyncClient) -> None:
    created = await demo_bank.post("/api/blueprints/import", files=_blueprint_file())
    assert created.status_code == 201, created.text
    blueprint = created.json()
    assert [s["title"] for s in blueprint["sections"]] == [
        "Manajerial",
        "Sosial Kultural",
        "Teknis",
    ]
    assert [s["time_limit_seconds"] for s in blueprint["sections"]] == [1200, 300, 900]

    check = (await demo_bank.get(f"/api/blueprints/{blueprint['id']}/check")).json()
    assert check == {"satisfiable": True, "item_count": 29, "shortfalls": []}

    preview = await demo_bank.get(f"/api/blueprints/{blueprint['id']}/preview", params={"seed": 42})
    assert preview.status_code == 200
    form = preview.json()
    assert [len(s["items"]) for s in form["sections"]] == [16, 3, 10]
    numbers = [i["number"] for s in form["sections"] for i in s["items"]]
    assert numbers == list(range(1, 30))
    flat = json.dumps(form)
    assert '"weight"' not in flat and '"correct"' not in flat and '"points"' not in flat
    again = (
        await demo_bank.get(f"/api/blueprints/{blueprint['id']}/preview", params={"seed": 42})
    ).json()
    assert again == form


async def test_a_blueprint_the_bank_cannot_fill_lists_its_shortfalls(
    editor_client: AsyncClient,
) -> None:
    await editor_client.post("/api/items/import", files=upload("sosiokultural.yaml"))
    created = (await editor_client.post("/api/blueprints/import", files=_blueprint_file())).json()
    check = (await editor_client.get(f"/api/blueprints/{created['id']}/check")).json()
    assert check["satisfiable"] is False
    assert {s["what"] for s in check["shortfalls"]} >= {"M.01", "T.ADM.01"}
    preview = await editor_client.get(f"/api/blueprints/{created['id']}/preview")
    assert preview.status_code == 409
    assert preview.json()["error"] == "blueprint_unsatisfiable"


async def test_a_bad_blueprint_file_is_refused_with_its_problems(
    editor_client: AsyncClient,
) -> None:
    bad = (
        b"format: cact-blueprint/1\ncode: X\ntitle: X\n"
        b"sections:\n  - title: A\n    time_limit_minutes: 0\n"
    )
    response = await editor_client.post("/api/blueprints/import", files=_blueprint_file(bad))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_blueprint"
    assert body["detail"] and all(p["file"] == "blueprint.yaml" for p in body["detail"])


async def test_a_blueprint_used_by_a_sitting_cannot_be_replaced(
    demo_bank: AsyncClient, db: AsyncSession
) -> None:
    created = (await demo_bank.post("/api/blueprints/import", files=_blueprint_file())).json()
    blueprint = await db.get(Blueprint, created["id"])
    await create_sitting(db, blueprint=blueprint)
    again = await demo_bank.post("/api/blueprints/import", files=_blueprint_file())
    assert again.status_code == 409
    assert again.json()["error"] == "blueprint_in_use"


async def test_breaks_travel_through_the_api_and_zero_means_none(demo_bank: AsyncClient) -> None:
    created = (await demo_bank.post("/api/blueprints/import", files=_blueprint_file())).json()
    assert created["break_seconds"] == 60
    assert [s["break_after_seconds"] for s in created["sections"]] == [120, None, None]
    none = (DEMO / "blueprint.yaml").read_bytes().replace(b"break_seconds: 60", b"break_seconds: 0")
    none = none.replace(b"code: DEMO-2026", b"code: DEMO-NO-BREAK")
    replaced = (await demo_bank.post("/api/blueprints/import", files=_blueprint_file(none))).json()
    assert replaced["break_seconds"] == 0
    blueprint = await service_get(demo_bank, replaced["id"])
    assert blueprint["break_seconds"] == 0


async def service_get(client: AsyncClient, blueprint_id: int) -> dict[str, object]:
    response = await client.get(f"/api/blueprints/{blueprint_id}")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b"break_seconds: 60", b"break_seconds: -1", "break_out_of_range"),
        (b"break_seconds: 60", b"break_seconds: 99999", "break_out_of_range"),
        (b"break_seconds: 60", b"break_seconds: lama", "wrong_type"),
        (b"break_after_seconds: 120", b"break_after_seconds: 15 menit", "wrong_type"),
        (
            b"      - {competency: T.ADM.01, count: 10}",
            b"      - {competency: T.ADM.01, count: 10}\n    break_after_seconds: 60",
            "break_after_last_section",
        ),
    ],
)
async def test_a_bad_break_is_refused_with_a_clear_error(
    editor_client: AsyncClient, old: bytes, new: bytes, code: str
) -> None:
    bad = (DEMO / "blueprint.yaml").read_bytes().replace(old, new)
    response = await editor_client.post("/api/blueprints/import", files=_blueprint_file(bad))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_blueprint"
    assert [p["code"] for p in body["detail"]] == [code]
    assert body["detail"][0]["line"] and body["detail"][0]["message_id"]
