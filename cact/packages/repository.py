from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from cact.kit.repository import Repository
from cact.packages.models import PackageReceipt


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
