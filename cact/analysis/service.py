"""Item analysis of one sitting from the database, and its export as CSV / XLSX / JSON Lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.stats import Analysis, Cell, analyse
from cact.exports import columns, queries, writers
from cact.exports.service import sitting_code

TABLES = ("items", "scales")


async def item_analysis(session: AsyncSession, sitting_id: int) -> Analysis:
    """The closed attempts (submitted or expired) of the sitting, per item and per scale.

    Holds one number per presented item (attempts × items), not the response rows."""
    await sitting_code(session, sitting_id)
    labels: dict[str, list[str]] = defaultdict(list)
    for item_id, label in await session.execute(queries.option_labels(sitting_id)):
        labels[item_id].append(label)

    cells: list[Cell] = []
    result = await session.stream(queries.scored_cells(sitting_id))
    async for partition in result.partitions():
        cells.extend(
            Cell(attempt_id, competency, item_id, float(score), float(top), label)
            for attempt_id, competency, item_id, score, top, label in partition
        )
    return analyse(cells, labels)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def item_rows(analysis: Analysis) -> list[tuple[Any, ...]]:
    return [
        (
            item.competency,
            item.item_id,
            item.n,
            item.max_score,
            _round(item.mean_score),
            _round(item.facility),
            _round(item.discrimination),
            " ".join(item.flags),
            [
                {
                    "label": o.label,
                    "count": o.count,
                    "share": _round(o.share),
                    "mean_total": _round(o.mean_total),
                }
                for o in item.options
            ],
        )
        for item in analysis.items
    ]


def scale_rows(analysis: Analysis) -> list[tuple[Any, ...]]:
    return [
        (
            s.competency,
            s.items,
            s.n_complete,
            _round(s.mean_total),
            _round(s.sd_total),
            _round(s.alpha),
            _round(s.sem),
        )
        for s in analysis.scales
    ]


async def _iterate(rows: Sequence[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    for row in rows:
        yield row


async def analysis_chunks(
    session: AsyncSession, sitting_id: int, table: str, fmt: str, *, bom: bool = False
) -> AsyncIterator[bytes]:
    """The item table (ITEM_ANALYSIS columns) or the scale table (SCALE_ANALYSIS) as a file."""
    if table not in TABLES:
        raise ValueError(f"unknown analysis table: {table}")
    analysis = await item_analysis(session, sitting_id)
    if table == "items":
        names, rows = columns.ITEM_ANALYSIS, item_rows(analysis)
    else:
        names, rows = columns.SCALE_ANALYSIS, scale_rows(analysis)
    async for chunk in writers.chunks(
        fmt, names, _iterate(rows), bom=bom, sheet=table, identifiers=columns.IDENTIFIERS
    ):
        yield chunk
