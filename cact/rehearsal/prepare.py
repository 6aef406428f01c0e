"""A rehearsal sitting: N synthetic participants in a lab of their own, on the demo blueprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.blueprints.repository import BlueprintRepository
from cact.demo import service as demo
from cact.exam import opening
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from cact.rooms import service as rooms
from cact.rooms.models import Room
from cact.sittings import seating
from cact.sittings import service as sittings

ACTOR = Actor.system("cact rehearsal")
COLUMNS = 20


@dataclass(frozen=True)
class Rehearsal:
    sitting_id: int
    token: str
    participant_nos: list[str]


async def prepare(db: AsyncSession, kiosks: int) -> Rehearsal:
    """Everything a rehearsal needs, created fresh so that it never touches real sittings."""
    await demo.load_bank(db)
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    run = int(await db.scalar(select(func.count()).select_from(Room)) or 0) + 1
    code = f"REHEARSAL-{datetime.now(UTC):%Y%m%d%H%M%S}-{run}"
    rows = -(-kiosks // COLUMNS)
    room = await rooms.create_grid_room(db, code, f"Gladi {code}", rows, COLUMNS, ACTOR)
    numbers = [f"R{run:03d}-{n:05d}" for n in range(1, kiosks + 1)]
    await db.execute(
        insert(Participant),
        [{"participant_no": number, "name": f"Peserta Gladi {number}"} for number in numbers],
    )
    participants = list(
        (
            await db.scalars(
                select(Participant)
                .where(Participant.participant_no.in_(numbers))
                .order_by(Participant.participant_no)
            )
        ).all()
    )
    sitting = await sittings.create_sitting(
        db,
        code=code,
        title=f"Gladi bersih {kiosks} kiosk",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC),
        actor=ACTOR,
    )
    await seating.enroll_in_seat_order(db, sitting, participants, room.seats, ACTOR)
    opened = await opening.open_sitting(db, sitting.id, ACTOR)
    assert opened.token is not None
    # The rehearsal plays the proctor too: its start herd begins once the sitting is started.
    await proctoring.start_sitting(db, opened.id, ACTOR)
    return Rehearsal(opened.id, opened.token, numbers)
