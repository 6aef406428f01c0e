"""Item sets → XLSX and CSV in the template's layout, and the empty template itself."""

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from item_bank.columns import COMPETENCY_COLUMNS, ITEM_COLUMNS, SET_FIELDS, Column
from item_bank.models import OPTION_LABELS, CompetencyDeclaration, Item, ItemSet, Option
from item_bank.template_help import INSTRUCTIONS

ITEM_HEADERS = [c.name for c in ITEM_COLUMNS]


def item_row(item: Item) -> list[Any]:
    options: dict[str, Option] = {o.label: o for o in item.options}
    row: dict[str, Any] = {
        "id": item.id,
        "competency": item.competency,
        "kind": item.kind,
        "level": item.level,
        "stem": item.stem,
        "points": item.points,
        "correct": next((o.label for o in item.options if o.correct), None),
        "media": item.media.src if item.media else None,
        "media_alt": item.media.alt if item.media and item.media.alt else None,
    }
    for label in OPTION_LABELS:
        option = options.get(label)
        row[f"option_{label}"] = option.text if option else None
        row[f"weight_{label}"] = option.weight if option else None
    return [row[name] for name in ITEM_HEADERS]


def declaration_row(declaration: CompetencyDeclaration) -> list[Any]:
    row: dict[str, Any] = {
        "code": declaration.code,
        "kind": declaration.kind,
        "name_id": declaration.name.id,
        "name_en": declaration.name.en,
    }
    for level in declaration.levels:
        row[f"level_{level.level}_id"] = level.descriptor.id
        row[f"level_{level.level}_en"] = level.descriptor.en
    return [row.get(c.name) for c in COMPETENCY_COLUMNS]


def _append(sheet: WriteOnlyWorksheet, values: list[Any]) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula
        cells.append(cell)
    sheet.append(cells)


def _headers(columns: tuple[Column, ...], language: str) -> list[str]:
    return [c.indonesian if language == "id" else c.name for c in columns]


def _workbook_bytes(
    items: Iterator[list[Any]],
    set_rows: list[list[Any]],
    declarations: list[list[Any]],
    language: str,
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("soal" if language == "id" else "items")
    _append(sheet, _headers(ITEM_COLUMNS, language))
    for row in items:
        _append(sheet, row)
    info = workbook.create_sheet("info" if language == "id" else "set")
    _append(info, ["isian", "nilai"] if language == "id" else ["field", "value"])
    for row in set_rows:
        _append(info, row)
    competencies = workbook.create_sheet("kompetensi" if language == "id" else "competencies")
    _append(competencies, _headers(COMPETENCY_COLUMNS, language))
    for row in declarations:
        _append(competencies, row)
    instructions = workbook.create_sheet("petunjuk" if language == "id" else "instructions")
    for line in INSTRUCTIONS:
        _append(instructions, list(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(item_set: ItemSet) -> bytes:
    set_rows = [["title", item_set.title], ["language", item_set.language]]
    if item_set.source:
        set_rows.append(["source", item_set.source])
    declarations = [declaration_row(d) for d in item_set.competencies]
    return _workbook_bytes((item_row(i) for i in item_set.items), set_rows, declarations, "en")


def _csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    # A byte-order mark makes Excel open the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(item_set: ItemSet) -> bytes:
    """Items only: a CSV file has no room for the set's title, source or declarations."""
    return _csv_bytes([ITEM_HEADERS, *(item_row(i) for i in item_set.items)])


def example_row(language: str = "id") -> list[Any]:
    """The template's one example: a weighted item whose id starts with ``#``, so every reader
    skips it (``tables.is_example``) until the editor gives it a real id."""
    indonesian = language == "id"
    row: dict[str, Any] = {
        "id": "#CONTOH-001" if indonesian else "#EXAMPLE-001",
        "competency": "M.01",
        "kind": "weighted",
        "level": 3,
        "stem": (
            "Rekan kerja meminta Anda menandatangani daftar hadir rapat yang tidak Anda hadiri. "
            "Apa yang Anda lakukan?"
            if indonesian
            else "A colleague asks you to sign the attendance list of a meeting you did not "
            "attend. What do you do?"
        ),
    }
    options = (
        ("Menandatanganinya agar rekan senang", "Sign it to keep the colleague happy", 1),
        ("Menolak tanpa penjelasan", "Refuse without explanation", 2),
        ("Menolak dan menjelaskan aturannya", "Refuse and explain the rule", 3),
        ("Menolak, menjelaskan, dan melaporkan bila terulang", "Refuse, explain, report", 4),
    )
    for label, (text_id, text_en, weight) in zip(OPTION_LABELS, options, strict=False):
        row[f"option_{label}"] = text_id if indonesian else text_en
        row[f"weight_{label}"] = weight
    return [row.get(name) for name in ITEM_HEADERS]


def write_template(file_format: str = "xlsx", language: str = "id") -> bytes:
    """The template: headers in Indonesian (`id`) or English (`en`), one example row that the
    readers skip, and (XLSX) the instructions sheet."""
    if file_format == "csv":
        return _csv_bytes([_headers(ITEM_COLUMNS, language), example_row(language)])
    field_names = [c.indonesian if language == "id" else c.name for c in SET_FIELDS]
    set_rows = [[field_names[0], ""], [field_names[1], "id"], [field_names[2], ""]]
    return _workbook_bytes(iter([example_row(language)]), set_rows, [], language)
