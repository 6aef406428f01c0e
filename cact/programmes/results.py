"""The result rows the programme's analytics read: per person the latest finished, scored
attempt in the programme (after the filters), aggregated in PostgreSQL where a page shows
aggregates, so that a programme of 10,000 people stays a few hundred milliseconds a page.

A person whose integrated profile is signed off counts with its final levels and nine-box
(``levels``), everyone else with the attempt's result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, tuple_, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import Integration, IntegrationLevel
from cact.exam.models import Attempt, Sitting
from cact.exam.statuses import FINISHED_ATTEMPT
from cact.participants.models import Participant
from cact.programmes.models import ProgrammeMember
from cact.programmes.schemas import Filters
from cact.scoring.models import Result, ResultCompetency
from cact.standards.models import Position


@dataclass(frozen=True)
class AssessedRow:
    """One assessed person with the attained levels of the competencies asked for."""

    result_id: int
    participant_id: int
    nip: str | None
    name: str
    unit: str | None
    position_code: str | None
    policy_id: int
    levels: dict[str, int]


class ResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def assessed(self, programme_id: int, filters: Filters) -> Any:
        """The latest finished, scored attempt per person in the programme, with the newest
        sign-off of their integrated profile that read it (``integration_id``): a subquery."""
        group = func.coalesce(ProgrammeMember.position_group, Position.group)
        signed = (
            select(
                Integration.id,
                Integration.participant_id,
                Integration.attempt_id,
                Integration.nine_box,
            )
            .where(Integration.programme_id == programme_id)
            .order_by(Integration.participant_id, Integration.version.desc())
            .ext(distinct_on(Integration.participant_id))
            .subquery("signed")
        )
        latest = (
            select(
                Result.id.label("result_id"),
                Participant.id.label("participant_id"),
                Participant.nip,
                Participant.name,
                Participant.unit,
                group.label("group"),
                Position.code.label("position_code"),
                case((signed.c.id.is_not(None), signed.c.nine_box), else_=Result.nine_box).label(
                    "nine_box"
                ),
                Result.policy_id,
                signed.c.id.label("integration_id"),
            )
            .select_from(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(Participant, Participant.id == Attempt.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .outerjoin(
                ProgrammeMember,
                and_(
                    ProgrammeMember.programme_id == programme_id,
                    ProgrammeMember.participant_id == Participant.id,
                ),
            )
            .outerjoin(
                signed,
                and_(
                    signed.c.participant_id == Participant.id,
                    or_(signed.c.attempt_id == Attempt.id, signed.c.attempt_id.is_(None)),
                ),
            )
            .where(
                Sitting.programme_id == programme_id,
                Result.is_current,
                Attempt.status.in_(FINISHED_ATTEMPT),
            )
            .order_by(Participant.id, Attempt.closed_at.desc().nulls_last(), Attempt.id.desc())
            .ext(distinct_on(Participant.id))
        )
        if filters.sitting_id is not None:
            latest = latest.where(Attempt.sitting_id == filters.sitting_id)
        if filters.unit is not None:
            latest = latest.where(Participant.unit == filters.unit)
        if filters.group is not None:
            latest = latest.where(group == filters.group)
        return latest.cte("assessed")

    def levels(self, base: Any) -> Any:
        """(result_id, competency_code, attained_level, required_level, gap) of everyone in
        ``base``: the final levels of a signed-off profile, else the result's."""
        rc, il = ResultCompetency, IntegrationLevel
        from_result = (
            select(rc.result_id, rc.competency_code, rc.attained_level, rc.required_level, rc.gap)
            .join(base, base.c.result_id == rc.result_id)
            .where(base.c.integration_id.is_(None))
        )
        from_integration = select(
            base.c.result_id,
            il.competency_code,
            il.final_level,
            il.required_level,
            il.gap,
        ).join(base, base.c.integration_id == il.integration_id)
        return union_all(from_result, from_integration).subquery("levels")

    async def with_levels(
        self, programme_id: int, filters: Filters, competencies: Sequence[str]
    ) -> list[AssessedRow]:
        """Everyone assessed with their attained level per competency of ``competencies``; one
        row per person, one integer column per competency (no arrays to decode)."""
        base = self.assessed(programme_id, filters)
        rc = self.levels(base).c
        levels = (
            select(
                rc.result_id,
                *[
                    func.max(rc.attained_level).filter(rc.competency_code == code).label(f"c{n}")
                    for n, code in enumerate(competencies)
                ],
            )
            .where(rc.competency_code.in_(list(competencies)))
            .group_by(rc.result_id)
            .subquery()
        )
        statement = select(
            base.c.result_id,
            base.c.participant_id,
            base.c.nip,
            base.c.name,
            base.c.unit,
            base.c.position_code,
            base.c.policy_id,
            *[levels.c[f"c{n}"] for n in range(len(competencies))],
        ).outerjoin(levels, levels.c.result_id == base.c.result_id)
        found = []
        for row in await self.session.execute(statement):
            attained = {
                c: lv for c, lv in zip(competencies, row[7:], strict=True) if lv is not None
            }
            found.append(
                AssessedRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], attained)
            )
        return found

    async def heat(self, programme_id: int, filters: Filters) -> list[tuple[Any, ...]]:
        """(unit, competency, assessed, below, mean gap) against each person's own standard."""
        base = self.assessed(programme_id, filters)
        rc = self.levels(base).c
        unit = func.coalesce(base.c.unit, "")
        statement = (
            select(
                unit,
                rc.competency_code,
                func.count(),
                func.count().filter(rc.gap < 0),
                func.avg(rc.gap),
            )
            .join(base, base.c.result_id == rc.result_id)
            .where(rc.required_level.is_not(None))
            .group_by(unit, rc.competency_code)
            .order_by(unit, rc.competency_code)
        )
        return [tuple(row) for row in await self.session.execute(statement)]

    def needs(self, programme_id: int, filters: Filters) -> Select[Any]:
        """Everyone below their required level, per competency, the largest gap first."""
        base = self.assessed(programme_id, filters)
        rc = self.levels(base).c
        return (
            select(
                rc.competency_code,
                base.c.participant_id,
                base.c.nip,
                base.c.name,
                base.c.unit,
                base.c.position_code,
                rc.attained_level,
                rc.required_level,
                rc.gap,
            )
            .join(base, base.c.result_id == rc.result_id)
            .where(rc.gap < 0)
            .order_by(rc.competency_code, rc.gap, base.c.name, base.c.participant_id)
        )

    async def rows(self, statement: Select[Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self.session.execute(statement)]

    async def needs_summary(
        self, programme_id: int, filters: Filters, top: int
    ) -> list[tuple[Any, ...]]:
        """The first ``top`` (at least one) rows of each competency, each row followed by the
        competency's number of people below and mean gap: one pass over the list."""
        listed = self.needs(programme_id, filters).subquery()
        part = listed.c.competency_code
        order = (listed.c.gap, listed.c.name, listed.c.participant_id)
        ranked = select(
            *listed.c,
            func.count().over(partition_by=part).label("below"),
            func.avg(listed.c.gap).over(partition_by=part).label("mean_gap"),
            func.row_number().over(partition_by=part, order_by=order).label("n"),
        ).subquery()
        statement = (
            select(*[c for c in ranked.c if c.name != "n"])
            .where(ranked.c.n <= max(top, 1))
            .order_by(ranked.c.competency_code, ranked.c.n)
        )
        return await self.rows(statement)

    async def nine_box(self, programme_id: int, filters: Filters) -> list[tuple[Any, ...]]:
        """(unit, everyone?, box, count, names) per unit and box, and per box for everyone."""
        base = self.assessed(programme_id, filters)
        unit = func.coalesce(base.c.unit, "")
        statement = (
            select(
                unit,
                func.grouping(unit),
                base.c.nine_box,
                func.count(),
                func.array_agg(aggregate_order_by(base.c.name, base.c.name)),
            )
            .where(base.c.nine_box.is_not(None))
            .group_by(func.grouping_sets(tuple_(unit, base.c.nine_box), tuple_(base.c.nine_box)))
        )
        return [tuple(row) for row in await self.session.execute(statement)]

    async def unboxed(self, programme_id: int, filters: Filters) -> int:
        base = self.assessed(programme_id, filters)
        statement = select(func.count()).select_from(base).where(base.c.nine_box.is_(None))
        return int(await self.session.scalar(statement) or 0)

    async def units_and_groups(self, programme_id: int) -> tuple[list[str], list[str]]:
        """Every unit and position group in the population or among the assessed."""
        base = self.assessed(programme_id, Filters())
        member_unit = (
            select(Participant.unit)
            .join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
            .where(ProgrammeMember.programme_id == programme_id)
        )
        member_group = (
            select(func.coalesce(ProgrammeMember.position_group, Position.group))
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(ProgrammeMember.programme_id == programme_id)
        )
        units = await self.session.scalars(select(base.c.unit).union(member_unit))
        groups = await self.session.scalars(select(base.c.group).union(member_group))
        return sorted(u for u in units if u), sorted(g for g in groups if g)
