from __future__ import annotations

from sqlalchemy import select

from cact.keys.models import TrustedKey
from cact.kit.repository import Repository


class TrustedKeyRepository(Repository[TrustedKey]):
    model = TrustedKey

    async def by_fingerprint(self, fingerprint: str) -> TrustedKey | None:
        """The key, revoked or not (the caller decides what a revoked key means)."""
        return await self.one_or_none(
            select(TrustedKey).where(TrustedKey.fingerprint == fingerprint)
        )

    async def listing(self) -> list[TrustedKey]:
        statement = select(TrustedKey).order_by(
            TrustedKey.revoked_at.is_not(None), TrustedKey.role, TrustedKey.name
        )
        return list(await self.all(statement))
