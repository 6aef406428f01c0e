"""The small generic base every domain repository stands on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, insert, select, union_all
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

    async def remove(self, obj: M) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    async def insert_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Many new rows in one statement (a bulk import), without building objects."""
        if rows:
            await self.session.execute(insert(self.model), rows)

    async def all(self, statement: Select[M]) -> Sequence[M]:
        return (await self.session.scalars(statement)).all()

    async def one_or_none(self, statement: Select[M]) -> M | None:
        return (await self.session.scalars(statement)).one_or_none()

    async def count(self, statement: Select[Any]) -> int:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        return int((await self.session.scalar(counted)) or 0)

    async def one_page(
        self, statement: Select[M], *, limit: int, offset: int
    ) -> tuple[list[M], int]:
        """One page of ``statement`` and the number of rows on every page."""
        total = await self.count(statement)
        return list(await self.all(statement.limit(limit).offset(offset))), total

    def _references(
        self, ids: Collection[int], besides: Collection[type[Base]]
    ) -> list[Select[Any]]:
        key = self.model.__mapper__.primary_key[0]
        own = {key.table, *(model.__table__ for model in besides)}
        return [
            select(column.label("id")).where(column.in_(list(ids)))
            for table in Base.metadata.tables.values()
            if table not in own
            for column in table.columns
            for foreign in column.foreign_keys
            if foreign.column is key
        ]

    async def referenced(
        self, ids: Collection[int], *, besides: Collection[type[Base]] = ()
    ) -> set[int]:
        """Which of these rows a foreign key from outside their own aggregate (``besides``: its
        child tables) points at — rosters keep their seats, attempts their item versions.
        Asked of the schema, so a low domain need not know the higher ones that refer to it."""
        probes = self._references(ids, besides) if ids else []
        if not probes:
            return set()
        found = await self.session.scalars(union_all(*probes) if len(probes) > 1 else probes[0])
        return {int(i) for i in found if i is not None}

    async def reference_count(self, ident: int, *, besides: Collection[type[Base]] = ()) -> int:
        """How many rows from outside the row's own aggregate point at it."""
        probes = self._references([ident], besides)
        if not probes:
            return 0
        every = union_all(*probes) if len(probes) > 1 else probes[0]
        counted = select(func.count()).select_from(every.subquery())
        return int(await self.session.scalar(counted) or 0)

    def select(self) -> Select[M]:
        return select(self.model)
