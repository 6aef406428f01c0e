"""Scoring's queries. Scoring many attempts costs a constant number of statements: the facts,
the answers, the keys, the standards, then COPY for the new results."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Select, and_, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased, make_transient_to_detached

from cact.bank.models import Item, ItemOption, ItemVersion
from cact.competencies.models import Competency, CompetencyLevel
from cact.exam.models import Attempt, AttemptItem, Response, Sitting
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy
from cact.standards.models import CompetencyStandard, Position

RESULT_COLUMNS = (
    "id",
    "scored_at",
    "attempt_id",
    "version",
    "is_current",
    "policy_id",
    "jpm",
    "category",
    "combined_score",
    "nine_box",
    "reason",
    "details",
)
COMPETENCY_COLUMNS = (
    "result_id",
    "competency_code",
    "raw_score",
    "max_score",
    "index",
    "attained_level",
    "required_level",
    "gap",
)


@dataclass(frozen=True)
class AttemptFacts:
    attempt_id: int
    sitting_id: int
    status: str
    participant_id: int
    position_id: int | None
    position_group: str | None
    rating: str | None
    policy_id: int | None


@dataclass(frozen=True)
class OptionRow:
    """One option of an item version with what scoring needs of the item."""

    version_id: int
    competency: str
    kind: str
    points: int | None
    option_id: int
    label: str
    weight: int | None
    correct: bool


class PolicyRepository(Repository[ScoringPolicy]):
    model = ScoringPolicy

    async def latest(self, code: str) -> ScoringPolicy | None:
        statement = (
            select(ScoringPolicy)
            .where(ScoringPolicy.code == code)
            .order_by(ScoringPolicy.version.desc())
            .limit(1)
        )
        return await self.one_or_none(statement)

    async def insert_if_absent(self, code: str, version: int, body: dict[str, Any]) -> None:
        """Concurrent closers may both find no default: one inserts, the other waits and skips."""
        statement = pg_insert(ScoringPolicy).values(code=code, version=version, body=body)
        await self.session.execute(statement.on_conflict_do_nothing())

    async def by_ids(self, ids: Collection[int]) -> dict[int, ScoringPolicy]:
        found = await self.all(select(ScoringPolicy).where(ScoringPolicy.id.in_(ids)))
        return {p.id: p for p in found}

    def ordered(self) -> Select[ScoringPolicy]:
        return select(ScoringPolicy).order_by(ScoringPolicy.code, ScoringPolicy.version.desc())


class PerformanceRepository(Repository[Participant]):
    model = Participant

    async def participants(
        self, numbers: Collection[str], nips: Collection[str]
    ) -> tuple[dict[str, Participant], dict[str, Participant]]:
        """The participants with these numbers, and those with these NIPs."""
        found = await self.all(
            select(Participant).where(
                or_(Participant.participant_no.in_(numbers), Participant.nip.in_(nips))
            )
        )
        return (
            {p.participant_no: p for p in found},
            {p.nip: p for p in found if p.nip is not None},
        )


class ScoringRepository(Repository[Result]):
    model = Result

    async def attempt_facts(self, ids: Collection[int], *, lock: bool) -> dict[int, AttemptFacts]:
        """Who sat each attempt, for which position, under which policy. ``lock`` takes the
        attempt rows (already held on the close paths) so two scorings never interleave."""
        statement = (
            select(
                Attempt.id,
                Attempt.sitting_id,
                Attempt.status,
                Attempt.participant_id,
                Participant.position_id,
                Position.group,
                Participant.performance_rating,
                Sitting.scoring_policy_id,
            )
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(Attempt.id.in_(ids))
            .order_by(Attempt.id)
        )
        if lock:
            statement = statement.with_for_update(of=Attempt)
        rows = await self.session.execute(statement)
        return {row[0]: AttemptFacts(*row) for row in rows}

    async def closed_attempt_ids(self, sitting_id: int, statuses: Collection[str]) -> list[int]:
        statement = (
            select(Attempt.id)
            .where(Attempt.sitting_id == sitting_id, Attempt.status.in_(statuses))
            .order_by(Attempt.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def unscored_attempt_ids(self, statuses: Collection[str], limit: int) -> list[int]:
        """Closed attempts no scoring has reached yet; rows another worker holds are skipped."""
        statement = (
            select(Attempt.id)
            .where(Attempt.status.in_(statuses), Attempt.scored_at.is_(None))
            .order_by(Attempt.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(statement)).all())

    async def answers(self, ids: Collection[int]) -> list[tuple[int, list[int], list[int | None]]]:
        """Per attempt: the item versions on its form and the chosen option of each (None:
        blank), aggregated in PostgreSQL so that a herd is 2,000 rows, not 240,000."""
        statement = (
            select(
                AttemptItem.attempt_id,
                func.array_agg(aggregate_order_by(AttemptItem.item_version_id, AttemptItem.number)),
                func.array_agg(aggregate_order_by(Response.option_id, AttemptItem.number)),
            )
            .outerjoin(Response, Response.attempt_item_id == AttemptItem.id)
            .where(AttemptItem.attempt_id.in_(ids))
            .group_by(AttemptItem.attempt_id)
        )
        return [(a, list(v), list(o)) for a, v, o in await self.session.execute(statement)]

    def _presented(self, ids: Collection[int]) -> Any:
        return (
            select(AttemptItem.item_version_id)
            .where(AttemptItem.attempt_id.in_(ids))
            .distinct()
            .scalar_subquery()
        )

    async def presented_options(self, ids: Collection[int]) -> list[OptionRow]:
        """The options of every item version on these attempts' forms, as presented."""
        statement = (
            select(
                ItemVersion.id,
                Item.competency_code,
                Item.kind,
                ItemVersion.points,
                ItemOption.id,
                ItemOption.label,
                ItemOption.weight,
                ItemOption.correct,
            )
            .join(Item, Item.id == ItemVersion.item_id)
            .join(ItemOption, ItemOption.item_version_id == ItemVersion.id)
            .where(ItemVersion.id.in_(self._presented(ids)))
        )
        return [OptionRow(*row) for row in (await self.session.execute(statement))]

    async def corrected_options(self, ids: Collection[int]) -> list[OptionRow]:
        """For presented versions that are no longer their item's current version: the current
        version's options (``version_id`` is the PRESENTED version, ``option_id`` the new one)."""
        current = aliased(ItemVersion)
        presented = aliased(ItemVersion)
        statement = (
            select(
                presented.id,
                Item.competency_code,
                Item.kind,
                current.points,
                ItemOption.id,
                ItemOption.label,
                ItemOption.weight,
                ItemOption.correct,
            )
            .join(Item, Item.id == presented.item_id)
            .join(
                current,
                and_(current.item_id == Item.id, current.version == Item.current_version),
            )
            .join(ItemOption, ItemOption.item_version_id == current.id)
            .where(presented.id.in_(self._presented(ids)), current.id != presented.id)
        )
        return [OptionRow(*row) for row in (await self.session.execute(statement))]

    async def standards(self, position_ids: Collection[int]) -> dict[int, dict[str, int]]:
        statement = select(
            CompetencyStandard.position_id,
            CompetencyStandard.competency_code,
            CompetencyStandard.required_level,
        ).where(CompetencyStandard.position_id.in_(position_ids))
        found: dict[int, dict[str, int]] = {}
        for position_id, code, level in await self.session.execute(statement):
            found.setdefault(position_id, {})[code] = level
        return found

    async def competency_kinds(self) -> dict[str, str]:
        rows = await self.session.execute(select(Competency.code, Competency.kind))
        return dict(rows.all())

    async def retire_current(self, ids: Collection[int]) -> dict[int, int]:
        """Current results stop being current; returns each attempt's latest version."""
        statement = (
            update(Result)
            .where(Result.attempt_id.in_(ids), Result.is_current.is_(True))
            .values(is_current=False)
            .returning(Result.attempt_id, Result.version)
        )
        return dict((await self.session.execute(statement)).all())

    async def copy_results(
        self, results: Sequence[Result], competencies: Sequence[Sequence[tuple[Any, ...]]]
    ) -> None:
        """COPY new results (built without id) and each one's competency rows
        (COMPETENCY_COLUMNS without result_id). The results get their ids and scored_at and join
        the session as persistent objects: nothing is read back."""
        if not results:
            return
        raw = await self._raw()
        allocated = await raw.fetch(
            "SELECT nextval(pg_get_serial_sequence('result', 'id')), now() "
            "FROM generate_series(1, $1)",
            len(results),
        )
        for result, (rid, now) in zip(results, allocated, strict=True):
            result.id, result.scored_at = rid, now
        await raw.copy_records_to_table(
            "result",
            records=[
                (*(getattr(r, c) for c in RESULT_COLUMNS[:-1]), json.dumps(r.details))
                for r in results
            ],
            columns=RESULT_COLUMNS,
        )
        await raw.copy_records_to_table(
            "result_competency",
            records=[
                (r.id, *row) for r, rows in zip(results, competencies, strict=True) for row in rows
            ],
            columns=COMPETENCY_COLUMNS,
        )
        for result in results:
            make_transient_to_detached(result)
        self.session.add_all(results)

    async def _raw(self) -> Any:
        connection = await self.session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        return raw

    async def mark_scored(self, ids: Collection[int]) -> None:
        await self.session.execute(
            update(Attempt).where(Attempt.id.in_(ids)).values(scored_at=func.now())
        )

    async def current_of_attempt(self, attempt_id: int) -> Result | None:
        statement = select(Result).where(Result.attempt_id == attempt_id, Result.is_current)
        return await self.one_or_none(statement)

    async def end_screen_of(self, attempt_id: int) -> str | None:
        """What the attempt's sitting shows its participants at the end."""
        statement = (
            select(Sitting.end_screen)
            .join(Attempt, Attempt.sitting_id == Sitting.id)
            .where(Attempt.id == attempt_id)
        )
        return await self.session.scalar(statement)

    async def of_attempt(self, attempt_id: int) -> list[Result]:
        statement = (
            select(Result)
            .where(Result.attempt_id == attempt_id)
            .order_by(Result.is_current.desc(), Result.version.desc())
        )
        return list(await self.all(statement))

    def current_of_sitting(self, sitting_id: int) -> Select[Result, Participant]:
        return (
            select(Result, Participant)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Participant, Participant.id == Attempt.participant_id)
            .where(Attempt.sitting_id == sitting_id, Result.is_current.is_(True))
            .order_by(Participant.participant_no, Result.attempt_id)
        )

    async def count_current_of_sitting(self, sitting_id: int) -> int:
        statement = (
            select(func.count())
            .select_from(Result)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .where(Attempt.sitting_id == sitting_id, Result.is_current.is_(True))
        )
        return int(await self.session.scalar(statement) or 0)

    async def page(
        self, statement: Select[Result, Participant], limit: int, offset: int
    ) -> list[tuple[Result, Participant]]:
        rows = await self.session.execute(statement.limit(limit).offset(offset))
        return list(rows)

    async def competencies_of(
        self, result_ids: Collection[int]
    ) -> list[tuple[ResultCompetency, Competency]]:
        statement = (
            select(ResultCompetency, Competency)
            .join(Competency, Competency.code == ResultCompetency.competency_code)
            .where(ResultCompetency.result_id.in_(result_ids))
            .order_by(ResultCompetency.result_id, ResultCompetency.competency_code)
        )
        return list(await self.session.execute(statement))

    async def level_texts(self, codes: Collection[str]) -> list[tuple[CompetencyLevel, str, str]]:
        statement = (
            select(CompetencyLevel, Competency.name_id, Competency.name_en)
            .join(Competency, Competency.code == CompetencyLevel.competency_code)
            .where(CompetencyLevel.competency_code.in_(codes))
        )
        return list(await self.session.execute(statement))

    async def current_of_participants(
        self, participant_ids: Collection[int]
    ) -> list[tuple[Result, int, str | None]]:
        """Current results of these participants, with the attempt's sitting and the rating."""
        statement = (
            select(Result, Attempt.sitting_id, Participant.performance_rating)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .join(Participant, Participant.id == Attempt.participant_id)
            .where(Participant.id.in_(participant_ids), Result.is_current.is_(True))
            .order_by(Result.attempt_id)
            .with_for_update(of=Attempt)
        )
        return list(await self.session.execute(statement))

    async def copy_competencies(self, pairs: Sequence[tuple[int, int]]) -> None:
        """One statement: copy the competency rows of each (old result, new result)."""
        if not pairs:
            return
        mapping = (
            func.unnest(
                literal([old for old, _ in pairs], ARRAY(BigInteger)),
                literal([new for _, new in pairs], ARRAY(BigInteger)),
            )
            .table_valued("old_id", "new_id")
            .render_derived()
        )
        columns = [getattr(ResultCompetency, c) for c in COMPETENCY_COLUMNS[1:]]
        await self.session.execute(
            insert(ResultCompetency).from_select(
                list(COMPETENCY_COLUMNS),
                select(mapping.c.new_id, *columns).join(
                    mapping, mapping.c.old_id == ResultCompetency.result_id
                ),
            )
        )
