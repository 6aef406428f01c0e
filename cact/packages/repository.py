from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from cact.exam.models import Sitting
from cact.keys.models import TrustedKey
from cact.kit.repository import Repository
from cact.packages.models import PackageReceipt
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


# --- the admin page's list of applied packages (pkgcli21) ---
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
