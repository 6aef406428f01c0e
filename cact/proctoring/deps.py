"""A proctor acts only on the sittings assigned to them; admins on all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cact.auth.models import StaffUser
from cact.exam.models import Sitting
from cact.exam.repository import AttemptRepository, SittingRepository
from cact.exam.service import SittingNotFound, UnknownAttempt
from cact.kit.errors import Forbidden


class NotYourSitting(Forbidden):
    code = "not_your_sitting"
    message = "Sesi ini tidak ditugaskan kepada Anda. / This sitting is not assigned to you."


async def check_sitting(db: AsyncSession, user: StaffUser, sitting_id: int) -> None:
    repository = SittingRepository(db)
    if await repository.get(sitting_id) is None:
        raise SittingNotFound()
    if user.has_role("admin"):
        return
    if not await repository.is_proctor(sitting_id, user.id):
        raise NotYourSitting()


async def check_attempt(db: AsyncSession, user: StaffUser, attempt_id: int) -> int:
    """The attempt's sitting, once the user may act on it."""
    sitting_id = await AttemptRepository(db).sitting_of(attempt_id)
    if sitting_id is None:
        raise UnknownAttempt()
    await check_sitting(db, user, sitting_id)
    return sitting_id


async def assigned_sittings(db: AsyncSession, user: StaffUser) -> list[Sitting]:
    repository = SittingRepository(db)
    if user.has_role("admin"):
        return await repository.newest_first()
    return await repository.newest_first(proctor_id=user.id)
