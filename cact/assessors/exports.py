"""The evidence export of a programme in long form (docs/assessors.md): person, programme,
competency, method, instrument version, assessor, raw, level, notes, time — CSV, CSV for
Excel, XLSX or JSONL through the streaming writers of ``cact.exports``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service
from cact.assessors.repository import EVIDENCE_COLUMNS, evidence_export
from cact.exports import columns, writers

IDENTIFIERS = frozenset({"programme_code", "participant_no", "nip", "competency"})


async def _rows(session: AsyncSession, statement: Any) -> AsyncIterator[Sequence[Any]]:
    result = await session.stream(statement)
    async for partition in result.partitions():
        for row in partition:
            yield tuple(row)


async def evidence_chunks(
    session: AsyncSession, programme_id: int, fmt: str, *, bom: bool = False
) -> AsyncIterator[bytes]:
    """The export as byte chunks; ``session`` stays open until the last one."""
    if fmt not in columns.FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    programme = await service.programme(session, programme_id)
    rows = _rows(session, evidence_export(programme.id, programme.code))
    async for chunk in writers.chunks(
        fmt, EVIDENCE_COLUMNS, rows, bom=bom, sheet="evidence", identifiers=IDENTIFIERS
    ):
        yield chunk


def filename(code: str, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    if fmt == "csv-id":
        return f"programme-{safe}-evidence-excel-id.csv"
    return f"programme-{safe}-evidence.{fmt}"
