"""The printed demo proctor can open the demo sitting's dashboard (issue 13)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.auth.models import StaffUser
from cact.demo import service as demo
from cact.exam.models import SittingProctor


async def test_the_demo_proctor_is_assigned_to_the_demo_sitting(db: AsyncSession) -> None:
    data = await demo.load(db)
    assert data.sitting is not None
    assigned = (
        await db.scalars(
            select(StaffUser.username)
            .join(SittingProctor, SittingProctor.staff_user_id == StaffUser.id)
            .where(SittingProctor.sitting_id == data.sitting["id"])
        )
    ).all()
    proctors = [s["username"] for s in data.staff if "proctor" in s["roles"]]  # type: ignore[operator]
    assert proctors and sorted(assigned) == sorted(proctors)
