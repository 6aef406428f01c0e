"""The competency dictionary in the database: PermenPANRB 38/2017 plus technical competencies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.competencies.models import Competency, CompetencyLevel
from cact.competencies.repository import CompetencyRepository
from cact.kit.errors import NotFound

if TYPE_CHECKING:
    from item_bank.dictionary import CompetencyDefinition


class CompetencyNotFound(NotFound):
    code = "competency_not_found"
    message = "Kompetensi tidak dikenal. / Unknown competency."


async def list_all(db: AsyncSession) -> list[Competency]:
    return await CompetencyRepository(db).all_with_levels()


async def get(db: AsyncSession, code: str) -> Competency:
    competency = await CompetencyRepository(db).with_levels(code)
    if competency is None:
        raise CompetencyNotFound()
    return competency


def _levels(definition: CompetencyDefinition) -> list[CompetencyLevel]:
    return [
        CompetencyLevel(
            level=level.level,
            title_id=level.title.id if level.title else "",
            title_en=level.title.en if level.title else "",
            descriptor_id=level.descriptor.id,
            descriptor_en=level.descriptor.en,
            indicators_id=list(level.indicators.id) if level.indicators else [],
            indicators_en=list(level.indicators.en) if level.indicators else [],
        )
        for level in definition.levels
    ]


async def upsert(
    db: AsyncSession, definitions: Iterable[CompetencyDefinition], actor: Actor, *, source: str
) -> list[str]:
    """Insert or refresh competencies (with their level descriptors); returns the codes changed."""
    repository = CompetencyRepository(db)
    changed: list[str] = []
    for definition in definitions:
        competency = await repository.with_levels(definition.code)
        if competency is None:
            competency = Competency(code=definition.code, levels=[])
            db.add(competency)
        competency.kind = definition.kind
        competency.name_id = definition.name.id
        competency.name_en = definition.name.en
        competency.definition_id = definition.definition.id if definition.definition else ""
        competency.definition_en = definition.definition.en if definition.definition else ""
        competency.source = source
        competency.levels = _levels(definition)
        changed.append(definition.code)
    await db.flush()
    if changed:
        await audit.record(
            db,
            actor,
            "competency.upsert",
            target_type="competency",
            details={"codes": changed, "source": source},
        )
    return changed


async def load_standard_dictionary(db: AsyncSession, actor: Actor) -> list[str]:
    from item_bank.dictionary import load_dictionary

    dictionary = load_dictionary()
    return await upsert(db, dictionary.competencies, actor, source=dictionary.source)
