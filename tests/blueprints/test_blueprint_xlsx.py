"""Blueprints uploaded as XLSX: a `kisi-kisi` sheet and a `bagian` sheet of rules and fixed
items, read into the same model as YAML/JSON, with every problem located by sheet, row and
column; through the loader and the editor page."""

from __future__ import annotations

import io
from collections.abc import Sequence

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.blueprints.models import Blueprint
from item_bank.blueprint import load_blueprint
from tests.fixtures.html import table_rows

HTML = {"Accept": "text/html"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = (
    "bagian",
    "waktu_menit",
    "acak_soal",
    "acak_opsi",
    "kompetensi",
    "tingkat",
    "jumlah",
    "kode_soal",
)
GOOD = [
    ("Manajerial", 60, "ya", "ya", "M.01", 3, 2, None),
    ("Manajerial", None, None, None, "M.02", None, 1, None),
    ("Sosial Kultural", 15, "tidak", "ya", "SK.01", None, 1, None),
    ("#contoh", 5, None, None, "M.01", None, 1, None),  # a note row, skipped
]


def workbook(rows: Sequence[Sequence[object]], *, code: object = "BP-XLSX") -> bytes:
    book = openpyxl.Workbook()
    info = book.active
    assert info is not None
    info.title = "kisi-kisi"
    info.append(["kode", code])
    info.append(["judul", "Kisi-kisi dari Excel"])
    sections = book.create_sheet("bagian")
    sections.append(list(HEADER))
    for row in rows:
        sections.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_blueprint_reads_into_sections_rules_and_fixed_items() -> None:
    fixed = [
        ("Teknis", 45, None, "tidak", None, None, None, "T-001"),
        ("Teknis", None, None, None, None, None, None, "T-002"),
    ]
    result = load_blueprint("kisi.xlsx", workbook([*GOOD, *fixed]))
    assert result.ok, result.problems
    blueprint = result.blueprint
    assert blueprint is not None and blueprint.code == "BP-XLSX"
    assert [s.title for s in blueprint.sections] == ["Manajerial", "Sosial Kultural", "Teknis"]
    first, second, third = blueprint.sections
    assert first.time_limit_minutes == 60 and [
        (r.competency, r.count, r.level) for r in first.rules
    ] == [
        ("M.01", 2, 3),
        ("M.02", 1, None),
    ]
    assert second.shuffle_items is False and second.shuffle_options is True
    assert third.items == ["T-001", "T-002"] and third.shuffle_options is False


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("Manajerial", "enam puluh", None, None, "M.01", None, 2, None)], ("bagian", 2, "B")),
        ([("Manajerial", 60, None, None, "M.01", None, "dua", None)], ("bagian", 2, "G")),
        ([("Manajerial", 60, None, None, "M.01", 9, 2, None)], ("bagian", 2, "F")),
        ([("Manajerial", 60, "mungkin", None, "M.01", None, 2, None)], ("bagian", 2, "C")),
        (
            [
                ("Manajerial", 60, None, None, "M.01", None, 2, None),
                ("Manajerial", None, None, None, "M.02", None, "x", None),
            ],
            ("bagian", 3, "G"),
        ),
    ],
)
def test_each_bad_cell_is_named_by_sheet_row_and_column(
    rows: list[tuple[object, ...]], expected: tuple[str, int, str]
) -> None:
    result = load_blueprint("kisi.xlsx", workbook(rows))
    assert not result.ok and result.problems
    spots = [(p.sheet, p.row, (p.column or "").split()[0]) for p in result.problems]
    assert expected in spots, spots


def test_missing_columns_and_sheets_are_problems_not_errors() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "bagian"
    sheet.append(["kompetensi", "jumlah"])
    sheet.append(["M.01", 2])
    buffer = io.BytesIO()
    book.save(buffer)
    result = load_blueprint("kisi.xlsx", buffer.getvalue())
    assert not result.ok
    assert "missing_column" in {p.code for p in result.problems}
    broken = load_blueprint("kisi.xlsx", b"PK\x03\x04 not really a workbook")
    assert not broken.ok and broken.problems


async def test_the_editor_page_takes_an_xlsx_blueprint_or_lists_its_rows(
    editor_client: AsyncClient, db: AsyncSession
) -> None:
    editor_client.headers.update(HTML)
    page = await editor_client.get("/editor/blueprints")
    assert ".xlsx" in page.text
    before = int(await db.scalar(select(func.count()).select_from(Blueprint)) or 0)
    bad = workbook(
        [
            ("Manajerial", 60, None, None, "M.01", None, "dua", None),
            ("Teknis", 0, None, None, "M.02", None, 1, None),
        ]
    )
    refused = await editor_client.post(
        "/editor/blueprints", files={"file": ("kisi.xlsx", bad, XLSX)}
    )
    assert refused.status_code == 422
    rows = table_rows(refused.text, "problems")
    assert [r[2] for r in rows] == ["2", "3"]  # by row
    assert all(r[1] == "kisi.xlsx · bagian" and r[4] for r in rows)
    assert int(await db.scalar(select(func.count()).select_from(Blueprint)) or 0) == before

    saved = await editor_client.post(
        "/editor/blueprints", files={"file": ("kisi.xlsx", workbook(GOOD), XLSX)}
    )
    assert saved.status_code == 303, saved.text
    shown = await editor_client.get(saved.headers["location"])
    assert "Kisi-kisi dari Excel" in shown.text and "Sosial Kultural" in shown.text


async def test_the_xlsx_template_has_an_example_row_and_help_and_fills_in(
    editor_client: AsyncClient,
) -> None:
    response = await editor_client.get("/api/blueprints/template.xlsx")
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["kisi-kisi", "bagian", "petunjuk"]
    rows = [r for r in book["bagian"].iter_rows(values_only=True) if any(r)]
    assert rows[0] == HEADER and len(rows) == 2 and str(rows[1][0]).startswith("#")
    untouched = load_blueprint("kisi.xlsx", response.content)
    assert not untouched.ok  # no code, no title, no section: the example is not one
    book["kisi-kisi"]["B1"] = "BP-TPL"
    book["kisi-kisi"]["B2"] = "Dari templat"
    book["bagian"].append(["Manajerial", 60, "ya", "ya", "M.01", None, 5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    filled = load_blueprint("kisi.xlsx", buffer.getvalue())
    assert filled.ok, filled.problems
    assert filled.blueprint is not None and len(filled.blueprint.sections) == 1
    page = await editor_client.get("/editor/blueprints", headers=HTML)
    assert 'href="/api/blueprints/template.xlsx"' in page.text
