from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cact.kit.repository import Repository
from cact.sittings.models import Enrollment, Sitting


class SittingRepository(Repository[Sitting]):
    model = Sitting

    async def for_update(self, sitting_id: int) -> Sitting | None:
        return await self.one_or_none(
            self.select().where(Sitting.id == sitting_id).with_for_update()
        )

    async def due_to_start(self, now: datetime) -> list[int]:
        """Sittings set to start by themselves whose start time has come (locked, skipping any
        another worker holds: each starts once)."""
        statement = (
            select(Sitting.id)
            .where(Sitting.auto_start, Sitting.status == "open", Sitting.starts_at <= now)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(statement)).all())

    async def by_code(self, code: str) -> Sitting | None:
        return await self.one_or_none(self.select().where(Sitting.code == code))


class EnrollmentRepository(Repository[Enrollment]):
    model = Enrollment

    async def for_sitting(self, sitting_id: int) -> list[Enrollment]:
        statement = (
            select(Enrollment).where(Enrollment.sitting_id == sitting_id).order_by(Enrollment.id)
        )
        return list(await self.all(statement))
