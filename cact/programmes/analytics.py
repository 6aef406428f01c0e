"""Organisation analytics of a programme (filterable by unit, position group and sitting):
the gap heat map, the training-needs list, the nine-box talent pool and position matching.

Every person counts once: their latest finished, scored attempt in the programme. Position
matching scores each person's attained levels against the chosen position's standard with the
scoring engine (cact/scoring/engine.py) and the policy their result was scored with."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.programmes.results import AssessedRow, ResultRepository
from cact.programmes.schemas import Filters, HeatCell, MatchRow, NeedRow, NineBoxCell
from cact.scoring import engine
from cact.scoring.models import ScoringPolicy
from cact.scoring.policy import PolicyBody
from cact.scoring.repository import PolicyRepository
from cact.standards.models import Position
from cact.standards.repository import StandardRepository

ALL_UNITS = ""  # the heat map's and nine-box's row for everyone selected
TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class HeatMap:
    units: list[str]
    competencies: list[str]
    cells: list[HeatCell]

    def at(self, unit: str, competency: str) -> HeatCell | None:
        return next((c for c in self.cells if c.unit == unit and c.competency == competency), None)


async def heat_map(db: AsyncSession, programme_id: int, filters: Filters) -> HeatMap:
    """Unit × competency: the share of people below their position's required level and the
    mean gap (attained − required). The ALL_UNITS row is everyone selected."""
    rows = await ResultRepository(db).heat(programme_id, filters)
    cells: list[HeatCell] = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gap_sums: dict[str, Decimal] = defaultdict(Decimal)
    for unit, code, assessed, below, mean_gap in rows:
        cells.append(_cell(unit, code, int(assessed), int(below), Decimal(mean_gap)))
        totals[code][0] += int(assessed)
        totals[code][1] += int(below)
        gap_sums[code] += Decimal(mean_gap) * int(assessed)
    for code, (assessed, below) in sorted(totals.items()):
        cells.append(_cell(ALL_UNITS, code, assessed, below, gap_sums[code] / assessed))
    units = sorted({c.unit for c in cells if c.unit != ALL_UNITS})
    return HeatMap(units, sorted(totals), cells)


def _cell(unit: str, code: str, assessed: int, below: int, mean_gap: Decimal) -> HeatCell:
    return HeatCell(
        unit=unit,
        competency=code,
        assessed=assessed,
        below=below,
        share_below=(Decimal(below) / assessed).quantize(FOUR, ROUND_HALF_UP),
        mean_gap=mean_gap.quantize(TWO, ROUND_HALF_UP),
    )


async def training_needs(db: AsyncSession, programme_id: int, filters: Filters) -> list[NeedRow]:
    """Per competency, everyone below their required level, the largest gap first."""
    repo = ResultRepository(db)
    return [_need(row) for row in await repo.rows(repo.needs(programme_id, filters))]


@dataclass(frozen=True)
class NeedGroup:
    competency: str
    count: int
    mean_gap: Decimal
    rows: list[NeedRow]  # the first of them, the largest gaps


async def training_needs_overview(
    db: AsyncSession, programme_id: int, filters: Filters, top: int
) -> list[NeedGroup]:
    """What the page shows: per competency how many are below and the ``top`` largest gaps."""
    groups: dict[str, NeedGroup] = {}
    for row in await ResultRepository(db).needs_summary(programme_id, filters, top):
        code, below, mean = str(row[0]), int(row[9]), Decimal(row[10])
        group = groups.setdefault(
            code, NeedGroup(code, below, mean.quantize(TWO, ROUND_HALF_UP), [])
        )
        if len(group.rows) < top:
            group.rows.append(_need(row[:9]))
    return list(groups.values())


def _need(row: tuple[object, ...]) -> NeedRow:
    code, pid, nip, name, unit, position, attained, required, gap = row
    return NeedRow(
        competency=str(code),
        participant_id=int(str(pid)),
        nip=None if nip is None else str(nip),
        name=str(name),
        unit=None if unit is None else str(unit),
        position_code=None if position is None else str(position),
        attained=int(str(attained)),
        required=int(str(required)),
        gap=int(str(gap)),
    )


@dataclass(frozen=True)
class TalentPool:
    cells: list[NineBoxCell]  # per unit (and ALL_UNITS) and box 1–9
    unknown: int  # assessed without a box (no performance rating or no JPM)
    units: list[str]

    def cell(self, unit: str, box: int) -> NineBoxCell:
        found = next((c for c in self.cells if c.unit == unit and c.box == box), None)
        return found or NineBoxCell(unit=unit, box=box, count=0, names=[])


async def talent_pool(db: AsyncSession, programme_id: int, filters: Filters) -> TalentPool:
    repo = ResultRepository(db)
    cells = sorted(
        (
            NineBoxCell(
                unit=ALL_UNITS if everyone else unit, box=box, count=int(n), names=list(names)
            )
            for unit, everyone, box, n, names in await repo.nine_box(programme_id, filters)
        ),
        key=lambda c: (c.unit, c.box),
    )
    units = sorted({c.unit for c in cells if c.unit != ALL_UNITS})
    return TalentPool(cells, await repo.unboxed(programme_id, filters), units)


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    person: AssessedRow
    jpm: Decimal | None
    category: str | None
    gaps: dict[str, int]
    untested: list[str]

    def read(self) -> MatchRow:
        return MatchRow(
            rank=self.rank,
            participant_id=self.person.participant_id,
            nip=self.person.nip,
            name=self.person.name,
            unit=self.person.unit,
            current_position=self.person.position_code,
            jpm=self.jpm,
            category=self.category,
            gaps=self.gaps,
            untested=self.untested,
        )


@dataclass(frozen=True)
class Matching:
    position: Position
    standard: dict[str, int]
    rows: list[Ranked]


async def _policies(db: AsyncSession, ids: set[int]) -> dict[int, PolicyBody]:
    found: dict[int, ScoringPolicy] = await PolicyRepository(db).by_ids(sorted(ids))
    return {pid: PolicyBody.model_validate(p.body) for pid, p in found.items()}


Match = tuple[Decimal | None, str | None, dict[str, int], list[str]]


def match_one(
    levels: dict[str, int], standard: dict[str, int] | Sequence[tuple[str, int]], policy: PolicyBody
) -> Match:
    """(JPM, category, negative gaps, untested) of one person against ``standard``: the
    engine's formula over the competencies of the standard the person was tested on."""
    required = sorted(standard.items()) if isinstance(standard, dict) else standard
    tested = [(code, levels[code], need) for code, need in required if code in levels]
    jpm = engine.job_person_match(((got, need) for _, got, need in tested), policy.cap)
    band = engine.category(jpm, policy.category_scales[policy.category_scale])
    gaps = {code: got - need for code, got, need in tested if got < need}
    untested = [code for code, _ in required if code not in levels]
    return jpm, band.code if band else None, gaps, untested


