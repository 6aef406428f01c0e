"""The small generic base every domain repository stands on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.db import Base

M = TypeVar("M", bound=Base)


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, ident: Any) -> M | None:
        return await self.session.get(self.model, ident)

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def all(self, statement: Select[M]) -> Sequence[M]:
        return (await self.session.scalars(statement)).all()

    async def one_or_none(self, statement: Select[M]) -> M | None:
        return (await self.session.scalars(statement)).one_or_none()

    async def count(self, statement: Select[Any]) -> int:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        return int((await self.session.scalar(counted)) or 0)

    def select(self) -> Select[M]:
        return select(self.model)
