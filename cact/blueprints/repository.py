from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cact.blueprints.models import Blueprint, BlueprintSection
from cact.kit.repository import Repository


class BlueprintRepository(Repository[Blueprint]):
    model = Blueprint

    async def with_sections(self, blueprint_id: int) -> Blueprint | None:
        statement = (
            select(Blueprint)
            .options(selectinload(Blueprint.sections))
            .where(Blueprint.id == blueprint_id)
        )
        return await self.one_or_none(statement)

    async def by_code(self, code: str) -> Blueprint | None:
        statement = (
            select(Blueprint)
            .options(selectinload(Blueprint.sections))
            .where(Blueprint.code == code)
        )
        return await self.one_or_none(statement)

    async def listing(self) -> list[Blueprint]:
        statement = (
            select(Blueprint).options(selectinload(Blueprint.sections)).order_by(Blueprint.code)
        )
        return list(await self.all(statement))

    async def in_use(self, blueprint_id: int) -> bool:
        """Some sitting was planned on it (its sections are its own rows)."""
        return bool(await self.referenced([blueprint_id], besides=[BlueprintSection]))
