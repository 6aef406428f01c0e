"""Item analysis of one sitting from the database, and its export as CSV / XLSX / JSON Lines."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import calibration
from cact.analysis.exposure_repository import ItemStatisticRepository
from cact.analysis.stats import Analysis, Cell, analyse
from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.statuses import SittingStatus
from cact.exports import columns, queries, writers
from cact.exports.service import sitting_code
from cact.kit.errors import Conflict

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
            Cell(attempt_id, competency, item_id, float(score), float(top), label, version)
            for attempt_id, competency, item_id, score, top, label, version in partition
        )
    # CPU-bound (seconds on a large sitting): off the event loop.
    return await asyncio.to_thread(compute, cells, labels)


def compute(cells: Sequence[Cell], labels: Mapping[str, Sequence[str]]) -> Analysis:
    """Classical statistics, then the Rasch calibration of every scale (no database)."""
    analysis = analyse(cells, labels)
    calibration.calibrate_scales(cells, analysis)
    return analysis


async def calibrated_analysis(session: AsyncSession, sitting_id: int) -> Analysis:
    """The item analysis; the first one computed after the sitting closed stores its
    calibration and item statistics (audited as the system)."""
    analysis = await item_analysis(session, sitting_id)
    sitting = await exam.get_sitting(session, sitting_id)
    if (
        sitting.status == SittingStatus.CLOSED
        and analysis.items
        and not await ItemStatisticRepository(session).exists(sitting_id)
    ):
        await calibration.store(
            session, sitting_id, analysis, Actor.system(), reason="first analysis after close"
        )
    return analysis


class SittingNotClosed(Conflict):
    code = "sitting_not_closed"
    message = (
        "Kalibrasi hanya disimpan untuk sesi yang sudah ditutup. / "
        "Calibrations are stored for closed sittings only."
    )


async def recalibrate(session: AsyncSession, sitting_id: int, actor: Actor) -> int:
    """Compute the analysis again and replace the stored calibration (a staff action)."""
    if (await exam.get_sitting(session, sitting_id)).status != SittingStatus.CLOSED:
        raise SittingNotClosed()
    analysis = await item_analysis(session, sitting_id)
    return await calibration.store(session, sitting_id, analysis, actor, reason="on demand")


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
            item.discrimination_basis,
            _round(item.difficulty),
            _round(item.difficulty_se),
            _round(item.infit),
            _round(item.outfit),
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
            s.n,
            _round(s.form_items),
            _round(s.alpha_form),
            _round(s.person_reliability),
            _round(s.person_separation),
            _round(s.marginal_reliability),
            s.model,
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
