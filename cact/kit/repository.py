"""The small generic base every domain repository stands on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.db import Base
from cact.kit.errors import CactError

M = TypeVar("M", bound=Base)


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, ident: Any) -> M | None:
        return await self.session.get(self.model, ident)

    async def get_or_raise(self, ident: Any, missing: type[CactError]) -> M:
        found = await self.session.get(self.model, ident)
        if found is None:
            raise missing()
        return found

    async def for_update(self, ident: Any) -> M | None:
        """The row, locked until the transaction ends (and read again, not from the cache)."""
        key = self.model.__mapper__.primary_key[0]
        statement = self.select().where(key == ident).with_for_update()
        return await self.one_or_none(statement.execution_options(populate_existing=True))

    async def for_update_or_raise(self, ident: Any, missing: type[CactError]) -> M:
        found = await self.for_update(ident)
        if found is None:
            raise missing()
        return found

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

    async def page(self, statement: Select[M], *, limit: int, offset: int) -> tuple[list[M], int]:
        """One page of ``statement`` and the number of rows on every page."""
        total = await self.count(statement)
        return list(await self.all(statement.limit(limit).offset(offset))), total

    async def referenced(self, ids: Collection[int]) -> set[int]:
        """Which of these rows some other table's foreign key points at (rosters keep their
        seats, attempts their item versions): asked of the schema, so a low domain need not
        know the higher ones that refer to it."""
        if not ids:
            return set()
        key = self.model.__mapper__.primary_key[0]
        probes = [
            select(column.label("id")).where(column.in_(list(ids))).distinct()
            for table in Base.metadata.tables.values()
            for column in table.columns
            for foreign in column.foreign_keys
            if foreign.column is key and table is not key.table
        ]
        if not probes:
            return set()
        found = await self.session.scalars(union_all(*probes) if len(probes) > 1 else probes[0])
        return {int(i) for i in found if i is not None}

    def select(self) -> Select[M]:
        return select(self.model)
