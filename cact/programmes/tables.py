"""Every analytics table as an XLSX download (the streamed writer of cact/exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exports import writers
from cact.kit.errors import InvalidInput
from cact.programmes import analytics, service
from cact.programmes.analytics import ALL_UNITS, HeatMap, Matching, TalentPool
from cact.programmes.deps import position_by_code
from cact.programmes.results import ResultRepository
from cact.programmes.schemas import Coverage, Filters, NeedRow

Table = Literal["coverage", "heat-map", "training-needs", "nine-box", "matching"]
TABLES: tuple[Table, ...] = ("coverage", "heat-map", "training-needs", "nine-box", "matching")

COVERAGE = (
    "participant_no",
    "nip",
    "name",
    "position_code",
    "unit",
    "position_group",
    "status",
    "sittings",
)
HEAT = ("unit", "competency", "assessed", "below_standard", "share_below", "mean_gap")
NEEDS = ("competency", "nip", "name", "unit", "position_code", "attained", "required", "gap")
NINE_BOX = ("unit", "box", "count", "names")
MATCHING = (
    "rank",
    "nip",
    "name",
    "unit",
    "current_position",
    "position",
    "jpm",
    "category",
    "gaps",
    "untested",
)


async def _rows(rows: Iterable[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    for row in rows:
        yield row


def xlsx(names: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str) -> AsyncIterator[bytes]:
    return writers.xlsx_chunks(names, _rows(rows), sheet=sheet)


def _unit(unit: str | None) -> str:
    return "(semua / all)" if unit == ALL_UNITS else (unit or "")


def coverage_rows(coverage: Coverage) -> list[tuple[Any, ...]]:
    return [
        (
            m.participant_no,
            m.nip,
            m.name,
            m.position_code,
            m.unit,
            m.position_group,
            m.status,
            ", ".join(m.sittings),
        )
        for m in coverage.members
    ]


def heat_rows(heat: HeatMap) -> list[tuple[Any, ...]]:
    return [
        (_unit(c.unit), c.competency, c.assessed, c.below, c.share_below, c.mean_gap)
        for c in heat.cells
    ]


def need_rows(needs: Sequence[NeedRow]) -> list[tuple[Any, ...]]:
    return [
        (n.competency, n.nip, n.name, n.unit, n.position_code, n.attained, n.required, n.gap)
        for n in needs
    ]


def nine_box_rows(pool: TalentPool) -> list[tuple[Any, ...]]:
    return [(_unit(c.unit), c.box, c.count, "; ".join(c.names)) for c in pool.cells]


def matching_rows(matching: Matching) -> list[tuple[Any, ...]]:
    code = matching.position.code
    return [
        (
            r.rank,
            r.person.nip,
            r.person.name,
            r.person.unit,
            r.person.position_code,
            code,
            r.jpm,
            r.category,
            ", ".join(f"{k} {v:+d}" for k, v in r.gaps.items()),
            ", ".join(r.untested),
        )
        for r in matching.rows
    ]


async def build(
    db: AsyncSession, programme_id: int, table: str, filters: Filters, position: str | None
) -> tuple[Sequence[str], list[tuple[Any, ...]]]:
    """The column names and rows of one table, exactly as its page shows it."""
    if table == "coverage":
        return COVERAGE, coverage_rows(await service.coverage(db, programme_id))
    if table == "heat-map":
        return HEAT, heat_rows(await analytics.heat_map(db, programme_id, filters))
    if table == "training-needs":
        repo = ResultRepository(db)
        found = await repo.rows(repo.needs(programme_id, filters))
        return NEEDS, [
            (c, nip, name, unit, pos, a, r, g) for c, _, nip, name, unit, pos, a, r, g in found
        ]
    if table == "nine-box":
        return NINE_BOX, nine_box_rows(await analytics.talent_pool(db, programme_id, filters))
    if not position:
        raise PositionRequired()
    chosen = await position_by_code(db, position)
    matching = await analytics.position_matching(db, programme_id, chosen, filters)
    return MATCHING, matching_rows(matching)


class PositionRequired(InvalidInput):
    code = "position_required"
    message = "Pilih jabatan untuk pencocokan. / Choose a position to match against."
