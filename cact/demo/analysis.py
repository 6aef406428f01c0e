"""The demo's closed sitting for the item analysis (docs/item-analysis.md): enough people on the
demo blueprint's sampled forms (2 of 4 items per managerial competency, 3 of 5 for SK.01, 10 of
18 technical) that every scale has a reliability, a Rasch calibration and a Wright map worth
reading. Answers come from a Rasch model (keyed items) and a partial credit model (weighted
items) with item locations that follow each item's target level, are saved as the kiosk's saves
are stored (response + answer log), and the sitting is closed through the proctor's close path,
which scores every attempt with the real engine."""

from __future__ import annotations

import math
import random
import zlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.bank.models import ItemOption, ItemVersion
from cact.blueprints.repository import BlueprintRepository
from cact.exam import opening
from cact.exam.models import AnswerLog, Attempt, AttemptItem, AttemptSection, Response, Sitting
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings

CODE = "DEMO-ANALISIS-2026"
TITLE = "Asesmen Kompetensi Demo 2026 — sesi untuk analisis butir"
ROOM = ("AULA-DEMO", "Aula Asesmen Demo", 10, 12)  # code, name, rows, columns: 120 seats
PARTICIPANTS = 120
ABSENT_EVERY = 30  # every 30th person does not come (4 of 120)
DAYS_AGO = 5
SPREAD = 1.0  # partial credit thresholds run from −SPREAD to +SPREAD around the location


def location(item_id: str, level: int | None) -> float:
    """An item's difficulty in logits: 0.7 per target level above 3, and a fixed spread of
    ±0.5 from its id (the same in every database)."""
    spread = (zlib.crc32(item_id.encode()) % 1000) / 1000 - 0.5
    return 0.7 * ((level or 3) - 3) + spread


def ability(n: int) -> float:
    return random.Random(f"demo-analysis-{n}").gauss(0.3, 1.0)


def choose(
    theta: float, where: float, options: Sequence[ItemOption], rng: random.Random
) -> ItemOption:
    """A keyed item right with the Rasch probability (else one of the wrong options); a weighted
    item's option by the partial credit model over its weights ranked 0..m."""
    if all(o.weight is None for o in options):
        right = rng.random() < 1 / (1 + math.exp(where - theta))
        pool = [o for o in options if bool(o.correct) == right] or list(options)
        return rng.choice(pool)
    ranked = sorted(options, key=lambda o: o.weight or 0)
    steps = len(ranked) - 1
    logits = [0.0]
    for k in range(steps):
        threshold = -SPREAD + 2 * SPREAD * k / (steps - 1) if steps > 1 else 0.0
        logits.append(logits[-1] + theta - where - threshold)
    top = max(logits)
    return rng.choices(ranked, [math.exp(v - top) for v in logits])[0]


async def _answer(db: AsyncSession, sitting: Sitting, present: dict[int, float]) -> None:
    """Every present participant starts and answers every presented item."""
    started = sitting.starts_at
    rows = (
        await db.execute(
            select(
                AttemptItem.id,
                AttemptItem.attempt_id,
                AttemptItem.item_version_id,
                ItemVersion.item_id,
                ItemVersion.level,
                Attempt.participant_id,
            )
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
            .where(Attempt.sitting_id == sitting.id)
            .order_by(AttemptItem.attempt_id, AttemptItem.number)
        )
    ).all()
    options: dict[int, list[ItemOption]] = defaultdict(list)
    for option in await db.scalars(
        select(ItemOption)
        .where(ItemOption.item_version_id.in_({r.item_version_id for r in rows}))
        .order_by(ItemOption.item_version_id, ItemOption.position)
    ):
        options[option.item_version_id].append(option)
    responses: list[dict[str, object]] = []
    log: list[dict[str, object]] = []
    seqs: dict[int, int] = defaultdict(int)
    for row in rows:
        theta = present.get(row.participant_id)
        if theta is None:
            continue
        seqs[row.attempt_id] += 1
        seq = seqs[row.attempt_id]
        rng = random.Random(f"{row.participant_id}-{row.item_id}")
        chosen = choose(theta, location(row.item_id, row.level), options[row.item_version_id], rng)
        at = started + timedelta(seconds=25 * seq)
        responses.append(
            {
                "attempt_item_id": row.id,
                "attempt_id": row.attempt_id,
                "option_id": chosen.id,
                "doubtful": False,
                "seq": seq,
                "first_answered_at": at,
                "saved_at": at,
                "change_count": 1,
            }
        )
        log.append(
            {
                "attempt_id": row.attempt_id,
                "attempt_item_id": row.id,
                "option_id": chosen.id,
                "doubtful": False,
                "seq": seq,
                "received_at": at,
            }
        )
    await db.execute(insert(Response), responses)
    await db.execute(insert(AnswerLog), log)
    came = select(Attempt.id).where(
        Attempt.sitting_id == sitting.id, Attempt.participant_id.in_(present)
    )
    await db.execute(
        update(Attempt).where(Attempt.id.in_(came)).values(status="in_progress", started_at=started)
    )
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.attempt_id.in_(came))
        .values(status="open", started_at=started, deadline_at=started + timedelta(hours=2))
    )


async def load_analysis_sitting(
    db: AsyncSession, roster: Sequence[Participant], actor: Actor, now: datetime
) -> Sitting:
    """The closed sitting of ``roster`` (once: a second run finds it and leaves it as it is)."""
    found = await db.scalar(select(Sitting).where(Sitting.code == CODE))
    if found is not None:
        return found
    code, name, rows, cols = ROOM
    room = await rooms.by_code(db, code) or await rooms.create_grid_room(
        db, code, name, rows=rows, cols=cols, actor=actor
    )
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None, "load_bank() first"
    day = now.replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=DAYS_AGO)
    sitting = await sittings.create_sitting(
        db,
        code=CODE,
        title=TITLE,
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=day,
        actor=actor,
    )
    await db.refresh(room, ["seats"])
    await seating.enroll_in_seat_order(db, sitting, list(roster), room.seats, actor)
    await opening.open_sitting(db, sitting.id, actor)
    present = {p.id: ability(n) for n, p in enumerate(roster, start=1) if n % ABSENT_EVERY != 7}
    await _answer(db, sitting, present)
    sitting.status = "running"
    await db.flush()
    await proctoring.close_sitting(
        db, sitting.id, "demo", actor, day + timedelta(hours=2, minutes=5)
    )
    return sitting
