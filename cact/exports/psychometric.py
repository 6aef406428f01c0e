"""The response matrix for the psychometricians' tools (docs/exports.md, "Psychometric tools"):

- Winsteps: a fixed-width data file and a control file (ITEM1, NI, NAME1, NAMLEN, CODES, item
  labels between &END and END NAMES), zipped;
- Quest: the same data file and a Quest command file, zipped;
- R (mirt / eRm): a CSV with NA where an item was not presented, and a codebook (CSV and
  Markdown), zipped.

Rows are the sitting's closed attempts (submitted or expired, as in the item analysis); a cell
is the item's response code: keyed items 1 correct / 0 wrong or blank, weighted items the chosen
option's weight (blank 0); not presented = blank (Winsteps, Quest) or NA (R). Weights must be
whole numbers 0–9 for the one-character codes of Winsteps and Quest.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.models import Item, ItemVersion
from cact.exam import service as exam
from cact.exam.models import Attempt
from cact.exports import queries
from cact.kit.errors import CactError
from cact.participants.models import Participant

Tool = Literal["winsteps", "quest", "mirt"]
TOOLS: tuple[Tool, ...] = ("winsteps", "quest", "mirt")
MISSING = " "
R_MISSING = "NA"
CODEBOOK = ("column", "item_id", "versions", "competency", "kind", "max_score", "points", "n")


class CodesTooWide(CactError):
    status = 409
    code = "codes_too_wide"
    message = (
        "Bobot opsi harus bilangan bulat 0–9 untuk berkas Winsteps/Quest. / "
        "Option weights must be whole numbers 0–9 for the Winsteps/Quest files."
    )


@dataclass
class ItemColumn:
    item_id: str
    competency: str
    kind: str
    points: int | None
    versions: set[int] = field(default_factory=set)
    max_code: int = 0
    n: int = 0


@dataclass
class Matrix:
    code: str
    items: list[ItemColumn]
    persons: list[str]  # participant numbers, one per row
    rows: list[list[int | None]]  # codes, None = not presented


def _cells(sitting_id: int) -> Select[*tuple[Any, ...]]:
    return (
        queries.closed_cells(
            sitting_id,
            Attempt.id,
            Participant.participant_no,
            Item.id,
            Item.competency_code,
            Item.kind,
            ItemVersion.version,
            ItemVersion.points,
            queries.item_score(),
            queries.item_max(),
        )
        .join(Participant, Participant.id == Attempt.participant_id)
        .order_by(Attempt.id, Item.id)
    )


def _code(kind: str, score: Any, top: Any, item_id: str) -> tuple[int, int]:
    """(response code, highest code) of one cell."""
    if kind == "keyed":
        return (1 if score and score > 0 else 0), 1
    value, most = float(score or 0), float(top or 0)
    if not (value.is_integer() and most.is_integer() and 0 <= value <= most <= 9):
        raise CodesTooWide(f"{item_id}: weight {value:g} (highest {most:g})")
    return int(value), int(most)


async def response_matrix(session: AsyncSession, sitting_id: int) -> Matrix:
    """The closed attempts × presented items as codes, items sorted by id."""
    code = (await exam.get_sitting(session, sitting_id)).code
    columns: dict[str, ItemColumn] = {}
    by_attempt: dict[int, tuple[str, dict[str, int]]] = {}
    for (
        attempt_id,
        number,
        item_id,
        competency,
        kind,
        version,
        points,
        score,
        top,
    ) in await session.execute(_cells(sitting_id)):
        column = columns.setdefault(item_id, ItemColumn(item_id, competency, kind, points))
        value, most = _code(kind, score, top, item_id)
        column.versions.add(version)
        column.max_code = max(column.max_code, most)
        column.n += 1
        by_attempt.setdefault(attempt_id, (number, {}))[1][item_id] = value
    items = [columns[i] for i in sorted(columns)]
    persons = [number for number, _ in by_attempt.values()]
    rows = [[cells.get(i.item_id) for i in items] for _, cells in by_attempt.values()]
    return Matrix(code, items, persons, rows)


def fixed_width(matrix: Matrix) -> tuple[str, int]:
    """The data file (person label padded to NAMLEN, a space, one character per item, blank
    where not presented; CRLF) and NAMLEN."""
    width = max([len(p) for p in matrix.persons] + [1])
    lines = [
        f"{person:<{width}} " + "".join(MISSING if c is None else str(c) for c in row)
        for person, row in zip(matrix.persons, matrix.rows, strict=True)
    ]
    return "".join(line + "\r\n" for line in lines), width


def _codes(matrix: Matrix) -> str:
    return "".join(str(c) for c in range(max([i.max_code for i in matrix.items] + [1]) + 1))


def winsteps_control(matrix: Matrix, data_name: str, namlen: int) -> str:
    weighted = any(i.kind == "weighted" for i in matrix.items)
    lines = [
        f'TITLE = "CACT {matrix.code}: {len(matrix.rows)} attempts x {len(matrix.items)} items"',
        f"DATA = {data_name}",
        "NAME1 = 1",
        f"NAMLEN = {namlen}",
        f"ITEM1 = {namlen + 2}",
        f"NI = {len(matrix.items)}",
        "XWIDE = 1",
        f"CODES = {_codes(matrix)}",
        *(["ISGROUPS = 0 ; partial credit: each item its own rating scale"] if weighted else []),
        "; a blank is not a code: not presented on this form (missing by design)",
        "&END",
        *(i.item_id for i in matrix.items),
        "END NAMES",
    ]
    return "".join(line + "\r\n" for line in lines)


def _ranges(numbers: Sequence[int]) -> str:
    """1,2,3,5 → "1-3,5"."""
    parts: list[str] = []
    for n in numbers:
        if parts and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ",".join(parts)


def quest_control(matrix: Matrix, data_name: str, namlen: int) -> str:
    first = namlen + 2
    last = first + len(matrix.items) - 1
    by_top: dict[int, list[int]] = {}
    for n, item in enumerate(matrix.items, start=1):
        by_top.setdefault(item.max_code, []).append(n)
    scores = [
        f"score ({' '.join(map(str, range(top + 1)))}) ({' '.join(map(str, range(top + 1)))})"
        f" ! items ({_ranges(numbers)})"
        for top, numbers in sorted(by_top.items())
    ]
    out = data_name.removesuffix("-data.txt")
    lines = [
        f"title CACT {matrix.code}",
        f"data_file {data_name}",
        f"codes {_codes(matrix)}",
        f"format name 1-{namlen} items {first}-{last}",
        *scores,
        "estimate",
        f"show >> {out}.sho",
        f"show items >> {out}.itm",
        f"itanal >> {out}.itn",
        "quit",
    ]
    return "".join(line + "\r\n" for line in lines)


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def codebook_rows(matrix: Matrix) -> list[list[Any]]:
    return [
        [
            n,
            i.item_id,
            ";".join(map(str, sorted(i.versions))),
            i.competency,
            i.kind,
            i.max_code,
            i.points if i.kind == "keyed" else "",
            i.n,
        ]
        for n, i in enumerate(matrix.items, start=1)
    ]


def codebook_markdown(matrix: Matrix, data_name: str) -> str:
    head = [
        f"# Codebook: {data_name}",
        "",
        f"Sitting `{matrix.code}`: {len(matrix.rows)} closed attempts (submitted or expired) x "
        f"{len(matrix.items)} items. Column `person` is the participant number; every other "
        "column is an item: keyed items 1 = correct, 0 = wrong or blank; weighted items the "
        "chosen option's weight (blank = 0); `NA` = not on this participant's form (missing by "
        "design).",
        "",
        "| column | item_id | versions | competency | kind | max_score | points | n |",
        "|---|---|---|---|---|---|---|---|",
    ]
    body = ["| " + " | ".join(str(c) for c in row) + " |" for row in codebook_rows(matrix)]
    return "\n".join([*head, *body, ""])


def stem(code: str, tool: str) -> str:
    """``CODE-winsteps``: the sitting code made safe for a file name, as every export's."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code) + f"-{tool}"


