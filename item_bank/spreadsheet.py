"""XLSX workbooks and CSV files of the spreadsheet template → the native structure.

Items come one per row. A workbook may add a `set` sheet (title, language, source as key/value
rows) and a `competencies` sheet declaring organisation competencies; otherwise, and always for
CSV, the title is the file name and the language Indonesian.
"""

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from item_bank.columns import (
    COMPETENCY_COLUMNS,
    COMPETENCY_SHEETS,
    INSTRUCTION_SHEETS,
    ITEM_COLUMNS,
    ITEMS_SHEETS,
    SET_FIELDS,
    SET_HEADER_WORDS,
    SET_SHEETS,
    header_map,
    normalise,
)
from item_bank.problems import Code, Location, Report
from item_bank.safety import MEMBER_ERRORS, Limits, decode_text, open_zip, refuse_doctype
from item_bank.sheet_items import read_item_rows
from item_bank.tables import HEADER_SEARCH_ROWS, Rows, data_rows, find_header, header_score
from item_bank.values import cell_text

CSV_DELIMITERS = (",", ";", "\t")
BROKEN_WORKBOOK = (
    DefusedXmlException,
    *MEMBER_ERRORS,
    IndexError,
    AttributeError,
    LookupError,
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
    SyntaxError,  # lxml's XMLSyntaxError, when openpyxl parses with lxml
)


def default_set(file_name: str) -> dict[str, Any]:
    return {"title": PurePosixPath(file_name.replace("\\", "/")).stem, "language": "id"}


def read_csv(
    data: bytes, report: Report, *, need_competency: bool, limits: Limits
) -> dict[str, Any] | None:
    text = decode_text(data, report)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    rows = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    try:
        items = read_item_rows(
            rows, None, report, need_competency=need_competency, max_items=limits.max_items_per_file
        )
    except csv.Error as error:
        report.add(Code.MALFORMED_SPREADSHEET, detail=str(error))
        return None
    return {**default_set(report.file), "items": items}


def read_xlsx(
    data: bytes, report: Report, *, need_competency: bool, limits: Limits
) -> dict[str, Any] | None:
    archive = open_zip(data, report, limits)
    if archive is None or not refuse_doctype(archive, report):
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN_WORKBOOK as error:
        _report_broken(error, report)
        return None
    try:
        return _read_workbook(workbook, report, need_competency, limits)
    except BROKEN_WORKBOOK as error:
        _report_broken(error, report)
    finally:
        workbook.close()
    return None


def _report_broken(error: BaseException, report: Report) -> None:
    """openpyxl wraps parser errors; a refused entity anywhere in the chain is named as such."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            report.add(Code.XML_ENTITIES_FORBIDDEN)
            return
        cause = cause.__cause__ or cause.__context__
    detail = (str(error) or type(error).__name__).splitlines()[0].rstrip(".")
    report.add(Code.MALFORMED_SPREADSHEET, detail=detail)


def _read_workbook(
    workbook: Workbook, report: Report, need_competency: bool, limits: Limits
) -> dict[str, Any]:
    sheets: dict[str, ReadOnlyWorksheet] = {normalise(ws.title): ws for ws in workbook.worksheets}
    others = SET_SHEETS | COMPETENCY_SHEETS | INSTRUCTION_SHEETS
    named = [ws for key, ws in sheets.items() if key in ITEMS_SHEETS]
    unnamed = [ws for key, ws in sheets.items() if key not in others]
    # An extra sheet ("Rekap") may come first: the items are on the sheet with their header.
    by_header = [] if named else [ws for ws in unnamed if _has_item_header(ws)]
    items_sheet = (named or by_header or unnamed or [None])[0]
    document = default_set(report.file)
    if items_sheet is None:
        document["items"] = []
        report.add(Code.NO_ITEMS)
        return document
    document["items"] = read_item_rows(
        _rows(items_sheet),
        items_sheet.title,
        report,
        need_competency=need_competency,
        max_items=limits.max_items_per_file,
    )
    for key, sheet in sheets.items():
        if key in SET_SHEETS:
            document.update(_read_set_sheet(_rows(sheet), sheet.title, report))
        elif key in COMPETENCY_SHEETS:
            document["competencies"] = _read_competencies(_rows(sheet), sheet.title, report)
    return document


def _has_item_header(sheet: ReadOnlyWorksheet) -> bool:
    rows = sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS * 3, values_only=True)
    filled = islice(data_rows(enumerate(rows, start=1)), HEADER_SEARCH_ROWS)
    return any(header_score(cells, ITEM_COLUMNS) >= 2 for _, cells in filled)


def _rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[int, Sequence[Any]]]:
    return enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)


def _read_set_sheet(rows: Rows, sheet: str, report: Report) -> dict[str, Any]:
    """Key/value rows: `title | Manajerial — Integritas`; a first row `field | value` is skipped."""
    known = header_map(SET_FIELDS)
    found: dict[str, Any] = {}
    for row, cells in data_rows(rows):
        key = normalise(cell_text(cells[0]) or "")
        value = cell_text(cells[1]) if len(cells) > 1 else None
        column = known.get(key)
        spot = Location(sheet=sheet, row=row, column="B", header=cell_text(cells[0]))
        if column is not None:
            report.source.add((column.name,), spot)
            if value is not None:
                found[column.name] = value.lower() if column.name == "language" else value
        elif key not in SET_HEADER_WORDS:
            report.add(Code.UNKNOWN_FIELD, at=spot, name=cell_text(cells[0]))
    return found


def _read_competencies(rows: Rows, sheet: str, report: Report) -> list[dict[str, Any]]:
    header, filled = find_header(data_rows(rows), COMPETENCY_COLUMNS, sheet, report)
    declarations: list[dict[str, Any]] = []
    if header is None:
        return declarations
    for row, cells in filled:
        path = ("competencies", len(declarations))
        report.source.add(path, header.location("code", row))
        for name in ("code", "kind"):
            report.source.add((*path, name), header.location(name, row))
        report.source.add((*path, "name"), header.location("name_id", row))
        entry: dict[str, Any] = {
            "code": header.text("code", cells),
            "kind": header.text("kind", cells),
            "name": {"id": header.text("name_id", cells), "en": header.text("name_en", cells)},
        }
        levels = [
            {"id": header.text(f"level_{n}_id", cells), "en": header.text(f"level_{n}_en", cells)}
            for n in range(1, 6)
        ]
        if any(text["id"] or text["en"] for text in levels):
            entry["levels"] = [{"level": n, "descriptor": d} for n, d in enumerate(levels, 1)]
        declarations.append(entry)
    return declarations
