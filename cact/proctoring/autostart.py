"""A sitting set to start by itself starts at its scheduled time, exactly once, with no proctor.

The setting is per sitting and audited; the sweeper of every worker calls ``start_due`` and
``SKIP LOCKED`` makes one of them start each sitting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.events import RoomEvent, publish
from cact.exam.models import Sitting
from cact.exam.repository import SittingRepository
from cact.proctoring import service

SCHEDULE = Actor.system("schedule")


async def set_auto_start(
    db: AsyncSession, sitting_id: int, enabled: bool, reason: str | None, actor: Actor
) -> Sitting:
    sitting = await exam.live_sitting_for_update(db, sitting_id)
    sitting.auto_start = enabled
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.auto_start",
        target_type="sitting",
        target_id=sitting.id,
        reason=reason,
        sitting_id=sitting.id,
        details={"enabled": enabled},
    )
    await publish(db, RoomEvent(sitting.id, "sitting", data={"what": "token"}))
    return sitting


async def start_due(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Start every sitting whose time has come; returns how many this worker started."""
    async with sessionmaker() as db, db.begin():
        return len(await start_due_in(db, now))


async def start_due_in(db: AsyncSession, now: datetime) -> list[int]:
    due = await SittingRepository(db).due_to_start(now)
    for sitting_id in due:
        await service.start_sitting(db, sitting_id, SCHEDULE, now)
    return due
