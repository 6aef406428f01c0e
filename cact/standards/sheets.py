"""Admin uploads read as one table (CSV or the first sheet of an XLSX workbook), with every
problem located by row and column and explained in Bahasa Indonesia and English.

Shared by the standards import and the performance-rating import. The defences are the item
bank's: size limit, zip-bomb checks before openpyxl opens a workbook, strict text encodings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from item_bank.columns import normalise
from item_bank.messages import MESSAGES as ITEM_MESSAGES
from item_bank.problems import Code, Problem, Report
from item_bank.safety import DEFAULT_LIMITS, decode_text, open_zip
from item_bank.spreadsheet import BROKEN_WORKBOOK, CSV_DELIMITERS
from item_bank.tables import is_example
from item_bank.values import cell_text, is_blank

MAX_ROWS = 50_000
SKIPPED_SHEETS = frozenset({"petunjuk", "instructions", "keterangan"})

MESSAGES: dict[str, tuple[str, str]] = {
    "unsupported_file_type": (
        "Jenis berkas {name} tidak dikenali. Gunakan .csv atau .xlsx.",
        "Unrecognised file type {name}. Use .csv or .xlsx.",
    ),
    "too_many_rows": (
        "Berkas berisi lebih dari {limit} baris.",
        "The file contains more than {limit} rows.",
    ),
    "no_rows": ("Berkas tidak berisi baris data.", "The file contains no data rows."),
    "missing_column": (
        'Kolom wajib "{name}" (atau "{alias}") tidak ada.',
        'The required column "{name}" (or "{alias}") is missing.',
    ),
    "unknown_column": (
        'Kolom "{value}" tidak dikenal.',
        'Unknown column "{value}".',
    ),
    "duplicate_column": (
        'Kolom "{value}" muncul lebih dari sekali.',
        'The column "{value}" appears more than once.',
    ),
    "value_too_long": (
        "Isian terlalu panjang ({length} karakter; paling banyak {limit}).",
        "The value is too long ({length} characters; at most {limit}).",
    ),
}


@dataclass(frozen=True)
class Column:
    name: str
    indonesian: str
    aliases: tuple[str, ...] = ()

    def accepts(self, header: str) -> bool:
        return normalise(header) in {self.name, self.indonesian, *self.aliases}


@dataclass
class Problems:
    """Every problem of one upload, in the item bank's Problem shape."""

    file: str
    messages: dict[str, tuple[str, str]]
    found: list[Problem] = field(default_factory=list)

    def add(
        self,
        code: str,
        *,
        row: int | None = None,
        column: int | None = None,
        header: str | None = None,
        sheet: str | None = None,
        **params: object,
    ) -> None:
        pair = self.messages.get(code) or MESSAGES.get(code) or ITEM_MESSAGES[code]
        message_id, message_en = pair
        values = _Params(params)
        self.found.append(
            Problem(
                file=self.file,
                sheet=sheet,
                row=row,
                column=None if column is None else get_column_letter(column + 1),
                header=header,
                code=code,
                message_id=message_id.format_map(values),
                message_en=message_en.format_map(values),
            )
        )

    def extend(self, problems: Sequence[Problem]) -> None:
        self.found.extend(problems)


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Table:
    """The header row and the filled data rows, with their 1-based row numbers."""

    sheet: str | None
    header_row: int
    header: list[str | None]
    rows: list[tuple[int, list[Any]]]


def read_table(filename: str, data: bytes, problems: Problems) -> Table | None:
    """CSV (UTF-8 or UTF-16, comma, semicolon or tab) or XLSX; None after reporting why not."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        problems.add("unsupported_file_type", name=filename)
        return None
    if not data:
        problems.add("empty_file")
        return None
    if len(data) > DEFAULT_LIMITS.max_file_bytes:
        problems.add("file_too_large", size=len(data), limit=DEFAULT_LIMITS.max_file_bytes)
        return None
    report = Report(problems.file)
    cells = _csv_rows(data, report) if suffix == ".csv" else _xlsx_rows(data, report)
    problems.extend(report.problems)
    if cells is None:
        return None
    sheet, rows = cells
    filled = [(n, list(r)) for n, r in rows if not all(is_blank(c) for c in r)]
    if not filled:
        problems.add("empty_file")
        return None
    if len(filled) > MAX_ROWS + 1:
        problems.add("too_many_rows", limit=MAX_ROWS)
        return None
    (header_row, header), *rest = filled
    body = [(n, r) for n, r in rest if not is_example(r)]
    titles = [cell_text(c) for c in header]
    if not body:
        problems.add("no_rows", sheet=sheet, row=header_row)
    return Table(sheet, header_row, titles, body)


Rows = list[tuple[int, Sequence[Any]]]


def _csv_rows(data: bytes, report: Report) -> tuple[str | None, Rows] | None:
    text = decode_text(data, report)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return None, [(n, row) for n, row in enumerate(reader, start=1) if n <= MAX_ROWS + 10]
    except csv.Error as error:
        report.add(Code.MALFORMED_SPREADSHEET, detail=str(error))
        return None


def _broken(error: BaseException, report: Report) -> None:
    """openpyxl wraps parser errors; a refused XML entity anywhere in the chain is named."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            report.add(Code.XML_ENTITIES_FORBIDDEN)
            return
        cause = cause.__cause__ or cause.__context__
    detail = (str(error) or type(error).__name__).splitlines()[0].rstrip(".")
    report.add(Code.MALFORMED_SPREADSHEET, detail=detail)


def _xlsx_rows(data: bytes, report: Report) -> tuple[str | None, Rows] | None:
    if open_zip(data, report) is None:
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN_WORKBOOK as error:
        _broken(error, report)
        return None
    try:
        sheets = [ws for ws in workbook.worksheets if normalise(ws.title) not in SKIPPED_SHEETS]
        if not sheets:
            return None, []
        sheet = sheets[0]
        rows: Rows = []
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if n > MAX_ROWS + 10:
                break
            rows.append((n, values))
        return sheet.title, rows
    except BROKEN_WORKBOOK as error:
        _broken(error, report)
        return None
    finally:
        workbook.close()


def check_header(
    table: Table, problems: Problems, required: Sequence[Column], optional: Sequence[Column]
) -> dict[str, int] | None:
    """Where each known column is; every missing required column is reported."""
    found: dict[str, int] = {}
    for column in (*required, *optional):
        matches = [i for i, t in enumerate(table.header) if t and column.accepts(t)]
        for extra in matches[1:]:
            problems.add(
                "duplicate_column",
                sheet=table.sheet,
                row=table.header_row,
                column=extra,
                header=table.header[extra],
                value=table.header[extra],
            )
        if matches:
            found[column.name] = matches[0]
    missing = [c for c in required if c.name not in found]
    for column in missing:
        problems.add(
            "missing_column",
            sheet=table.sheet,
            row=table.header_row,
            name=column.name,
            alias=column.indonesian,
        )
    return None if missing else found


def cell(cells: Sequence[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def template_workbook(
    sheet: str, header: Sequence[str], example: Sequence[Any], help_rows: Sequence[Sequence[str]]
) -> bytes:
    """A template to fill in: the header, one example row whose first cell starts with ``#``
    (``read_table`` skips it), and a help sheet ("petunjuk") explaining every column."""
    book = openpyxl.Workbook()
    data = book.active
    assert data is not None
    data.title = sheet
    data.append(list(header))
    data.append(list(example))
    for column in range(1, len(header) + 1):
        data.column_dimensions[get_column_letter(column)].width = 18
    guide = book.create_sheet("petunjuk")
    for row in help_rows:
        guide.append(list(row))
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 60
    guide.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
