"""Programme-wide exports: responses, results and the score matrix of every sitting of the
programme, in wave order (start time, then id), with the sittings' own statements and the same
streaming writers — a programme's export is the concatenation of its sittings' exports (the
matrix: over the union of their item columns, sorted)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exports import columns, queries, writers
from cact.programmes import service
from cact.programmes.repository import ProgrammeRepository

ProgrammeKind = Literal["responses", "results", "matrix"]
PROGRAMME_KINDS: tuple[ProgrammeKind, ...] = ("responses", "results", "matrix")


async def _stream(session: AsyncSession, statement: Any) -> AsyncIterator[Sequence[Any]]:
    result = await session.stream(statement)
    async for partition in result.partitions():
        for row in partition:
            yield tuple(row)


async def _concatenated(
    session: AsyncSession, kind: str, sitting_ids: Sequence[int]
) -> AsyncIterator[Sequence[Any]]:
    statement = queries.responses if kind == "responses" else queries.results
    for sitting_id in sitting_ids:
        async for row in _stream(session, statement(sitting_id)):
            yield row


async def _matrix(
    session: AsyncSession, sittings: Sequence[tuple[int, str]], item_ids: Sequence[str]
) -> AsyncIterator[Sequence[Any]]:
    """One row per attempt (one attempt in memory), sitting after sitting."""
    position = {item_id: n for n, item_id in enumerate(item_ids)}
    for sitting_id, code in sittings:
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


async def export_chunks(
    session: AsyncSession, programme_id: int, kind: str, fmt: str, *, bom: bool = False
) -> AsyncIterator[bytes]:
    """The programme's export as byte chunks; ``session`` stays open until the last one."""
    if kind not in PROGRAMME_KINDS:
        raise ValueError(f"unknown programme export: {kind}")
    if fmt not in columns.FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    await service.get(session, programme_id)
    sittings = [(s.id, s.code) for s in await ProgrammeRepository(session).sittings(programme_id)]
    names: Sequence[str]
    rows: AsyncIterator[Sequence[Any]]
    if kind == "matrix":
        items: set[str] = set()
        for sitting_id, _ in sittings:
            items.update((await session.scalars(queries.matrix_items(sitting_id))).all())
        item_ids = sorted(items)
        names, rows = (*columns.MATRIX_FIXED, *item_ids), _matrix(session, sittings, item_ids)
    else:
        names = columns.RESPONSES if kind == "responses" else columns.RESULTS
        rows = _concatenated(session, kind, [sid for sid, _ in sittings])
    async for chunk in writers.chunks(
        fmt, names, rows, bom=bom, sheet=kind, identifiers=columns.IDENTIFIERS
    ):
        yield chunk


def filename(code: str, kind: str, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    if fmt == "csv-id":
        return f"programme-{safe}-{kind}-excel-id.csv"
    return f"programme-{safe}-{kind}.{fmt}"
