"""DIF of one sitting from the database: the closed attempts' scores and their participants'
roster attributes (docs/item-analysis.md, "DIF")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.dif import DifCell, ItemDif, dif
from cact.analysis.groups import Attribute, Person, value
from cact.bank.models import Item
from cact.competencies.models import Competency
from cact.exam.models import Attempt, Sitting
from cact.exam.statuses import FINISHED_ATTEMPT
from cact.exports import queries
from cact.exports.service import sitting_code
from cact.kit.errors import CactError
from cact.participants.models import Participant
from cact.standards.models import Position

Criterion = Literal["kind", "competency", "test"]
CRITERIA: tuple[Criterion, ...] = ("kind", "competency", "test")


class BadDifGroups(CactError):
    status = 422
    code = "bad_dif_groups"
    message = (
        "Pilih dua kelompok berbeda yang memiliki pengerjaan selesai di sesi ini. / "
        "Choose two different groups that closed attempts of this sitting belong to."
    )


@dataclass
class DifReport:
    sitting_id: int
    attribute: str
    reference: str
    focal: str
    criterion: str
    groups: dict[str, int]  # every value of the attribute → closed attempts
    items: list[ItemDif] = field(default_factory=list)

    @property
    def flagged(self) -> list[ItemDif]:
        return [i for i in self.items if i.flagged]


def _cells(sitting_id: int) -> Select[*tuple[Any, ...]]:
    return queries.closed_cells(
        sitting_id,
        Attempt.id,
        Item.id,
        Item.competency_code,
        Item.kind,
        Competency.kind,
        queries.item_score(),
    ).join(Competency, Competency.code == Item.competency_code)


def _people(sitting_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Attempt.id,
            Participant.nip,
            Participant.agency,
            Participant.unit,
            Participant.birth_date,
            Position.code,
            Position.group,
            Sitting.starts_at,
        )
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .outerjoin(Position, Position.id == Participant.position_id)
        .where(Attempt.sitting_id == sitting_id, Attempt.status.in_(FINISHED_ATTEMPT))
    )


async def attempt_groups(
    session: AsyncSession, sitting_id: int, attribute: Attribute
) -> dict[int, str]:
    """Closed attempt → its participant's value of ``attribute`` (attempts without one left out)."""
    found: dict[int, str] = {}
    for attempt_id, nip, agency, unit, born, position, group, starts in await session.execute(
        _people(sitting_id)
    ):
        person = Person(nip, agency, unit, born, position, group)
        group_value = value(person, attribute, starts.date())
        if group_value is not None:
            found[attempt_id] = group_value
    return found


async def dif_cells(session: AsyncSession, sitting_id: int, criterion: Criterion) -> list[DifCell]:
    """The closed attempts' item scores; keyed items as 0/1 (correct or not)."""
    cells = []
    result = await session.stream(_cells(sitting_id).execution_options(yield_per=2000))
    async for partition in result.partitions():
        for attempt_id, item_id, competency, kind, competency_kind, score in partition:
            keyed = kind == "keyed"
            key = {"kind": competency_kind, "competency": competency, "test": ""}[criterion]
            points = (1.0 if score > 0 else 0.0) if keyed else float(score)
            cells.append(DifCell(attempt_id, item_id, competency, keyed, points, key))
    return cells


async def sitting_dif(
    session: AsyncSession,
    sitting_id: int,
    attribute: Attribute,
    reference: str | None = None,
    focal: str | None = None,
    criterion: Criterion = "kind",
) -> DifReport:
    """DIF of every item for ``focal`` against ``reference``; without them the two largest
    groups (the larger one the reference). Raises SittingNotFound, BadDifGroups."""
    await sitting_code(session, sitting_id)
    groups = await attempt_groups(session, sitting_id, attribute)
    counts = dict(Counter(groups.values()).most_common())
    ranked = list(counts)
    if reference is None and focal is None and len(ranked) >= 2:
        reference, focal = ranked[0], ranked[1]
    report = DifReport(sitting_id, attribute, reference or "", focal or "", criterion, counts)
    if reference is None and focal is None:
        return report  # fewer than two groups: nothing to compare
    for name, chosen in (("reference", reference), ("focal", focal)):
        if not chosen or chosen not in counts:
            raise BadDifGroups(
                f"{name}: no closed attempt of this sitting has {attribute} = {chosen!r}"
                f" (there are: {', '.join(ranked) or 'none'})"
            )
    if reference == focal:
        raise BadDifGroups("reference and focal must be two different groups")
    assert reference is not None and focal is not None
    report.items = dif(await dif_cells(session, sitting_id, criterion), groups, reference, focal)
    return report
