"""The spreadsheet templates (items, roster, standards), read with openpyxl: one example row,
a help sheet, and an import that skips the example (a first cell starting with "#")."""

from __future__ import annotations

import io

import openpyxl
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from item_bank.loader import LoadResult, load_item_bytes
from item_bank.sheet_writer import write_template
from tests.participants.support import HTML, admin_login, positions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def load_bytes(name: str, data: bytes) -> LoadResult:
    return load_item_bytes(name, data, known_competencies={"M.01"})


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(book: openpyxl.Workbook, sheet: str) -> list[tuple[object, ...]]:
    return [r for r in book[sheet].iter_rows(values_only=True) if any(v is not None for v in r)]


def _saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_item_template_has_one_example_row_and_instructions() -> None:
    for language, sheet, guide in (("id", "soal", "petunjuk"), ("en", "items", "instructions")):
        book = _book(write_template("xlsx", language))
        rows = _rows(book, sheet)
        assert len(rows) == 2 and str(rows[1][0]).startswith("#")
        assert any("#" in str(r[0]) for r in _rows(book, guide))  # the rule is explained
        codes = [p.code for p in load_bytes("t.xlsx", write_template("xlsx", language)).problems]
        assert codes == ["no_items"]  # the example is skipped, not imported
    csv_rows = write_template("csv").decode("utf-8-sig").splitlines()
    assert len(csv_rows) == 2 and csv_rows[1].startswith("#CONTOH-001")


def test_the_item_template_example_becomes_an_item_when_given_a_real_id() -> None:
    book = _book(write_template("xlsx"))
    book["soal"]["A2"] = "M01-001"
    book["info"]["B2"] = "Dari templat"
    result = load_bytes("isi.xlsx", _saved(book))
    assert result.ok, result.problems
    (item,) = result.item_sets[0].items
    assert item.id == "M01-001" and [o.weight for o in item.options] == [1, 2, 3, 4]


async def test_the_roster_template_has_an_example_and_help_and_imports_without_it(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    await positions(db, "JF-AK-AP")
    response = await client.get("/admin/participants/template.xlsx")
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    book = _book(response.content)
    assert book.sheetnames == ["peserta", "petunjuk"]
    rows = _rows(book, "peserta")
    assert rows[0][:3] == ("nomor_peserta", "nip", "nama") and len(rows) == 2
    assert str(rows[1][0]).startswith("#")
    help_text = " ".join(str(v) for r in _rows(book, "petunjuk") for v in r if v)
    assert "nomor_peserta" in help_text and "kursi" in help_text and "#" in help_text
    assert "admin.roster" not in help_text  # every column's help is translated

    # the template as it comes: the example is skipped, so there is nothing to import
    untouched = await client.post(
        "/api/participants/import",
        files={"file": ("peserta.xlsx", response.content, XLSX)},
    )
    assert untouched.status_code == 422, untouched.text
    assert [p["code"] for p in untouched.json()["detail"]] == ["no_rows"]

    # a real row below the example is imported, the example still skipped
    book["peserta"].append(["P-9", "198601012010011009", "Budi", "JF-AK-AP"])
    book["peserta"]["J2"] = None  # the example's seat: no sitting is chosen
    filled = await client.post(
        "/api/participants/import",
        files={"file": ("peserta.xlsx", _saved(book), XLSX)},
        data={"dry_run": "true"},
    )
    assert filled.status_code == 200, filled.text
    assert filled.json()["rows"] == 1

    csv_template = await client.get("/admin/participants/template.csv")
    assert csv_template.text.lstrip("\ufeff").splitlines()[1].startswith("#CONTOH")
    page = await client.get("/admin/participants", headers=HTML)
    assert 'href="/admin/participants/template.xlsx"' in page.text


async def test_the_standards_template_has_an_example_and_help_and_imports_without_it(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    response = await client.get("/admin/standards/template.xlsx")
    assert response.status_code == 200
    book = _book(response.content)
    assert book.sheetnames == ["standar", "petunjuk"]
    rows = _rows(book, "standar")
    assert rows[0][:4] == ("kode_jabatan", "nama_jabatan", "kelompok", "M.01") and len(rows) == 2
    assert str(rows[1][0]).startswith("#") and rows[1][3] == 3
    page = await client.get("/admin/standards", headers=HTML)
    assert 'href="/admin/standards/template.xlsx"' in page.text

    book["standar"].append(["JF-9", "Pranata Komputer", "fungsional", 2, 2, 2, 2, 2, 2, 2, 2, 2])
    imported = await client.post(
        "/admin/standards", headers=HTML, files={"file": ("standar.xlsx", _saved(book), XLSX)}
    )
    assert imported.status_code == 200, imported.text
    assert 'data-testid="position-JF-9"' in imported.text
    assert "CONTOH" not in imported.text.split('data-testid="standards-report"', 1)[1]