def files(matrix: Matrix, tool: Tool) -> dict[str, str]:
    """The ZIP's members: name → text."""
    base = stem(matrix.code, tool)
    if tool == "mirt":
        data = f"{base}-responses.csv"
        rows = [
            [person, *(R_MISSING if c is None else c for c in row)]
            for person, row in zip(matrix.persons, matrix.rows, strict=True)
        ]
        return {
            data: _csv(["person", *(i.item_id for i in matrix.items)], rows),
            f"{base}-codebook.csv": _csv(CODEBOOK, codebook_rows(matrix)),
            f"{base}-codebook.md": codebook_markdown(matrix, data),
        }
    text, namlen = fixed_width(matrix)
    data = f"{base}-data.txt"
    control = winsteps_control if tool == "winsteps" else quest_control
    return {
        f"{base}-control.txt" if tool == "winsteps" else f"{base}.qst": control(
            matrix, data, namlen
        ),
        data: text,
        f"{base}-codebook.csv": _csv(CODEBOOK, codebook_rows(matrix)),
    }


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


async def export_zip(session: AsyncSession, sitting_id: int, tool: Tool) -> tuple[str, bytes]:
    """(file name, ZIP bytes). Raises SittingNotFound, CodesTooWide, ValueError (tool)."""
    if tool not in TOOLS:
        raise ValueError(f"unknown psychometric export: {tool}")
    matrix = await response_matrix(session, sitting_id)
    return f"{stem(matrix.code, tool)}.zip", zipped(files(matrix, tool))
