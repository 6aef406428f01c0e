"""Uploading item sets: all or nothing, every problem by location, versions instead of edits."""

from __future__ import annotations

import io

import yaml
from httpx import AsyncClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import Item, ItemVersion
from tests.fixtures.uploads import DEMO, upload, upload_bytes


async def _item_count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Item)) or 0)


async def test_demo_sets_import_and_are_audited(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    response = await editor_client.post(
        "/api/items/import", files=upload("manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    )
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert len(outcome["created"]) == 32 + 5 + 18
    assert outcome["competencies"] == ["T.ADM.01"]
    assert await _item_count(db) == 55
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.import"))
    assert event is not None and len(event.details["created"]) == 55


async def test_importing_the_same_set_again_changes_nothing(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    await editor_client.post("/api/items/import", files=upload("manajerial.yaml"))
    again = await editor_client.post("/api/items/import", files=upload("manajerial.yaml"))
    assert again.status_code == 200
    assert again.json()["created"] == [] and again.json()["new_versions"] == []
    assert len(again.json()["unchanged"]) == 32
    versions = await db.scalar(select(func.count()).select_from(ItemVersion))
    assert versions == 32


async def test_a_changed_item_gets_a_new_version_and_the_old_one_is_kept(
    editor_client: AsyncClient,
) -> None:
    await editor_client.post("/api/items/import", files=upload("manajerial.yaml"))
    document = yaml.safe_load((DEMO / "manajerial.yaml").read_text("utf-8"))
    document["items"][0]["stem"] = "<p>Versi revisi dari situasi ini.</p>"
    first_id = document["items"][0]["id"]
    changed = yaml.safe_dump(document, allow_unicode=True).encode()
    response = await editor_client.post(
        "/api/items/import", files=upload_bytes("manajerial.yaml", changed)
    )
    assert response.json()["new_versions"] == [first_id]
    item = (await editor_client.get(f"/api/items/{first_id}")).json()
    assert item["current_version"] == 2
    assert "Versi revisi" in item["current"]["stem_html"]
    history = (await editor_client.get(f"/api/items/{first_id}/versions")).json()
    assert [v["version"] for v in history] == [2, 1]
    assert "Versi revisi" not in history[1]["stem_html"]


async def test_one_bad_file_rejects_the_whole_upload_with_every_problem(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    bad = {
        "format": "cact-items/1",
        "title": "Rusak",
        "language": "id",
        "items": [
            {
                "id": "X-1",
                "competency": "M.99",
                "kind": "weighted",
                "stem": "<p>a</p>",
                "options": [{"text": "a", "weight": 1}, {"text": "b"}],
            },
            {
                "id": "X-2",
                "competency": "M.01",
                "kind": "keyed",
                "points": 1,
                "stem": "",
                "options": [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
            },
        ],
    }
    files = upload("manajerial.yaml") + upload_bytes("rusak.yaml", yaml.safe_dump(bad).encode())
    response = await editor_client.post("/api/items/import", files=files)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_item_set"
    codes = {(p["item_id"], p["code"]) for p in body["detail"]}
    assert {
        ("X-1", "unknown_competency"),
        ("X-1", "missing_weight"),
        ("X-2", "empty_stem"),
        ("X-2", "two_correct_options"),
    } <= codes
    assert all(p["file"] == "rusak.yaml" for p in body["detail"])
    assert all(p["message_id"] and p["message_en"] for p in body["detail"])
    assert await _item_count(db) == 0  # the good file was not stored either


async def test_spreadsheet_problems_come_back_by_row_and_column(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        [
            "kode_soal",
            "kompetensi",
            "jenis",
            "level",
            "soal",
            "opsi_A",
            "bobot_A",
            "opsi_B",
            "bobot_B",
        ]
    )
    sheet.append(["S-1", "M.01", "weighted", 3, "Situasi satu", "Pilihan a", 4, "Pilihan b", 1])
    sheet.append(["S-2", "M.01", "weighted", 9, "Situasi dua", "Pilihan a", 4, "Pilihan b", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await editor_client.post(
        "/api/items/import", files=upload_bytes("soal.xlsx", buffer.getvalue())
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    by_code = {p["code"]: p for p in problems}
    assert by_code["level_out_of_range"]["row"] == 3
    assert by_code["missing_weight"]["row"] == 3
    assert by_code["missing_weight"]["item_id"] == "S-2"
    assert all(p.get("sheet") for p in problems)
    assert await _item_count(db) == 0


async def test_validate_reports_without_writing(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    response = await editor_client.post("/api/items/validate", files=upload("teknis.yaml"))
    assert response.status_code == 200
    assert response.json() == {"valid": True, "item_count": 18, "problems": [], "notes": []}
    assert await _item_count(db) == 0


async def test_dry_run_reports_the_outcome_and_stores_nothing(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    response = await editor_client.post(
        "/api/items/import", files=upload("teknis.yaml"), data={"dry_run": "true"}
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert len(response.json()["created"]) == 18
    assert await _item_count(db) == 0


async def test_qti_items_without_a_competency_take_the_one_given_at_import(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    qti = b"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="Q-1"
    title="Q" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>Berapa 2 + 2?</qti-prompt>
      <qti-simple-choice identifier="A">3</qti-simple-choice>
      <qti-simple-choice identifier="B">4</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""
    without = await editor_client.post("/api/items/import", files=upload_bytes("q.xml", qti))
    assert without.status_code == 422
    assert without.json()["detail"][0]["code"] == "missing_competency"
    with_code = await editor_client.post(
        "/api/items/import", files=upload_bytes("q.xml", qti), data={"competency": "M.03"}
    )
    assert with_code.status_code == 200, with_code.text
    item = (await editor_client.get("/api/items/Q-1")).json()
    assert (item["competency"], item["kind"]) == ("M.03", "keyed")
    assert [o["correct"] for o in item["current"]["options"]] == [False, True]
