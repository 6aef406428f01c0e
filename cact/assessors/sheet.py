"""The rating sheet: an XLSX an assessor fills in offline for one method (rows = assigned
participants × the competencies the matrix gives that method), and its import: all or
nothing, every problem by row and column (docs/assessors.md)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.models import LEVELS, AssessmentMethod
from cact.assessors.repository import AssignmentRow, RatingRepository, ScopeLookup
from cact.assessors.schemas import RatingInput, SheetReport
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.standards.sheets import Column, Problems, cell, check_header, read_table
from item_bank.values import as_int, cell_text

NUMBER = Column("participant_no", "nomor_peserta", ("no_peserta", "nomor"))
NAME = Column("name", "nama", ("nama_peserta",))
COMPETENCY = Column("competency", "kode_kompetensi", ("kompetensi", "competency_code"))
LEVEL = Column("level", "level", ("tingkat",))
NOTE = Column("evidence", "catatan", ("catatan_bukti", "bukti", "note", "notes"))
COLUMNS = (NUMBER, NAME, COMPETENCY, LEVEL, NOTE)
SHEET = "penilaian"

MESSAGES: dict[str, tuple[str, str]] = {
    "missing_participant": ("Nomor peserta kosong.", "The participant number is empty."),
    "missing_competency": ("Kode kompetensi kosong.", "The competency code is empty."),
    "unknown_participant": (
        'Peserta "{value}" tidak terdaftar.',
        'The participant "{value}" is not registered.',
    ),
    "unassigned": (
        'Peserta "{value}" tidak ditugaskan kepada Anda untuk metode {method}.',
        'The participant "{value}" is not assigned to you for the method {method}.',
    ),
    "assigned_twice": (
        'Peserta "{value}" ditugaskan dua kali untuk metode {method}; nilai di halaman penilaian.',
        'The participant "{value}" is assigned twice for {method}; rate on the rating page.',
    ),
    "competency_not_for_method": (
        'Kompetensi "{value}" tidak dinilai dengan metode {method} menurut matriks.',
        'The matrix does not assess "{value}" with the method {method}.',
    ),
    "bad_level": (
        'Level "{value}" tidak valid: isi bilangan bulat 1 sampai 5.',
        'The level "{value}" is not valid: write a whole number from 1 to 5.',
    ),
    "evidence_too_long": (
        "Catatan bukti paling banyak {limit} karakter.",
        "The evidence note is at most {limit} characters.",
    ),
    "duplicate_row": (
        "Peserta dan kompetensi ini sudah ada di baris {first}.",
        "This participant and competency already appear on row {first}.",
    ),
}


def _text_cell(sheet: Any, row: int, col: int, value: Any) -> None:
    target = sheet.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        target.data_type = "s"  # a name starting with "=" stays text, never a formula


async def template(db: AsyncSession, user: StaffUser, method: AssessmentMethod) -> bytes:
    """My participants for ``method`` × their competencies, with the current level and note."""
    rows = await service.my_assignments(db, user, method.id)
    current = await RatingRepository(db).current([r.id for r in rows])
    book = openpyxl.Workbook()
    data = book.active
    assert data is not None
    data.title = SHEET
    for col, column in enumerate(COLUMNS, start=1):
        _text_cell(data, 1, col, column.indonesian)
        data.column_dimensions[get_column_letter(col)].width = (18, 32, 18, 8, 60)[col - 1]
    line = 2
    for row in rows:
        for code in await service.to_rate(db, row):
            found = current.get((row.id, code))
            values = (
                row.participant_no,
                row.participant_name,
                code,
                found.level if found else None,
                found.evidence if found else None,
            )
            for col, value in enumerate(values, start=1):
                _text_cell(data, line, col, value)
            line += 1
    guide = book.create_sheet("petunjuk")
    for text in _guide(method):
        guide.append(list(text))
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 70
    guide.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _guide(method: AssessmentMethod) -> list[tuple[str, str, str]]:
    return [
        ("kolom / column", "keterangan", "description"),
        (
            "nomor_peserta",
            "Nomor peserta yang ditugaskan kepada Anda.",
            "The number of a participant assigned to you.",
        ),
        ("nama", "Nama peserta (hanya untuk dibaca).", "The participant's name (for reading)."),
        (
            "kode_kompetensi",
            f"Kompetensi yang dinilai dengan {method.code} menurut matriks.",
            f"A competency the matrix assesses with {method.code}.",
        ),
        (
            "level",
            "Level 1–5; kosongkan bila belum dinilai.",
            "Level 1–5; leave empty if not rated.",
        ),
        (
            "catatan",
            "Catatan bukti perilaku (boleh kosong).",
            "Evidence note: the behaviour seen (may be empty).",
        ),
        (
            "",
            "Semua atau tidak sama sekali: satu baris salah, tidak ada yang disimpan.",
            "All or nothing: one wrong row and nothing is saved.",
        ),
    ]


@dataclass
class _Row:
    row: int
    number: str | None
    competency: str | None
    level: Any
    note: str


async def import_sheet(
    db: AsyncSession,
    user: StaffUser,
    method: AssessmentMethod,
    filename: str,
    data: bytes,
    actor: Actor,
    *,
    dry_run: bool = False,
) -> SheetReport:
    problems = Problems(filename, MESSAGES)
    table = read_table(filename, data, problems)
    columns = (
        check_header(table, problems, (NUMBER, COMPETENCY, LEVEL), (NAME, NOTE)) if table else None
    )
    if table is None or columns is None:
        return SheetReport(file=filename, valid=False, rows=0, problems=problems.found)
    parsed = [
        _Row(
            number,
            cell_text(cell(cells, columns[NUMBER.name])),
            cell_text(cell(cells, columns[COMPETENCY.name])),
            cell(cells, columns[LEVEL.name]),
            cell_text(cell(cells, columns.get(NOTE.name))) or "",
        )
        for number, cells in table.rows
    ]
    mine: dict[str, list[AssignmentRow]] = {}
    for row in await service.my_assignments(db, user, method.id):
        mine.setdefault(row.participant_no, []).append(row)
    known = await ScopeLookup(db).people_by_number({r.number for r in parsed if r.number})
    allowed = {
        rows[0].id: set(await service.to_rate(db, rows[0]))
        for rows in mine.values()
        if len(rows) == 1
    }

    def at(column: Column, line: int) -> dict[str, Any]:
        index = columns[column.name]
        return {"sheet": table.sheet, "row": line, "column": index, "header": table.header[index]}

    chosen: dict[int, list[RatingInput]] = {}
    first: dict[tuple[str, str], int] = {}
    filled = 0
    for r in parsed:
        level_text = cell_text(r.level)
        if level_text is None and not r.note:
            continue  # a row of the template not rated yet
        filled += 1
        if r.number is None:
            problems.add("missing_participant", **at(NUMBER, r.row))
            continue
        if r.competency is None:
            problems.add("missing_competency", **at(COMPETENCY, r.row))
        level = as_int(r.level)
        if level is None or level not in LEVELS:
            problems.add("bad_level", value=level_text or "", **at(LEVEL, r.row))
        if len(r.note) > service.MAX_EVIDENCE and NOTE.name in columns:
            problems.add("evidence_too_long", limit=service.MAX_EVIDENCE, **at(NOTE, r.row))
        assigned = mine.get(r.number, [])
        if not assigned:
            code = "unassigned" if r.number in known else "unknown_participant"
            problems.add(code, value=r.number, method=method.code, **at(NUMBER, r.row))
            continue
        if len(assigned) > 1:
            problems.add("assigned_twice", value=r.number, method=method.code, **at(NUMBER, r.row))
            continue
        if r.competency is None:
            continue
        assignment = assigned[0]
        if r.competency not in allowed[assignment.id]:
            problems.add(
                "competency_not_for_method",
                value=r.competency,
                method=method.code,
                **at(COMPETENCY, r.row),
            )
            continue
        key = (r.number, r.competency)
        if key in first:
            problems.add("duplicate_row", first=first[key], **at(COMPETENCY, r.row))
            continue
        first[key] = r.row
        if level is not None and level in LEVELS:
            chosen.setdefault(assignment.id, []).append(
                RatingInput(competency=r.competency, level=level, evidence=r.note)
            )
    found = sorted(problems.found, key=lambda p: (p.row or 0, len(p.column or ""), p.column or ""))
    report = SheetReport(
        file=filename, valid=not found, dry_run=dry_run, rows=filled, problems=found
    )
    if found or dry_run:
        return report
    rows_by_id = {rows[0].id: rows[0] for rows in mine.values() if len(rows) == 1}
    added = await service.write_ratings(db, user, chosen, "sheet")
    await service.audit_ratings(db, actor, [rows_by_id[i] for i in chosen], added, "sheet")
    return report.model_copy(update={"changed": len(added), "unchanged": filled - len(added)})
