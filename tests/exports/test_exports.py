"""Exports of a finished demo sitting open with the documented columns and the database's
values (docs/exports.md)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.export import COLUMNS as AUDIT_COLUMNS
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.exam.models import AttemptItem, Response
from cact.exports import columns
from cact.exports.service import write_export
from cact.exports.writers import xlsx_chunks
from cact.scoring.models import Result, ResultCompetency
from tests.exports.support import csv_records, csv_rows, finished_sitting
from tests.fixtures.factories import create_staff, login

Expected = dict[tuple[int, int], dict[str, Any]]


@pytest.fixture
async def finished(client: AsyncClient, db: AsyncSession) -> tuple[int, list[int]]:
    opened, attempts = await finished_sitting(client, db)
    await login(client, await create_staff(db, "admin"))
    return opened.sitting.id, attempts


async def _expected(db: AsyncSession, attempts: list[int]) -> Expected:
    """Per (attempt, number): the bank label and score, computed here from the rows."""
    rows = await db.execute(
        select(AttemptItem, ItemVersion, Item)
        .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .where(AttemptItem.attempt_id.in_(attempts))
    )
    expected: Expected = {}
    for presented, version, item in rows:
        response = await db.get(Response, presented.id)
        option = (
            await db.get(ItemOption, response.option_id)
            if response and response.option_id
            else None
        )
        if option is None:
            score = 0
        elif item.kind == "weighted":
            score = option.weight or 0
        else:
            score = (version.points or 1) if option.correct else 0
        expected[(presented.attempt_id, presented.number)] = {
            "item_id": item.id,
            "answer": option.label if option else "",
            "score": score,
            "doubtful": bool(response and response.doubtful),
            "change_count": response.change_count if response else 0,
        }
    return expected


def _check_rows(records: list[dict[str, Any]], expected: Expected) -> None:
    assert len(records) == len(expected)
    answered = 0
    for record in records:
        want = expected[(int(record["attempt_id"]), int(record["number"]))]
        assert record["item_id"] == want["item_id"]
        assert (record["answer"] or "") == want["answer"]
        assert float(record["score"]) == want["score"]
        assert int(record["change_count"]) == want["change_count"]
        assert record["doubtful"] in (want["doubtful"], str(want["doubtful"]).lower())
        answered += record["answer"] not in ("", None)
    assert answered == 4 + 5 + 6
    assert any(w["change_count"] == 2 for w in expected.values())
    assert any(w["score"] > 0 for w in expected.values())


async def test_responses_csv_with_and_without_bom(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, attempts = finished
    expected = await _expected(db, attempts)
    for bom in (False, True):
        response = await client.get(
            f"/api/sittings/{sitting_id}/exports/responses.csv", params={"bom": bom}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "responses.csv" in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf") is bom
        text = response.content.decode("utf-8-sig")
        assert tuple(csv_rows(text)[0]) == columns.RESPONSES
        records = csv_records(text)
        _check_rows(records, expected)
        answered = next(r for r in records if r["answer"])
        datetime.fromisoformat(answered["saved_at"])
        assert "\r\n" in text


async def test_responses_xlsx_and_jsonl(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, attempts = finished
    expected = await _expected(db, attempts)

    response = await client.get(f"/api/sittings/{sitting_id}/exports/responses.xlsx")
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["responses"]
    rows = list(book["responses"].iter_rows(values_only=True))
    assert rows[0] == columns.RESPONSES
    # A sheet stores no trailing blank cells (close_reason, close_note of running attempts).
    width = len(columns.RESPONSES)
    records = [
        dict(zip(columns.RESPONSES, row + (None,) * (width - len(row)), strict=True))
        for row in rows[1:]
    ]
    _check_rows(records, expected)
    answered = next(r for r in records if r["answer"])
    assert isinstance(answered["saved_at"], datetime) and answered["saved_at"].tzinfo is None
    assert isinstance(answered["doubtful"], bool)
    book.close()

    response = await client.get(f"/api/sittings/{sitting_id}/exports/responses.jsonl")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert all(tuple(line) == columns.RESPONSES for line in lines)
    _check_rows(lines, expected)
    answered = next(r for r in lines if r["answer"])
    assert datetime.fromisoformat(answered["first_answered_at"]).tzinfo is not None


async def test_results_match_the_current_results(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, attempts = finished
    response = await client.get(f"/api/sittings/{sitting_id}/exports/results.jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    stored = (
        await db.execute(
            select(Result, ResultCompetency)
            .join(ResultCompetency, ResultCompetency.result_id == Result.id)
            .where(Result.attempt_id.in_(attempts), Result.is_current)
        )
    ).all()
    assert len(lines) == len(stored) > 0
    assert all(tuple(line) == columns.RESULTS for line in lines)
    by_key = {(line["attempt_id"], line["competency"]): line for line in lines}
    for result, competency in stored:
        line = by_key[(result.attempt_id, competency.competency_code)]
        assert Decimal(str(line["raw_score"])) == competency.raw_score
        assert line["attained_level"] == competency.attained_level
        assert line["result_version"] == result.version
        assert line["category"] == result.category

    book = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/api/sittings/{sitting_id}/exports/results.xlsx")).content),
        read_only=True,
    )
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == columns.RESULTS and len(rows) == len(stored) + 1
    book.close()


async def test_matrix_has_one_row_per_attempt_and_sorted_item_columns(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, attempts = finished
    expected = await _expected(db, attempts)
    response = await client.get(f"/api/sittings/{sitting_id}/exports/matrix.csv")
    header, *rows = csv_rows(response.text)
    items = header[len(columns.MATRIX_FIXED) :]
    assert tuple(header[: len(columns.MATRIX_FIXED)]) == columns.MATRIX_FIXED
    assert items == sorted(items) and len(items) == len(set(items))
    assert sorted(int(r[1]) for r in rows) == sorted(attempts)
    for row in rows:
        attempt_id = int(row[1])
        want = {w["item_id"]: w["score"] for (a, _), w in expected.items() if a == attempt_id}
        got = {item: float(v) for item, v in zip(items, row[3:], strict=True) if v != ""}
        assert got == want


async def test_audit_export_and_refusals(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, _ = finished
    await client.get(f"/api/sittings/{sitting_id}/exports/results.csv")
    response = await client.get(f"/api/sittings/{sitting_id}/exports/audit.csv")
    assert tuple(csv_rows(response.text)[0]) == (*AUDIT_COLUMNS, *columns.AUDIT_LOCAL)
    records = csv_records(response.text)
    assert any(r["action"] == "sitting.export" for r in records)
    assert all(r["sitting_id"] == str(sitting_id) for r in records)
    book = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/api/sittings/{sitting_id}/exports/audit.xlsx")).content),
        read_only=True,
    )
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == (*AUDIT_COLUMNS, *columns.AUDIT_LOCAL)
    assert len(rows) == len(records) + 2  # the header and the xlsx request's own event
    book.close()

    missing = await client.get("/api/sittings/999999/exports/responses.csv")
    assert missing.status_code == 404
    assert (await client.get(f"/api/sittings/{sitting_id}/exports/secrets.csv")).status_code == 422
    assert (await client.get(f"/api/sittings/{sitting_id}/exports/matrix.pdf")).status_code == 422


async def test_write_export_for_the_cli_gives_the_same_file(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, _ = finished
    out = io.BytesIO()
    await write_export(db, "responses", sitting_id, "csv", out, bom=True)
    served = await client.get(
        f"/api/sittings/{sitting_id}/exports/responses.csv", params={"bom": True}
    )
    assert out.getvalue() == served.content


async def _rows(rows: list[tuple[Any, ...]]) -> Any:
    for row in rows:
        yield row


async def test_xlsx_continues_on_further_sheets_and_cleans_text() -> None:
    rows = [(n, f"=cmd|{n}", " spaced ", "bad\x01char", None) for n in range(5)]
    data = b"".join(
        [
            c
            async for c in xlsx_chunks(
                ("n", "a", "b", "c", "d"), _rows(rows), sheet="x", max_rows=3
            )
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["x", "x 2", "x 3"]
    seen = []
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == ("n", "a", "b", "c", "d")
        seen.extend(values[1:])
    assert [v[0] for v in seen] == [0, 1, 2, 3, 4]
    assert seen[0][1:4] == ("=cmd|0", " spaced ", "badchar")  # a string, never a formula
    book.close()


async def test_results_carry_both_categories_and_the_potential(
    client: AsyncClient, db: AsyncSession, finished: tuple[int, list[int]]
) -> None:
    sitting_id, _ = finished
    lines = (await client.get(f"/api/sittings/{sitting_id}/exports/results.jsonl")).text
    records = [json.loads(line) for line in lines.splitlines()]
    assert records and tuple(records[0]) == columns.RESULTS
    for record in records:
        result = await db.scalar(
            select(Result).where(Result.attempt_id == record["attempt_id"], Result.is_current)
        )
        assert result is not None
        categories = result.details.get("categories") or {}
        assert record["category_pemetaan"] == categories.get("pemetaan")
        assert record["category_seleksi"] == categories.get("seleksi")
        assert record["potential"] == result.details.get("potential")
        assert record["time_zone"] == "Asia/Jakarta" and record["time_zone_label"] == "WIB"
        assert record["scored_at_local"] is not None and "+" not in record["scored_at_local"]


async def test_the_csv_for_indonesian_excel(
    client: AsyncClient, finished: tuple[int, list[int]]
) -> None:
    sitting_id, _ = finished
    served = await client.get(f"/api/sittings/{sitting_id}/exports/results.csv-id")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/csv")
    assert served.headers["content-disposition"].endswith('-results-excel-id.csv"')
    data = served.content
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == text.count("\n")  # CRLF only
    header, first, *_ = text.split("\r\n")
    assert header.split(";") == list(columns.RESULTS)
    cells = first.split(";")
    at = {name: n for n, name in enumerate(columns.RESULTS)}
    assert cells[at["participant_no"]].startswith('="') and cells[at["nip"]].startswith('="')
    assert "," in cells[at["index"]] and "." not in cells[at["index"]]  # "0,7500"
    standard = (await client.get(f"/api/sittings/{sitting_id}/exports/results.csv")).text
    plain = standard.split("\r\n")[1].split(",")
    assert "." in plain[at["index"]]
    assert (
        await client.get(f"/api/sittings/{sitting_id}/exports/results.csv-x")
    ).status_code == 422