async def position_matching(
    db: AsyncSession, programme_id: int, position: Position, filters: Filters
) -> Matching:
    """Everyone assessed, ranked by the JPM they would have against ``position``'s standard
    (highest first; ties by name), with their gaps."""
    standard = {
        s.competency_code: s.required_level
        for s, _ in await StandardRepository(db).with_competencies(position.id)
    }
    required = sorted(standard.items())
    people = await ResultRepository(db).with_levels(programme_id, filters, sorted(standard))
    policies = await _policies(db, {p.policy_id for p in people})
    # People with the same levels and policy get the same answer: ask the engine once.
    seen: dict[tuple[int, tuple[tuple[str, int], ...]], Match] = {}
    scored = []
    for person in people:
        key = (person.policy_id, tuple(person.levels.items()))
        found = seen.get(key)
        if found is None:
            found = seen[key] = match_one(person.levels, required, policies[person.policy_id])
        scored.append((person, found))
    scored.sort(key=lambda s: (s[1][0] is None, -(s[1][0] or 0), s[0].name, s[0].participant_id))
    rows = [
        Ranked(rank, person, jpm, band, gaps, untested)
        for rank, (person, (jpm, band, gaps, untested)) in enumerate(scored, start=1)
    ]
    return Matching(position, standard, rows)
