from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from cact.auth.models import StaffSession, StaffUser
from cact.kit.repository import Repository


class StaffUserRepository(Repository[StaffUser]):
    model = StaffUser

    async def by_username(self, username: str) -> StaffUser | None:
        return await self.one_or_none(self.select().where(StaffUser.username == username))

    async def listing(self) -> list[StaffUser]:
        return list(await self.all(self.select().order_by(StaffUser.username)))


class StaffSessionRepository(Repository[StaffSession]):
    model = StaffSession

    async def valid_with_user(self, session_id: str) -> tuple[StaffSession, StaffUser] | None:
        statement = (
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(
                StaffSession.id == session_id,
                StaffSession.expires_at > datetime.now(UTC),
                StaffUser.is_active.is_(True),
            )
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def delete(self, session_id: str) -> None:
        await self.session.execute(delete(StaffSession).where(StaffSession.id == session_id))

    async def delete_for_user(self, user_id: int) -> None:
        await self.session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    async def delete_expired(self) -> None:
        await self.session.execute(
            delete(StaffSession).where(StaffSession.expires_at <= datetime.now(UTC))
        )
