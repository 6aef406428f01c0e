from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cact.competencies.models import Competency
from cact.kit.repository import Repository


class CompetencyRepository(Repository[Competency]):
    model = Competency

    async def all_with_levels(self) -> list[Competency]:
        statement = (
            select(Competency).options(selectinload(Competency.levels)).order_by(Competency.code)
        )
        return list(await self.all(statement))

    async def with_levels(self, code: str) -> Competency | None:
        statement = (
            select(Competency)
            .options(selectinload(Competency.levels))
            .where(Competency.code == code)
        )
        return await self.one_or_none(statement)

    async def codes(self) -> set[str]:
        return set((await self.session.scalars(select(Competency.code))).all())
