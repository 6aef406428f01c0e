"""Searching, viewing, previewing and retiring items; versions in use never change."""

from __future__ import annotations

import json

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import ItemOption, ItemVersion
from tests.fixtures.factories import create_attempt_using
from tests.fixtures.uploads import upload


@pytest.fixture
async def bank(editor_client: AsyncClient) -> AsyncClient:
    response = await editor_client.post(
        "/api/items/import", files=upload("manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    )
    assert response.status_code == 200, response.text
    return editor_client


async def test_search_filters_by_competency_level_kind_status_and_text(bank: AsyncClient) -> None:
    by_competency = (await bank.get("/api/items", params={"competency": "M.02"})).json()
    assert by_competency["total"] == 4
    assert {i["competency"] for i in by_competency["items"]} == {"M.02"}

    keyed = (await bank.get("/api/items", params={"kind": "keyed", "limit": 100})).json()
    assert keyed["total"] == 18

    level = (await bank.get("/api/items", params={"level": 3, "limit": 100})).json()
    assert level["total"] > 0 and {i["level"] for i in level["items"]} == {3}

    one = (await bank.get("/api/items", params={"limit": 1})).json()["items"][0]
    word = one["stem_text"].split()[2]
    found = (await bank.get("/api/items", params={"q": word, "limit": 100})).json()
    assert one["id"] in {i["id"] for i in found["items"]}

    bad = await bank.get("/api/items", params={"level": 9})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "query.level"


async def test_the_editor_sees_weights_but_the_preview_has_none(bank: AsyncClient) -> None:
    item = (await bank.get("/api/items/M01-001")).json()
    weights = sorted(o["weight"] for o in item["current"]["options"])
    assert weights == [1, 2, 3, 4]
    preview = await bank.get("/api/items/M01-001/preview")
    assert preview.status_code == 200
    body = preview.json()
    assert [o["label"] for o in body["options"]] == ["A", "B", "C", "D"]
    flat = json.dumps(body)
    for secret in ('"weight"', '"correct"', '"points"'):
        assert secret not in flat


async def test_retiring_keeps_the_item_with_a_reason_in_the_audit_log(
    bank: AsyncClient, db: AsyncSession
) -> None:
    response = await bank.post("/api/items/M01-001/retire", json={"reason": "Kunci diperdebatkan"})
    assert response.status_code == 200
    assert response.json()["status"] == "retired"
    assert response.json()["retired_at"] is not None
    again = await bank.post("/api/items/M01-001/retire", json={"reason": "lagi"})
    assert again.status_code == 409
    assert again.json()["error"] == "item_retired"
    active = await bank.get("/api/items", params={"competency": "M.01", "status": "active"})
    assert "M01-001" not in {i["id"] for i in active.json()["items"]}
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.retire"))
    assert event is not None and event.reason == "Kunci diperdebatkan"


async def test_unknown_item_is_404(bank: AsyncClient) -> None:
    response = await bank.get("/api/items/TIDAK-ADA")
    assert response.status_code == 404
    assert response.json()["error"] == "item_not_found"


async def test_a_version_no_attempt_used_may_still_be_corrected_in_place(
    bank: AsyncClient, db: AsyncSession
) -> None:
    version = await db.scalar(select(ItemVersion).where(ItemVersion.item_id == "M01-002"))
    assert version is not None
    await db.execute(
        update(ItemVersion).where(ItemVersion.id == version.id).values(stem_html="<p>ok</p>")
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE item_version SET stem_html = '<p>changed</p>' WHERE id = :id",
        "DELETE FROM item_version WHERE id = :id",
        "UPDATE item_option SET weight = 4 WHERE item_version_id = :id",
        "DELETE FROM item_option WHERE item_version_id = :id",
    ],
)
async def test_a_version_used_by_an_attempt_cannot_change_below_the_web_layer(
    bank: AsyncClient, db: AsyncSession, statement: str
) -> None:
    version = await db.scalar(select(ItemVersion).where(ItemVersion.item_id == "M01-001"))
    assert version is not None
    await create_attempt_using(db, version)
    with pytest.raises(DBAPIError, match="used by an attempt"):
        async with db.begin_nested():
            await db.execute(text(statement), {"id": version.id})
    options = (
        await db.scalars(select(ItemOption.weight).where(ItemOption.item_version_id == version.id))
    ).all()
    assert sorted(w for w in options if w is not None) == [1, 2, 3, 4]
