"""The programme's evidence in long form: the CACT part and every assessor's current rating,
one row per person × competency × method × assessor, in CSV / XLSX / JSONL."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.repository import EVIDENCE_COLUMNS
from cact.audit.models import AuditEvent
from tests.assessors.support import World, as_user, world
from tests.fixtures.factories import create_staff
from tests.programmes import seed


@pytest.fixture
async def w(client: AsyncClient, db: AsyncSession) -> World:
    found = await world(db)
    wave = await seed.sitting(db, found.programme, f"SESI-AC-{found.programme.id}")
    await seed.result(db, wave, found.people[0], {"M.01": (3, 3), "M.02": (2, 3)})
    await as_user(client, found.assessor)
    ani = found.people[0].participant_no
    for key, level, note in ((f"{ani} WAWANCARA", 4, "Rencana jelas"), (f"{ani} LGD", 3, "")):
        await client.put(
            f"/api/assessor/assignments/{found.mine[key]}/ratings",
            json={"ratings": [{"competency": "M.01", "level": level, "evidence": note}]},
        )
    await client.put(  # a second version: only the current one is exported
        f"/api/assessor/assignments/{found.mine[f'{ani} WAWANCARA']}/ratings",
        json={"ratings": [{"competency": "M.01", "level": 5, "evidence": "Rencana sangat jelas"}]},
    )
    await as_user(client, await create_staff(db, "admin"))
    return found


async def test_the_jsonl_has_every_method_in_long_form(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    answer = await client.get(f"/api/programmes/{w.programme.id}/assessment-evidence.jsonl")
    assert answer.status_code == 200, answer.text
    rows = [json.loads(line) for line in answer.text.splitlines()]
    assert all(list(r) == list(EVIDENCE_COLUMNS) for r in rows)
    ani = w.people[0].participant_no
    assert [
        (r["participant_no"], r["competency"], r["method"], r["assessor"], r["level"], r["notes"])
        for r in rows
    ] == [
        (ani, "M.01", "CACT", None, 3, None),
        (ani, "M.01", "WAWANCARA", "Dewi Asesor", 5, "Rencana sangat jelas"),
        (ani, "M.01", "LGD", "Dewi Asesor", 3, ""),
        (ani, "M.02", "CACT", None, 2, None),
    ]
    assert rows[0]["instrument_version"] == f"SESI-AC-{w.programme.id}#r1"
    assert rows[1]["instrument_version"] == "r2" and rows[0]["raw"] is not None
    assert {r["programme_code"] for r in rows} == {w.programme.code}
    events = await db.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment_evidence.export")
    )
    assert len(events.all()) == 1


async def test_the_csv_and_xlsx_carry_the_same_rows(client: AsyncClient, w: World) -> None:
    base = f"/api/programmes/{w.programme.id}/assessment-evidence"
    text = (await client.get(f"{base}.csv")).text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(EVIDENCE_COLUMNS) and len(table) == 5
    assert table[1][1] == f'="{w.people[0].participant_no}"'  # kept as text in a spreadsheet
    xlsx = await client.get(f"{base}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(EVIDENCE_COLUMNS) and sheet.max_row == 5
    excel = await client.get(f"{base}.csv-id")
    assert excel.content.startswith(b"\xef\xbb\xbf") and ";" in excel.text.splitlines()[0]


async def test_the_export_refuses_what_it_cannot_serve(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    assert (await client.get("/api/programmes/999999/assessment-evidence.csv")).status_code == 404
    wrong = await client.get(f"/api/programmes/{w.programme.id}/assessment-evidence.pdf")
    assert wrong.status_code == 422
    await as_user(client, w.assessor)
    refused = await client.get(f"/api/programmes/{w.programme.id}/assessment-evidence.csv")
    assert refused.status_code == 403
