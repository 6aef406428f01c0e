from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cact.audit.models import AuditEvent
from cact.exam.models import Sitting
from cact.keys.models import TrustedKey
from cact.kit.repository import Repository
from cact.packages.models import PackageReceipt, PackageRefusal, ResultsSource
from cact.rooms.models import Room


class ReceiptRepository(Repository[PackageReceipt]):
    model = PackageReceipt

    async def lock_sitting(self, sitting_external_id: uuid.UUID) -> None:
        """Two imports for one sitting run one after the other (until the transaction ends)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 21))"),
            {"key": f"package:{sitting_external_id}"},
        )

    async def by_package(self, package_id: uuid.UUID) -> PackageReceipt | None:
        return await self.one_or_none(
            select(PackageReceipt).where(PackageReceipt.package_id == package_id)
        )

    async def latest_version(self, kind: str, sitting_external_id: uuid.UUID) -> int | None:
        statement = select(func.max(PackageReceipt.version)).where(
            PackageReceipt.kind == kind,
            PackageReceipt.sitting_external_id == sitting_external_id,
        )
        latest: int | None = await self.session.scalar(statement)
        return latest

    async def latest(self, kind: str, sitting_external_id: uuid.UUID) -> PackageReceipt | None:
        return await self.one_or_none(
            select(PackageReceipt)
            .where(
                PackageReceipt.kind == kind,
                PackageReceipt.sitting_external_id == sitting_external_id,
            )
            .order_by(PackageReceipt.version.desc())
            .limit(1)
        )


async def wave_recipients(session: AsyncSession, sitting_id: int) -> set[str]:
    """The fingerprints this server sent the sitting's wave packages to."""
    recipient = AuditEvent.details["recipient"].astext
    rows = await session.scalars(
        select(recipient).where(
            AuditEvent.sitting_id == sitting_id,
            AuditEvent.action == "package.exported",
            AuditEvent.details["kind"].astext == "wave",
        )
    )
    return {r for r in rows if r}


class RefusalRepository(Repository[PackageRefusal]):
    model = PackageRefusal

    @staticmethod
    async def remember(session: AsyncSession, **values: Any) -> None:
        """Keep the refusal although the import's transaction rolls back: its own connection,
        committed at once (the row names no other row, so it waits for no lock)."""
        bind = session.bind
        assert bind is not None
        engine = bind if isinstance(bind, AsyncEngine) else bind.engine
        async with engine.begin() as connection:
            await connection.execute(insert(PackageRefusal).values(**values))

    async def for_sitting(self, sitting_external_id: uuid.UUID) -> list[PackageRefusal]:
        rows = await self.session.scalars(
            select(PackageRefusal)
            .where(PackageRefusal.sitting_external_id == sitting_external_id)
            .order_by(PackageRefusal.id)
        )
        return list(rows)

    async def recent(self, limit: int = 100) -> list[PackageRefusal]:
        rows = await self.session.scalars(
            select(PackageRefusal).order_by(PackageRefusal.id.desc()).limit(limit)
        )
        return list(rows)


class SourceRepository(Repository[ResultsSource]):
    model = ResultsSource

    async def listing(self, sitting_external_id: uuid.UUID | None) -> list[ResultsSource]:
        statement = select(ResultsSource).order_by(ResultsSource.received_at)
        if sitting_external_id is not None:
            statement = statement.where(ResultsSource.sitting_external_id == sitting_external_id)
        return list(await self.session.scalars(statement))


RECEIPT_LIST_LIMIT = 200


class ReceiptListing(Repository[PackageReceipt]):
    model = PackageReceipt

    async def recent(
        self, limit: int = RECEIPT_LIST_LIMIT
    ) -> list[tuple[PackageReceipt, str | None, str | None, str | None, str | None]]:
        """(receipt, sitting code, sitting title, the room's time zone, the signer's name),
        newest first; the sitting and the signer may be unknown here."""
        statement = (
            select(PackageReceipt, Sitting.code, Sitting.title, Room.time_zone, TrustedKey.name)
            .outerjoin(Sitting, Sitting.external_id == PackageReceipt.sitting_external_id)
            .outerjoin(Room, Room.id == Sitting.room_id)
            .outerjoin(TrustedKey, TrustedKey.fingerprint == PackageReceipt.sender)
            .order_by(PackageReceipt.received_at.desc(), PackageReceipt.id.desc())
            .limit(limit)
        )
        rows = await self.session.execute(statement)
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
