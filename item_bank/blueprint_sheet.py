"""Blueprints as XLSX: a `kisi-kisi` sheet (code, title) and a `bagian` sheet with one row per
selection rule or fixed item; rows of the same section title form one section, in order.

    kisi-kisi:  kode | DEMO-2026          bagian:  bagian | waktu_menit | acak_soal | acak_opsi |
                judul | Asesmen 2026                kompetensi | tingkat | jumlah | kode_soal

A section's time and shuffling come from its first row. Every value is located by sheet, row and
column, so the model's validation problems name the cell.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl

from item_bank.columns import Column, normalise
from item_bank.problems import Location, Report
from item_bank.safety import Limits, open_zip, refuse_doctype
from item_bank.spreadsheet import BROKEN_WORKBOOK, _report_broken
from item_bank.tables import Header, data_rows, find_header, is_example

INFO_SHEETS = {"kisi_kisi", "blueprint", "info"}
SECTION_SHEETS = {"bagian", "sections"}
INFO_KEYS = {"kode": "code", "code": "code", "judul": "title", "title": "title"}
SECTION_COLUMNS: tuple[Column, ...] = (
    Column("section", "bagian", ("judul_bagian", "section_title"), required=True),
    Column("time_limit_minutes", "waktu_menit", ("waktu", "menit", "minutes"), required=True),
    Column("shuffle_items", "acak_soal"),
    Column("shuffle_options", "acak_opsi"),
    Column("competency", "kompetensi"),
    Column("level", "tingkat"),
    Column("count", "jumlah", ("jumlah_soal",)),
    Column("item", "kode_soal", ("item_id",)),
)
YES = {"ya", "y", "yes", "true", "1", "benar"}
NO = {"tidak", "t", "no", "n", "false", "0", "salah"}


def _value(cell: Any) -> Any:
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell.strip() if isinstance(cell, str) else cell


def _flag(cell: Any) -> Any:
    text = normalise(str(cell)) if cell is not None else ""
    return True if text in YES else False if text in NO else _value(cell)


def read_blueprint_xlsx(data: bytes, report: Report, limits: Limits) -> dict[str, Any] | None:
    archive = open_zip(data, report, limits)
    if archive is None or not refuse_doctype(archive, report):
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN_WORKBOOK as error:
        _report_broken(error, report)
        return None
    try:
        sheets = {normalise(ws.title): ws for ws in book.worksheets}
        document: dict[str, Any] = {"sections": []}
        for key, sheet in sheets.items():
            rows = list(enumerate(sheet.iter_rows(values_only=True), start=1))
            if key in INFO_SHEETS:
                document.update(_info(rows, sheet.title, report))
            elif key in SECTION_SHEETS:
                document["sections"] = _sections(rows, sheet.title, report)
        return document
    except BROKEN_WORKBOOK as error:
        _report_broken(error, report)
        return None
    finally:
        book.close()


def _info(rows: list[tuple[int, Sequence[Any]]], sheet: str, report: Report) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for number, cells in data_rows(rows):
        key = INFO_KEYS.get(normalise(str(cells[0]))) if cells and cells[0] is not None else None
        if key is not None and len(cells) > 1:
            found[key] = _value(cells[1])
            report.source.add((key,), Location(sheet=sheet, row=number, column="B"))
    return found


def _sections(
    rows: list[tuple[int, Sequence[Any]]], sheet: str, report: Report
) -> list[dict[str, Any]]:
    header, body = find_header(data_rows(rows), SECTION_COLUMNS, sheet, report)
    if header is None:
        return []
    sections: dict[str, dict[str, Any]] = {}
    for number, cells in body:
        if is_example(cells):
            continue
        title = header.text("section", cells) or ""
        if title not in sections:
            sections[title] = _new_section(header, number, cells, len(sections), report)
        index = list(sections).index(title)
        _add_row(sections[title], header, number, cells, index, report)
    return list(sections.values())


def _at(header: Header, name: str, row: int) -> Location:
    return header.location(name, row)


def _new_section(
    header: Header, row: int, cells: Sequence[Any], index: int, report: Report
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "title": header.text("section", cells),
        "time_limit_minutes": _value(header.value("time_limit_minutes", cells)),
        "rules": [],
        "items": [],
    }
    report.source.add(("sections", index), Location(sheet=header.sheet, row=row))
    for name in ("title", "time_limit_minutes"):
        column = "section" if name == "title" else name
        report.source.add(("sections", index, name), _at(header, column, row))
    for name in ("shuffle_items", "shuffle_options"):
        cell = header.value(name, cells)
        if cell is not None and str(cell).strip():
            section[name] = _flag(cell)
            report.source.add(("sections", index, name), _at(header, name, row))
    return section


def _add_row(
    section: dict[str, Any],
    header: Header,
    row: int,
    cells: Sequence[Any],
    index: int,
    report: Report,
) -> None:
    item = header.text("item", cells)
    if item is not None:
        position = len(section["items"])
        section["items"].append(item)
        report.source.add(("sections", index, "items", position), _at(header, "item", row))
    if header.text("competency", cells) is None and item is not None:
        return
    rule: dict[str, Any] = {
        "competency": header.text("competency", cells),
        "count": _value(header.value("count", cells)),
    }
    level = _value(header.value("level", cells))
    if level not in (None, ""):
        rule["level"] = level
    position = len(section["rules"])
    section["rules"].append(rule)
    base = ("sections", index, "rules", position)
    report.source.add(base, Location(sheet=header.sheet, row=row))
    for name in ("competency", "count", "level"):
        report.source.add((*base, name), _at(header, name, row))


HELP = (
    ("lembar / sheet", "kolom / column", "keterangan", "description"),
    ("kisi-kisi", "kode, judul", "Kode unik dan judul kisi-kisi", "Unique code and title"),
    ("bagian", "bagian", "Judul bagian; baris berjudul sama = satu bagian", "Section title"),
    ("bagian", "waktu_menit", "Batas waktu bagian (menit), di baris pertama bagian", "Minutes"),
    ("bagian", "acak_soal, acak_opsi", "ya / tidak (kosong = ya)", "yes / no (empty = yes)"),
    (
        "bagian",
        "kompetensi, tingkat, jumlah",
        "Aturan: jumlah soal per kompetensi (dan level)",
        "A rule: how many items of a competency (and level)",
    ),
    ("bagian", "kode_soal", "Atau satu butir tetap per baris", "Or one fixed item per row"),
    ("", "#…", "Baris yang diawali # (baris contoh) dilewati", "Rows starting with # are skipped"),
)


def write_blueprint_template() -> bytes:
    """The XLSX blueprint template: both sheets, one example row the reader skips, and help."""
    book = openpyxl.Workbook()
    info = book.active
    assert info is not None
    info.title = "kisi-kisi"
    info.append(["kode", ""])
    info.append(["judul", ""])
    sections = book.create_sheet("bagian")
    sections.append([c.indonesian for c in SECTION_COLUMNS])
    sections.append(["#Manajerial (contoh)", 60, "ya", "ya", "M.01", 3, 5, None])
    guide = book.create_sheet("petunjuk")
    for row in HELP:
        guide.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
