"""A standards file → one validated row per position, or every problem with its row and column.

The format (docs/scoring.md): one row per position, a column per competency code.

    kode_jabatan, nama_jabatan, kelompok, M.01, …, M.08, SK.01, T.ADM.01
    JF-AK-AP,     Analis Kepegawaian Ahli Pertama, fungsional, 2, …, 2, 2, 2

A blank level cell means the position does not require that competency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cact.standards.sheets import Column, Problems, Table, cell, check_header, read_table
from item_bank.models import COMPETENCY_CODE_PATTERN
from item_bank.problems import Problem
from item_bank.values import as_int, cell_text

CODE = Column("position_code", "kode_jabatan", ("kode", "code", "kode_posisi", "position"))
NAME = Column("position_name", "nama_jabatan", ("nama", "name", "jabatan", "nama_posisi"))
GROUP = Column("group", "kelompok", ("kelompok_jabatan", "jenis_jabatan", "position_group"))
LIMITS = {"position_code": 64, "position_name": 200, "group": 64}
COMPETENCY_HEADER = re.compile(COMPETENCY_CODE_PATTERN)

MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_competency": (
        'Kompetensi "{value}" tidak ada di kamus kompetensi.',
        'The competency "{value}" is not in the competency dictionary.',
    ),
    "no_competency_columns": (
        "Tidak ada kolom kompetensi (judul kolom berupa kode, mis. M.01, SK.01, T.ADM.01).",
        "There are no competency columns (headed by a code, e.g. M.01, SK.01, T.ADM.01).",
    ),
    "unknown_column": (
        'Kolom "{value}" tidak dikenal: gunakan kode_jabatan, nama_jabatan, kelompok dan kode '
        "kompetensi (mis. M.01).",
        'Unknown column "{value}": use kode_jabatan, nama_jabatan, kelompok and competency codes '
        "(e.g. M.01).",
    ),
    "missing_position_code": ("Kode jabatan kosong.", "The position code is empty."),
    "missing_position_name": ("Nama jabatan kosong.", "The position name is empty."),
    "duplicate_position": (
        'Jabatan "{value}" sudah ada di baris {first}.',
        'The position "{value}" already appears on row {first}.',
    ),
    "level_out_of_range": (
        'Level "{value}" harus bilangan bulat 1 sampai 5.',
        'The level "{value}" must be a whole number from 1 to 5.',
    ),
    "no_levels": (
        "Jabatan ini tidak mempersyaratkan level kompetensi apa pun.",
        "This position requires no competency level at all.",
    ),
}


@dataclass(frozen=True)
class StandardRow:
    """One position and its required level per competency."""

    code: str
    name: str
    group: str | None
    levels: dict[str, int]
    row: int | None = None


@dataclass
class ParsedStandards:
    rows: list[StandardRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_standards(filename: str, data: bytes, known: set[str]) -> ParsedStandards:
    """Read and check a whole file; rows are returned only when there is no problem at all."""
    problems = Problems(filename, MESSAGES)
    table = read_table(filename, data, problems)
    rows: list[StandardRow] = []
    if table is not None:
        columns = check_header(table, problems, (CODE, NAME), (GROUP,))
        competencies = _competency_columns(table, problems, known, columns or {})
        if columns is not None and competencies:
            rows = _rows(table, problems, columns, competencies)
    return ParsedStandards([] if problems.found else rows, problems.found)


def _competency_columns(
    table: Table, problems: Problems, known: set[str], columns: dict[str, int]
) -> dict[int, str]:
    found: dict[int, str] = {}
    seen: set[str] = set()
    named = set(columns.values())
    for index, title in enumerate(table.header):
        if title is None or index in named or any(c.accepts(title) for c in (CODE, NAME, GROUP)):
            continue
        where: dict[str, Any] = {
            "sheet": table.sheet,
            "row": table.header_row,
            "column": index,
            "header": title,
        }
        code = title.split()[0].upper()
        if not COMPETENCY_HEADER.match(code):
            problems.add("unknown_column", value=title, **where)
        elif code not in known:
            problems.add("unknown_competency", value=code, **where)
        elif code in seen:
            problems.add("duplicate_column", value=title, **where)
        else:
            seen.add(code)
            found[index] = code
    if not seen and not any(p.code == "unknown_competency" for p in problems.found):
        problems.add("no_competency_columns", sheet=table.sheet, row=table.header_row)
    return found


def _rows(
    table: Table, problems: Problems, columns: dict[str, int], competencies: dict[int, str]
) -> list[StandardRow]:
    rows: list[StandardRow] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        at: dict[str, Any] = {"sheet": table.sheet, "row": number}
        texts = {name: cell_text(cell(cells, index)) for name, index in columns.items()}
        code, name = texts.get("position_code"), texts.get("position_name")
        if code is None:
            _at(problems, "missing_position_code", table, columns["position_code"], at)
        elif code.casefold() in first_row:
            _at(
                problems,
                "duplicate_position",
                table,
                columns["position_code"],
                at,
                value=code,
                first=first_row[code.casefold()],
            )
        else:
            first_row[code.casefold()] = number
        if name is None:
            _at(problems, "missing_position_name", table, columns["position_name"], at)
        for key, value in texts.items():
            if value is not None and len(value) > LIMITS[key]:
                _at(
                    problems,
                    "value_too_long",
                    table,
                    columns[key],
                    at,
                    length=len(value),
                    limit=LIMITS[key],
                )
        levels = _levels(table, problems, cells, competencies, at)
        if code and name:
            rows.append(StandardRow(code, name, texts.get("group"), levels, number))
    return rows


def _levels(
    table: Table,
    problems: Problems,
    cells: Sequence[Any],
    competencies: dict[int, str],
    at: dict[str, Any],
) -> dict[str, int]:
    levels: dict[str, int] = {}
    bad = False
    for index, code in competencies.items():
        raw = cell(cells, index)
        text = cell_text(raw)
        if text is None:
            continue
        level = as_int(raw)
        if level is None or not 1 <= level <= 5:
            _at(problems, "level_out_of_range", table, index, at, value=text)
            bad = True
        else:
            levels[code] = level
    if not levels and not bad:
        problems.add("no_levels", **at)
    return levels


def _at(
    problems: Problems,
    code: str,
    table: Table,
    column: int,
    at: dict[str, Any],
    **params: Any,
) -> None:
    problems.add(code, column=column, header=table.header[column], **at, **params)
