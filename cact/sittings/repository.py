from __future__ import annotations

from sqlalchemy import select

from cact.kit.repository import Repository
from cact.sittings.models import Enrollment, Sitting


class SittingRepository(Repository[Sitting]):
    model = Sitting

    async def for_update(self, sitting_id: int) -> Sitting | None:
        return await self.one_or_none(
            self.select().where(Sitting.id == sitting_id).with_for_update()
        )

    async def by_code(self, code: str) -> Sitting | None:
        return await self.one_or_none(self.select().where(Sitting.code == code))


class EnrollmentRepository(Repository[Enrollment]):
    model = Enrollment

    async def for_sitting(self, sitting_id: int) -> list[Enrollment]:
        statement = (
            select(Enrollment).where(Enrollment.sitting_id == sitting_id).order_by(Enrollment.id)
        )
        return list(await self.all(statement))
