"""Streaming writers: rows (tuples in column order) in, byte chunks out, constant memory.

- CSV: RFC 4180 (comma, CRLF, quotes doubled), optional UTF-8 BOM so that Excel reads UTF-8;
  a text cell that starts like a formula gets a leading apostrophe; identifiers as ="…".
- CSV for Excel (Indonesia), ``csv-id``: the same with ";", decimal comma and always the BOM.
- XLSX: a minimal SpreadsheetML package written by hand into a streamed ZIP (inline strings, real
  Excel datetimes in UTC without tz). openpyxl's write_only mode was measured at ~1 ms per row
  here (without lxml), too slow for 1.5 million rows; the output is read back with openpyxl in
  the tests. A sheet holds at most 1,048,575 data rows (Excel's limit); further rows continue on
  sheets "<name> 2", "<name> 3", … each with the header row.
- JSON Lines: one object per line, ISO 8601 datetimes, numbers as numbers.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any, cast
from xml.sax.saxutils import escape

BATCH = 1000
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576  # including the header row
EXCEL_EPOCH = datetime(1899, 12, 30)


# ---------------------------------------------------------------- CSV

# A spreadsheet reads 198601012010011001 as a number (1.98601E+17, 15 digits kept) and 0012 as
# 12: identifier cells are written as the formula ="…", which Excel and Calc both show as that
# exact text (docs/exports.md, "Identifiers").
NUMERIC_LOOKING = re.compile(r"^[\s\d.,:/+\-eE%]+$")


@dataclass(frozen=True)
class CsvDialect:
    separator: str
    decimal_comma: bool
    bom: bool


STANDARD = CsvDialect(separator=",", decimal_comma=False, bom=False)
# Excel and Calc in an Indonesian locale: ";" between fields, "0,75", a BOM so UTF-8 is read.
EXCEL_ID = CsvDialect(separator=";", decimal_comma=True, bom=True)


def identifier(text: str) -> str:
    """``="…"``: kept as text, every digit and leading zero, by Excel and Calc alike."""
    return '="' + text.replace('"', '""') + '"'


def _csv_cell(value: Any, dialect: CsvDialect = STANDARD) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # a local-time column: the wall clock, its zone named beside
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, int | float | Decimal):
        text = str(value)
        return text.replace(".", ",") if dialect.decimal_comma else text
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _quoted(text: str, separator: str) -> str:
    """RFC 4180: a field with the separator, a quote or a line break is quoted, quotes doubled."""
    if separator in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _field(value: Any, dialect: CsvDialect, ident: bool) -> str:
    if ident and value is not None and value != "":
        wrapped = identifier(str(value))
        # ="…" left unquoted is what spreadsheets read as the formula; only a field that must
        # be quoted (a separator or line break inside) is quoted.
        if dialect.separator in wrapped or "\n" in wrapped or "\r" in wrapped:
            return _quoted(wrapped, dialect.separator)
        return wrapped
    return _quoted(_csv_cell(value, dialect), dialect.separator)


def _line(cells: Iterable[str], dialect: CsvDialect) -> str:
    return dialect.separator.join(cells) + "\r\n"


async def csv_chunks(
    columns: Sequence[str],
    rows: AsyncIterator[Sequence[Any]],
    *,
    bom: bool = False,
    dialect: CsvDialect = STANDARD,
    identifiers: Collection[str] = (),
) -> AsyncIterator[bytes]:
    """``identifiers``: the columns written as ="…" (participant numbers, NIP, codes)."""
    wrapped = [name in identifiers for name in columns]
    header = [
        _field(name, dialect, bool(NUMERIC_LOOKING.match(name))) for name in columns
    ]  # a matrix column named by a numeric item id stays that id
    lines = [(BOM if bom or dialect.bom else "") + _line(header, dialect)]
    async for row in rows:
        lines.append(
            _line((_field(v, dialect, w) for v, w in zip(row, wrapped, strict=True)), dialect)
        )
        if len(lines) >= BATCH:
            yield "".join(lines).encode()
            lines = []
    yield "".join(lines).encode()


# ---------------------------------------------------------------- JSON Lines


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


async def jsonl_chunks(
    columns: Sequence[str], rows: AsyncIterator[Sequence[Any]]
) -> AsyncIterator[bytes]:
    lines: list[str] = []
    async for row in rows:
        record = {name: _json_value(v) for name, v in zip(columns, row, strict=True)}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(lines) >= BATCH:
            yield "".join(lines).encode()
            lines = []
    yield "".join(lines).encode()


# ---------------------------------------------------------------- XLSX


class _Sink:
    """A write-only file the ZIP writes into; drained after every batch (no seeking needed)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    value = _INVALID_XML.sub("", value)
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


