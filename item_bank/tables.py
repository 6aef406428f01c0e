"""Rows of a sheet or CSV file read through a header of known columns."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from openpyxl.utils import get_column_letter

from item_bank.columns import Column, header_map, normalise
from item_bank.problems import Code, Location, Report
from item_bank.values import cell_text, is_blank

Rows = Iterable[tuple[int, Sequence[Any]]]


@dataclass
class Header:
    """Which cell index holds which column, and where each cell of a row is."""

    sheet: str | None
    found: dict[str, tuple[int, str]] = field(default_factory=dict)

    def location(self, name: str, row: int) -> Location:
        if name not in self.found:
            return Location(sheet=self.sheet, row=row)
        index, title = self.found[name]
        return Location(
            sheet=self.sheet, row=row, column=get_column_letter(index + 1), header=title
        )

    def value(self, name: str, cells: Sequence[Any]) -> Any:
        index = self.found.get(name, (len(cells), ""))[0]
        return cells[index] if index < len(cells) else None

    def text(self, name: str, cells: Sequence[Any]) -> str | None:
        return cell_text(self.value(name, cells))


def data_rows(rows: Rows) -> Iterator[tuple[int, Sequence[Any]]]:
    """The rows that have at least one filled cell."""
    return ((n, cells) for n, cells in rows if not all(is_blank(c) for c in cells))


EXAMPLE_MARK = "#"


def is_example(cells: Sequence[Any]) -> bool:
    """A row whose first filled cell starts with ``#`` is a note or the template's example
    row (``#CONTOH-001``): every reader skips it."""
    first = next((t for c in cells if (t := cell_text(c)) is not None), None)
    return first is not None and first.startswith(EXAMPLE_MARK)


HEADER_SEARCH_ROWS = 10


def header_score(cells: Sequence[Any], columns: tuple[Column, ...]) -> int:
    """How many cells of a row name a known column (a title row names none)."""
    known = header_map(columns)
    return sum(1 for c in cells if (t := cell_text(c)) is not None and normalise(t) in known)


def find_header(
    rows: Iterator[tuple[int, Sequence[Any]]],
    columns: tuple[Column, ...],
    sheet: str | None,
    report: Report,
    optional: frozenset[str] = frozenset(),
) -> tuple[Header | None, Iterator[tuple[int, Sequence[Any]]]]:
    """The header among the first filled rows: the first naming two known columns or more.

    Rows above it (a merged title, a date) are skipped with a note. When no row qualifies the
    first filled row is the header, so its unknown and missing columns are reported as usual.
    Returns the header and the data rows below it.
    """
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    chosen = next((i for i, (_, cells) in enumerate(head) if header_score(cells, columns) >= 2), 0)
    if chosen:
        skipped = ", ".join(str(n) for n, _ in head[:chosen])
        report.note(
            Code.HEADER_BELOW_TITLE,
            at=Location(sheet=sheet, row=head[chosen][0]),
            row=head[chosen][0],
            skipped=skipped,
        )
    header = read_header(iter(head[chosen : chosen + 1]), columns, sheet, report, optional)
    return header, chain(head[chosen + 1 :], rows)


def read_header(
    rows: Iterator[tuple[int, Sequence[Any]]],
    columns: tuple[Column, ...],
    sheet: str | None,
    report: Report,
    optional: frozenset[str] = frozenset(),
) -> Header | None:
    """Map the first filled row onto `columns`; unknown, duplicate and missing ones are reported.

    None when there is no header row or a required column is missing: the rows below would only
    repeat that problem once per row.
    """
    first = next(rows, None)
    header = Header(sheet)
    number = first[0] if first else 1
    known = header_map(columns)
    for index, cell in enumerate(first[1] if first else ()):
        title = cell_text(cell)
        if title is None:
            continue
        spot = Location(sheet=sheet, row=number, column=get_column_letter(index + 1), header=title)
        column = known.get(normalise(title))
        if column is None:
            report.add(Code.UNKNOWN_COLUMN, at=spot, value=title)
        elif column.name in header.found:
            report.add(Code.DUPLICATE_COLUMN, at=spot, value=title)
        else:
            header.found[column.name] = (index, title)
    missing = [
        c for c in columns if c.required and c.name not in header.found and c.name not in optional
    ]
    for column in missing:
        spot = Location(sheet=sheet, row=number)
        report.add(Code.MISSING_COLUMN, at=spot, name=column.name, alias=column.indonesian)
    return header if first and not missing else None
