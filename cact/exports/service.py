"""What the router and the CLI call: an export of one sitting as a stream of byte chunks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cact.audit import export as audit_export
from cact.audit.repository import AuditRepository
from cact.audit.schemas import AuditFilter
from cact.exam import service as exam
from cact.exports import columns, psychometric, queries, writers
from cact.kit import timezones


async def sitting_code(session: AsyncSession, sitting_id: int) -> str:
    return (await exam.get_sitting(session, sitting_id)).code


async def _stream(session: AsyncSession, statement: Any) -> AsyncIterator[Sequence[Any]]:
    result = await session.stream(statement)
    async for partition in result.partitions():
        for row in partition:
            yield tuple(row)


async def _matrix_rows(
    session: AsyncSession, sitting_id: int, code: str, item_ids: Sequence[str]
) -> AsyncIterator[Sequence[Any]]:
    """Group the attempt-ordered cells into one row per attempt (one attempt in memory)."""
    position = {item_id: n for n, item_id in enumerate(item_ids)}
    current: int | None = None
    participant = ""
    scores: list[Any] = []
    async for attempt_id, participant_no, item_id, score in _stream(
        session, queries.matrix_cells(sitting_id)
    ):
        if attempt_id != current:
            if current is not None:
                yield (code, current, participant, *scores)
            current, participant, scores = attempt_id, participant_no, [None] * len(item_ids)
        scores[position[item_id]] = score
    if current is not None:
        yield (code, current, participant, *scores)


async def _audit_rows(session: AsyncSession, sitting_id: int) -> AsyncIterator[Sequence[Any]]:
    statement = audit_export.export_statement(
        AuditRepository(session), AuditFilter(sitting_id=sitting_id)
    )
    async for row in _stream(session, statement):
        yield row


AUDIT_AT = audit_export.COLUMNS.index("occurred_at")


async def _audit_local(
    rows: AsyncIterator[Sequence[Any]], zone: str, *, json_text: bool
) -> AsyncIterator[Sequence[Any]]:
    """The audit columns (details as JSON text for CSV and XLSX), then the room's local time."""
    async for row in rows:
        at = row[AUDIT_AT]
        local = timezones.local(at, zone).replace(tzinfo=None, microsecond=0)
        cells = (
            json.dumps(v, ensure_ascii=False, sort_keys=True)
            if json_text and isinstance(v, dict)
            else v
            for v in row
        )
        yield (*cells, local, zone, timezones.label(zone, at))


async def export_chunks(
    session: AsyncSession, kind: str, sitting_id: int, fmt: str, *, bom: bool = False
) -> AsyncIterator[bytes]:
    """The export as byte chunks; the caller keeps ``session`` open until the last chunk."""
    if kind not in columns.KINDS:
        raise ValueError(f"unknown export: {kind}")
    if fmt not in columns.FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    code = await sitting_code(session, sitting_id)
    zone = (await session.scalar(queries.time_zone(sitting_id))) or timezones.DEFAULT_ZONE
    names: Sequence[str]
    rows: AsyncIterator[Sequence[Any]]
    if kind == "responses":
        names, rows = columns.RESPONSES, _stream(session, queries.responses(sitting_id))
    elif kind == "results":
        names, rows = columns.RESULTS, _stream(session, queries.results(sitting_id))
    elif kind == "matrix":
        item_ids = list((await session.scalars(queries.matrix_items(sitting_id))).all())
        names = (*columns.MATRIX_FIXED, *item_ids)
        rows = _matrix_rows(session, sitting_id, code, item_ids)
    else:
        names = (*audit_export.COLUMNS, *columns.AUDIT_LOCAL)
        rows = _audit_local(_audit_rows(session, sitting_id), zone, json_text=fmt != "jsonl")
    async for chunk in writers.chunks(
        fmt, names, rows, bom=bom, sheet=kind, identifiers=columns.IDENTIFIERS
    ):
        yield chunk


def filename(code: str, kind: str, fmt: str) -> str:
    """``CODE-results.csv``; the Indonesian-Excel CSV is ``CODE-results-excel-id.csv``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    return f"{safe}-{kind}-excel-id.csv" if fmt == "csv-id" else f"{safe}-{kind}.{fmt}"


async def write_export(
    db: AsyncEngine | AsyncSession | async_sessionmaker[AsyncSession],
    kind: str,
    sitting_id: int,
    fmt: str,
    out: BinaryIO,
    *,
    bom: bool = False,
) -> None:
    """For ``cact export KIND --sitting ID --format FMT [-o FILE]``: write the export to ``out``.

    Raises SittingNotFound for an unknown sitting (before anything is written) and ValueError
    for an unknown kind or format."""
    if isinstance(db, AsyncSession):
        await _write(db, kind, sitting_id, fmt, out, bom=bom)
        return
    sessions = db if isinstance(db, async_sessionmaker) else async_sessionmaker(db)
    async with sessions() as session, session.begin():
        await _write(session, kind, sitting_id, fmt, out, bom=bom)


async def _write(
    session: AsyncSession, kind: str, sitting_id: int, fmt: str, out: BinaryIO, *, bom: bool
) -> None:
    if kind in psychometric.TOOLS:  # a ZIP whatever the format
        _, body = await psychometric.export_zip(session, sitting_id, kind)
        out.write(body)
        return
    async for chunk in export_chunks(session, kind, sitting_id, fmt, bom=bom):
        out.write(chunk)