def _xlsx_cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # UTC columns; a local-time column comes without a zone
            value = value.astimezone(UTC).replace(tzinfo=None)
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="1"><v>{serial!r}</v></c>'
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    return f'<c r="{ref}" t="inlineStr">{_text(str(value))}</c>'


_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_NS = "http://schemas.openxmlformats.org/"
_REL = _NS + "officeDocument/2006/relationships"
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_NS}spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package_parts(sheet_names: Sequence[str]) -> Iterable[tuple[str, str]]:
    count = len(sheet_names)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    yield (
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Types xmlns="{_NS}package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    yield (
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_NS}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
    )
    sheets = "".join(
        f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(sheet_names, start=1)
    )
    yield (
        "xl/workbook.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS}spreadsheetml/2006/main" xmlns:r="{_REL}">'
        f"<sheets>{sheets}</sheets></workbook>",
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    yield (
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_NS}package/2006/relationships">{rels}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
    )
    yield "xl/styles.xml", _STYLES


def _sheet_name(title: str, n: int) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:28] or "Sheet"
    return base if n == 1 else f"{base} {n}"


async def xlsx_chunks(
    columns: Sequence[str],
    rows: AsyncIterator[Sequence[Any]],
    *,
    sheet: str = "export",
    max_rows: int = EXCEL_MAX_ROWS,
) -> AsyncIterator[bytes]:
    sink = _Sink()
    letters = [_letters(i) for i in range(len(columns))]
    header = "".join(_xlsx_cell(f"{c}1", name) for c, name in zip(letters, columns, strict=True))
    header_row = f'<row r="1">{header}</row>'
    names: list[str] = []
    with zipfile.ZipFile(
        cast(IO[bytes], sink), "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as package:
        entry = None
        row_number = max_rows  # forces the first sheet
        batch: list[str] = []
        async for row in rows:
            if row_number >= max_rows:
                if entry is not None:
                    entry.write(("".join(batch) + _SHEET_TAIL).encode())
                    entry.close()
                    batch = []
                names.append(_sheet_name(sheet, len(names) + 1))
                entry = package.open(f"xl/worksheets/sheet{len(names)}.xml", "w")
                entry.write((_SHEET_HEAD + header_row).encode())
                row_number = 1
            row_number += 1
            r = str(row_number)
            cells = "".join(
                _xlsx_cell(c + r, v) for c, v in zip(letters, row, strict=True) if v is not None
            )
            batch.append(f'<row r="{r}">{cells}</row>')
            if len(batch) >= BATCH:
                assert entry is not None
                entry.write("".join(batch).encode())
                batch = []
                yield sink.drain()
        if entry is None:  # no rows: one sheet with the header
            names.append(_sheet_name(sheet, 1))
            package.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + header_row + _SHEET_TAIL)
        else:
            entry.write(("".join(batch) + _SHEET_TAIL).encode())
            entry.close()
        for name, content in _package_parts(names):
            package.writestr(name, content)
    yield sink.drain()


def chunks(
    fmt: str,
    columns: Sequence[str],
    rows: AsyncIterator[Sequence[Any]],
    *,
    bom: bool = False,
    sheet: str = "export",
    identifiers: Collection[str] = (),
) -> AsyncIterator[bytes]:
    """``identifiers``: columns a CSV writes as ="…" so that spreadsheets keep them as text."""
    if fmt == "csv":
        return csv_chunks(columns, rows, bom=bom, identifiers=identifiers)
    if fmt == "csv-id":
        return csv_chunks(columns, rows, dialect=EXCEL_ID, identifiers=identifiers)
    if fmt == "xlsx":
        return xlsx_chunks(columns, rows, sheet=sheet)
    if fmt == "jsonl":
        return jsonl_chunks(columns, rows)
    raise ValueError(f"unknown export format: {fmt}")
