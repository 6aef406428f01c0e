"""The queries of the network transport: uploads and their chunks on the receiver, the sent
packages on the sender (and what the status pages read of them and of the receipts)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from cact.exam.models import Sitting
from cact.kit.repository import Repository
from cact.packages.models import PackageReceipt, PackageUpload, PackageUploadChunk, SentPackage


class UploadRepository(Repository[PackageUpload]):
    model = PackageUpload

    async def by_package_for_update(self, package_id: uuid.UUID) -> PackageUpload | None:
        return await self.one_or_none(
            select(PackageUpload).where(PackageUpload.package_id == package_id).with_for_update()
        )

    async def drop_stale(self, before: datetime) -> int:
        """Unfinished uploads untouched since ``before`` go, with their chunks (cascade)."""
        result = await self.session.execute(
            delete(PackageUpload)
            .where(PackageUpload.completed_at.is_(None), PackageUpload.updated_at < before)
            .returning(PackageUpload.id)
        )
        return len(result.all())

    async def chunk_at(self, upload_id: uuid.UUID, offset: int) -> bytes | None:
        data: bytes | None = await self.session.scalar(
            select(PackageUploadChunk.data).where(
                PackageUploadChunk.upload_id == upload_id, PackageUploadChunk.offset == offset
            )
        )
        return data

    async def add_chunk(self, upload_id: uuid.UUID, offset: int, data: bytes) -> None:
        await self.session.execute(
            insert(PackageUploadChunk).values(upload_id=upload_id, offset=offset, data=data)
        )

    async def chunks(self, upload_id: uuid.UUID) -> Sequence[tuple[int, bytes]]:
        rows = await self.session.execute(
            select(PackageUploadChunk.offset, PackageUploadChunk.data)
            .where(PackageUploadChunk.upload_id == upload_id)
            .order_by(PackageUploadChunk.offset)
        )
        return [(int(offset), bytes(data)) for offset, data in rows.all()]

    async def drop_chunks(self, upload_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(PackageUploadChunk).where(PackageUploadChunk.upload_id == upload_id)
        )


class SentRepository(Repository[SentPackage]):
    model = SentPackage

    async def upsert(self, values: dict[str, object]) -> None:
        """One row per package and destination: sending again refreshes it, an acknowledgement
        once had is never taken back by a later attempt that has none."""
        statement = insert(SentPackage).values(**values)
        changed = {
            "sent_at": statement.excluded.sent_at,
            "size": statement.excluded.size,
            "sha256": statement.excluded.sha256,
        }
        if values.get("acknowledged_at") is not None:
            changed["acknowledged_at"] = statement.excluded.acknowledged_at
            changed["receipt"] = statement.excluded.receipt
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SentPackage.package_id, SentPackage.destination], set_=changed
            )
        )

    async def acknowledge(
        self, package_id: uuid.UUID, destination: str, at: datetime, receipt: dict[str, object]
    ) -> None:
        await self.session.execute(
            update(SentPackage)
            .where(SentPackage.package_id == package_id, SentPackage.destination == destination)
            .values(acknowledged_at=at, receipt=receipt)
        )

    async def of_sittings(self, external_ids: Sequence[uuid.UUID]) -> Sequence[SentPackage]:
        if not external_ids:
            return []
        return await self.all(
            select(SentPackage)
            .where(SentPackage.sitting_external_id.in_(external_ids))
            .order_by(SentPackage.sent_at.desc(), SentPackage.id.desc())
        )

    async def receipts_of(self, external_ids: Sequence[uuid.UUID]) -> Sequence[PackageReceipt]:
        if not external_ids:
            return []
        statement = (
            select(PackageReceipt)
            .where(PackageReceipt.sitting_external_id.in_(external_ids))
            .order_by(PackageReceipt.received_at.desc(), PackageReceipt.id.desc())
        )
        return list((await self.session.scalars(statement)).all())

    async def sittings_of_programme(self, programme_id: int) -> Sequence[Sitting]:
        statement = (
            select(Sitting)
            .where(Sitting.programme_id == programme_id)
            .order_by(Sitting.starts_at, Sitting.id)
        )
        return list((await self.session.scalars(statement)).all())
