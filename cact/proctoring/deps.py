"""A proctor acts only on the sittings assigned to them; admins on all."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.auth.models import StaffUser
from cact.delivery.service import UnknownAttempt
from cact.exam.models import Attempt, Sitting, SittingProctor
from cact.kit.errors import Forbidden
from cact.sittings.service import SittingNotFound


class NotYourSitting(Forbidden):
    code = "not_your_sitting"
    message = "Sesi ini tidak ditugaskan kepada Anda. / This sitting is not assigned to you."


async def check_sitting(db: AsyncSession, user: StaffUser, sitting_id: int) -> None:
    if await db.get(Sitting, sitting_id) is None:
        raise SittingNotFound()
    if user.has_role("admin"):
        return
    assigned = await db.scalar(
        select(SittingProctor.sitting_id).where(
            SittingProctor.sitting_id == sitting_id, SittingProctor.staff_user_id == user.id
        )
    )
    if assigned is None:
        raise NotYourSitting()


async def check_attempt(db: AsyncSession, user: StaffUser, attempt_id: int) -> int:
    """The attempt's sitting, once the user may act on it."""
    sitting_id = await db.scalar(select(Attempt.sitting_id).where(Attempt.id == attempt_id))
    if sitting_id is None:
        raise UnknownAttempt()
    await check_sitting(db, user, sitting_id)
    return sitting_id


async def assigned_sittings(db: AsyncSession, user: StaffUser) -> list[Sitting]:
    statement = select(Sitting).order_by(Sitting.starts_at.desc())
    if not user.has_role("admin"):
        statement = statement.join(SittingProctor, SittingProctor.sitting_id == Sitting.id).where(
            SittingProctor.staff_user_id == user.id
        )
    return list((await db.scalars(statement)).all())
