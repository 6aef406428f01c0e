"""The statements of item exposure and history: who was shown which item version in which
sitting, the sittings' started attempts, and the stored per-sitting statistics."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Row, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.models import ItemCalibration, ItemStatistic
from cact.bank.models import Item, ItemVersion
from cact.exam.models import Attempt, AttemptItem, Sitting
from cact.exam.statuses import SittingStatus
from cact.kit.repository import Repository
from cact.rooms.models import Room


class ItemStatisticRepository(Repository[ItemStatistic]):
    model = ItemStatistic

    async def exists(self, sitting_id: int) -> bool:
        found = await self.session.scalar(
            select(ItemStatistic.id).where(ItemStatistic.sitting_id == sitting_id).limit(1)
        )
        return found is not None

    async def replace(self, sitting_id: int, rows: Sequence[dict[str, object]]) -> None:
        await self.session.execute(
            delete(ItemStatistic).where(ItemStatistic.sitting_id == sitting_id)
        )
        await self.insert_rows(rows)

    async def of_versions(self, versions: Collection[int] | None) -> Sequence[ItemStatistic]:
        """Of these item versions (None: of every version)."""
        statement = select(ItemStatistic).order_by(ItemStatistic.id)
        if versions is not None:
            statement = statement.where(ItemStatistic.item_version_id.in_(versions))
        return await self.all(statement)


class ExposureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sightings(
        self, versions: Collection[int] | None
    ) -> Sequence[Row[int, str, int, str, int, int]]:
        """(item version id, item id, version, competency, sitting id, seen): per version and
        sitting, the started attempts whose form held the version (None: every version)."""
        statement = (
            select(
                ItemVersion.id,
                Item.id,
                ItemVersion.version,
                Item.competency_code,
                Attempt.sitting_id,
                func.count(func.distinct(Attempt.id)),
            )
            .select_from(AttemptItem)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
            .join(Item, Item.id == ItemVersion.item_id)
            .where(Attempt.started_at.is_not(None))
            .group_by(ItemVersion.id, Item.id, ItemVersion.version, Attempt.sitting_id)
            .order_by(ItemVersion.id, Attempt.sitting_id)
        )
        if versions is not None:
            statement = statement.where(AttemptItem.item_version_id.in_(versions))
        return (await self.session.execute(statement)).all()

    async def sittings(
        self, ids: Collection[int]
    ) -> Sequence[Row[int, str, str, datetime, str, str, int]]:
        """(id, code, title, starts at, status, the room's time zone, started attempts)."""
        started = (
            select(func.count())
            .where(Attempt.sitting_id == Sitting.id, Attempt.started_at.is_not(None))
            .correlate(Sitting)
            .scalar_subquery()
        )
        statement = (
            select(
                Sitting.id,
                Sitting.code,
                Sitting.title,
                Sitting.starts_at,
                Sitting.status,
                Room.time_zone,
                started,
            )
            .join(Room, Room.id == Sitting.room_id)
            .where(Sitting.id.in_(ids))
            .order_by(Sitting.starts_at, Sitting.id)
        )
        return (await self.session.execute(statement)).all()

    async def closed_without_statistics(self, ids: Collection[int]) -> Sequence[int]:
        """The closed sittings among ``ids`` whose statistics have not been stored yet."""
        stored = exists().where(ItemStatistic.sitting_id == Sitting.id)
        statement = (
            select(Sitting.id)
            .where(Sitting.id.in_(ids), Sitting.status == SittingStatus.CLOSED, ~stored)
            .order_by(Sitting.id)
        )
        return (await self.session.scalars(statement)).all()

    async def calibrations(self, sittings: Collection[int] | None) -> Sequence[ItemCalibration]:
        """Every stored calibration of these sittings (None: of every sitting)."""
        statement = select(ItemCalibration).order_by(ItemCalibration.id)
        if sittings is not None:
            statement = statement.where(ItemCalibration.sitting_id.in_(sittings))
        return (await self.session.scalars(statement)).all()
