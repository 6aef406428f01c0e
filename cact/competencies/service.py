"""The competency dictionary in the database: PermenPANRB 38/2017 plus technical competencies."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.competencies.definitions import CompetencyData
from cact.competencies.dictionary import standard_dictionary
from cact.competencies.models import Competency, CompetencyLevel
from cact.competencies.repository import CompetencyRepository
from cact.kit.errors import NotFound


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


async def known_codes(db: AsyncSession) -> set[str]:
    return await CompetencyRepository(db).codes()


async def upsert(
    db: AsyncSession, definitions: Iterable[CompetencyData], actor: Actor, *, source: str
) -> list[str]:
    """Insert or refresh competencies (with their level descriptors); returns the codes."""
    repository = CompetencyRepository(db)
    changed: list[str] = []
    for data in definitions:
        competency = await repository.with_levels(data.code)
        if competency is None:
            competency = Competency(code=data.code, levels=[])
            db.add(competency)
        competency.kind, competency.source = data.kind, source
        competency.name_id, competency.name_en = data.name_id, data.name_en
        competency.definition_id, competency.definition_en = data.definition_id, data.definition_en
        if data.levels:
            competency.levels = [CompetencyLevel(**vars(level)) for level in data.levels]
        changed.append(data.code)
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
    source, definitions = standard_dictionary()
    return await upsert(db, definitions, actor, source=source)
