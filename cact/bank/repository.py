from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cact.bank.models import Item, ItemOption, ItemStatus, ItemVersion, Media
from cact.bank.schemas import ItemFilter
from cact.kit.repository import Repository


class ItemRepository(Repository[Item]):
    model = Item

    async def by_ids(self, ids: list[str]) -> dict[str, Item]:
        items = await self.all(self.select().where(Item.id.in_(ids)))
        return {item.id: item for item in items}

    def filtered(self, f: ItemFilter) -> Select[Item]:
        current = and_(ItemVersion.item_id == Item.id, ItemVersion.version == Item.current_version)
        statement = self.select().join(ItemVersion, current).order_by(Item.id)
        if f.competency:
            statement = statement.where(Item.competency_code == f.competency)
        if f.kind:
            statement = statement.where(Item.kind == f.kind)
        if f.status:
            statement = statement.where(Item.status == f.status)
        if f.level is not None:
            statement = statement.where(ItemVersion.level == f.level)
        if f.q:
            pattern = f"%{f.q}%"
            matching_option = select(ItemOption.id).where(
                ItemOption.item_version_id == ItemVersion.id, ItemOption.text_html.ilike(pattern)
            )
            statement = statement.where(
                or_(
                    Item.id.ilike(pattern),
                    ItemVersion.stem_html.ilike(pattern),
                    matching_option.exists(),
                )
            )
        return statement


class ItemVersionRepository(Repository[ItemVersion]):
    model = ItemVersion

    def _with_options(self) -> Select[ItemVersion]:
        return self.select().options(selectinload(ItemVersion.options))

    async def current_of(self, items: list[Item]) -> dict[str, ItemVersion]:
        if not items:
            return {}
        statement = (
            self._with_options()
            .join(
                Item,
                and_(Item.id == ItemVersion.item_id, Item.current_version == ItemVersion.version),
            )
            .where(Item.id.in_([item.id for item in items]))
        )
        return {v.item_id: v for v in await self.all(statement)}

    async def history(self, item_id: str) -> list[ItemVersion]:
        statement = (
            self._with_options()
            .where(ItemVersion.item_id == item_id)
            .order_by(ItemVersion.version.desc())
        )
        return list(await self.all(statement))

    async def version(self, item_id: str, version: int) -> ItemVersion | None:
        statement = self._with_options().where(
            ItemVersion.item_id == item_id, ItemVersion.version == version
        )
        return await self.one_or_none(statement)

    async def active_current(self) -> list[ItemVersion]:
        """Every active item's current version, with options: the pool forms are drawn from."""
        statement = (
            self._with_options()
            .join(Item, Item.id == ItemVersion.item_id)
            .where(Item.status == ItemStatus.ACTIVE, ItemVersion.version == Item.current_version)
            .order_by(ItemVersion.item_id)
        )
        return list(await self.all(statement))

    async def count_used(self, version_id: int) -> int:
        """How many times forms have presented this version (options are its own rows)."""
        return await self.reference_count(version_id, besides=[ItemOption])


class MediaRepository(Repository[Media]):
    model = Media

    async def by_sha(self, sha256: str) -> Media | None:
        return await self.one_or_none(self.select().where(Media.sha256 == sha256))

    async def by_ids(self, ids: Collection[int]) -> dict[int, Media]:
        if not ids:
            return {}
        return {m.id: m for m in await self.all(self.select().where(Media.id.in_(list(ids))))}


VERSION_COLUMNS = (
    "id",
    "item_id",
    "version",
    "level",
    "stem_html",
    "media_id",
    "media_alt",
    "points",
    "source",
    "created_by",
)
OPTION_COLUMNS = ("item_version_id", "position", "label", "text_html", "weight", "correct")


async def copy_versions(
    session: AsyncSession,
    versions: list[tuple[object, ...]],
    options_of: Callable[[int, int], list[tuple[object, ...]]],
) -> None:
    """Bulk-load versions and their options with COPY (an upload of thousands of items).

    ``versions`` are rows in VERSION_COLUMNS order without the id; ``options_of(i, id)`` gives
    the option rows (OPTION_COLUMNS without the version id) of the i-th version."""
    if not versions:
        return
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    ids = [
        row[0]
        for row in await raw.fetch(
            "SELECT nextval(pg_get_serial_sequence('item_version', 'id')) "
            "FROM generate_series(1, $1)",
            len(versions),
        )
    ]
    await raw.copy_records_to_table(
        "item_version",
        records=[(vid, *row) for vid, row in zip(ids, versions, strict=True)],
        columns=VERSION_COLUMNS,
    )
    await raw.copy_records_to_table(
        "item_option",
        records=[(vid, *o) for i, vid in enumerate(ids) for o in options_of(i, vid)],
        columns=OPTION_COLUMNS,
    )
