"""The integrated-profile export: one row per person × competency of the newest sign-off,
with the CACT level, each method's level, the proposal, the final level and the JPM."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.integration_export import PROFILE_COLUMNS
from cact.audit.models import AuditEvent
from tests.assessors.integration_support import FINAL, Hand, hand


@pytest.fixture
async def h(client: AsyncClient, db: AsyncSession) -> Hand:
    found = await hand(client, db)
    answer = await client.post(f"{found.api}/sign-off", json={"levels": FINAL})
    assert answer.status_code == 201, answer.text
    return found


async def test_the_jsonl_has_a_row_per_competency_of_the_sign_off(
    client: AsyncClient, db: AsyncSession, h: Hand
) -> None:
    answer = await client.get(f"/api/programmes/{h.w.programme.id}/integrated-profile.jsonl")
    assert answer.status_code == 200, answer.text
    rows = [json.loads(line) for line in answer.text.splitlines()]
    assert all(list(r) == list(PROFILE_COLUMNS) for r in rows)
    budi = h.w.people[1].participant_no
    assert [
        (
            r["participant_no"],
            r["competency"],
            r["cact_level"],
            r["method_levels"],
            r["weighted_mean"],
            r["proposed_level"],
            r["final_level"],
            r["reason"],
        )
        for r in rows
    ] == [
        (budi, "M.01", 3, "CACT=3; WAWANCARA=4; LGD=2.5", 3.375, 3, 3, ""),
        (budi, "M.02", 2, "CACT=2; WAWANCARA=3", 2.5, 3, 2, "Presentasi tidak mendukung"),
        (budi, "M.03", None, "LGD=4", 4.0, 4, 4, ""),
    ]
    first = rows[0]
    assert first["jpm"] == 88.89 and first["category"] == "Cukup Optimal"
    assert first["signed_off_by"] == "Rina Asesor Utama" and first["needs_review"] is False
    assert first["version"] == 1 and first["rule"] == "weighted_mean"
    assert first["required_level"] == 3 and rows[1]["gap"] == -1
    events = await db.scalars(
        select(AuditEvent).where(AuditEvent.action == "integrated_profile.export")
    )
    assert len(events.all()) == 1


async def test_the_csv_and_xlsx_carry_the_same_rows(client: AsyncClient, h: Hand) -> None:
    base = f"/api/programmes/{h.w.programme.id}/integrated-profile"
    table = list(csv.reader(io.StringIO((await client.get(f"{base}.csv")).text)))
    assert table[0] == list(PROFILE_COLUMNS) and len(table) == 4
    assert table[1][1] == f'="{h.w.people[1].participant_no}"'
    book = openpyxl.load_workbook(io.BytesIO((await client.get(f"{base}.xlsx")).content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(PROFILE_COLUMNS) and sheet.max_row == 4
    excel = await client.get(f"{base}.csv-id")
    assert excel.content.startswith(b"\xef\xbb\xbf") and "3,375" in excel.text
    assert (await client.get(f"{base}.pdf")).status_code == 422
