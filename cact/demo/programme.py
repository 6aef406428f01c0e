"""The demo programme: a staff list of 60 people in four units, imported as the target
population, and two waves (sittings) that were sat and closed, so that coverage, the programme
exports and the analytics show something. Answers are written the way the kiosk's saves are
stored (response + answer log), then the sitting is closed through the proctor's close path,
which scores every attempt with the real engine."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.bank.models import ItemOption
from cact.blueprints.repository import BlueprintRepository
from cact.demo import people
from cact.exam import opening
from cact.exam.models import AnswerLog, Attempt, AttemptItem, AttemptSection, Response, Sitting
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from cact.programmes import population
from cact.programmes import service as programmes
from cact.programmes.models import Programme
from cact.programmes.schemas import ProgrammeCreate
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings

CODE = "PEMETAAN-2026-G3"
TITLE = "Pemetaan Kompetensi Guru dan Tenaga Kesehatan 2026 — gelombang 3"
UNITS = ("SMP Negeri 1 Demo", "SMP Negeri 2 Demo", "Puskesmas Kota Demo", "Dinas Pendidikan Demo")
POSITIONS = ("JF-AK-AP", "JF-PK-AM", "JP-KABID")
GROUPS = {"JF-AK-AP": "guru", "JF-PK-AM": "tenaga kesehatan", "JP-KABID": "struktural"}
RATINGS = ("di bawah ekspektasi", "sesuai ekspektasi", "di atas ekspektasi")
POPULATION = 60
FIRST_WAVE = range(0, 30)  # staff-list rows on wave 1; the next 24 on wave 2; 6 unscheduled
SECOND_WAVE = range(30, 54)
ABSENT_EVERY = 7  # every 7th person on a wave does not come


def staff_list() -> bytes:
    """The agency's list as it would export it (Indonesian headers)."""
    lines = ["nip,nama,kode_jabatan,unit_kerja,kelompok_jabatan,kinerja"]
    for n in range(POPULATION):
        position = POSITIONS[n % 3]
        lines.append(
            f"{people.nip(500 + n)},{people.name(500 + n * 3)},{position},"
            f"{UNITS[(n * 5) % len(UNITS)]},{GROUPS[position]},{RATINGS[(n * 7) % 3]}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


async def _answer_everything(
    db: AsyncSession, attempt: Attempt, ability: float, started: datetime
) -> None:
    """Start the attempt and save one answer per item: the best option with ``ability``'s
    chance, one of the weaker half otherwise (deterministic per attempt)."""
    chance = random.Random(attempt.participant_id)
    items = (
        await db.execute(
            select(AttemptItem.id, AttemptItem.option_order).where(
                AttemptItem.attempt_id == attempt.id
            )
        )
    ).all()
    options = {
        o.id: o
        for o in await db.scalars(
            select(ItemOption).where(
                ItemOption.id.in_([oid for _, order in items for oid in order])
            )
        )
    }
    responses, log = [], []
    for seq, (item_id, order) in enumerate(items, start=1):
        ranked = sorted(order, key=lambda o: (options[o].weight or 0, options[o].correct))
        weaker = ranked[: len(ranked) // 2]
        choice = ranked[-1] if chance.random() < ability else chance.choice(weaker)
        at = started + timedelta(seconds=20 * seq)
        responses.append(
            {
                "attempt_item_id": item_id,
                "attempt_id": attempt.id,
                "option_id": choice,
                "doubtful": False,
                "seq": seq,
                "first_answered_at": at,
                "saved_at": at,
                "change_count": 1,
            }
        )
        log.append(
            {
                "attempt_id": attempt.id,
                "attempt_item_id": item_id,
                "option_id": choice,
                "doubtful": False,
                "seq": seq,
                "received_at": at,
            }
        )
    if responses:
        await db.execute(insert(Response), responses)
        await db.execute(insert(AnswerLog), log)
    attempt.status, attempt.started_at = "in_progress", started
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.attempt_id == attempt.id)
        .values(status="open", started_at=started, deadline_at=started + timedelta(hours=2))
    )


async def sit_and_close(
    db: AsyncSession, sitting: Sitting, abilities: dict[int, float | None], actor: Actor
) -> None:
    """Everyone with an ability answers; None stays away; then the proctor closes the sitting."""
    started = sitting.starts_at
    attempts = await db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
    for attempt in attempts:
        ability = abilities.get(attempt.participant_id)
        if ability is not None:
            await _answer_everything(db, attempt, ability, started)
    sitting.status = "running"
    await db.flush()
    await proctoring.close_sitting(
        db, sitting.id, "demo", actor, started + timedelta(hours=2, minutes=5)
    )


async def _wave(
    db: AsyncSession,
    programme: Programme,
    number: int,
    members: list[Participant],
    when: datetime,
    actor: Actor,
    code: str = CODE,
) -> Sitting:
    room = await rooms.by_code(db, "LAB-DEMO") or await rooms.create_grid_room(
        db, "LAB-DEMO", "Lab Komputer Demo", rows=5, cols=8, actor=actor
    )
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None, "load_bank() first"
    sitting = await sittings.create_sitting(
        db,
        code=f"{code}-W{number}",
        title=f"{programme.title} · sesi {number}",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=when,
        actor=actor,
    )
    await programmes.attach_sitting(db, programme.id, sitting.id, actor)
    await db.refresh(room, ["seats"])
    await seating.enroll_in_seat_order(db, sitting, members, room.seats, actor)
    await opening.open_sitting(db, sitting.id, actor)
    return sitting


EARLIER_CODE = "PEMETAAN-2024"
EARLIER = range(0, 12)  # staff-list rows also assessed two years before: a history, a trend


async def _earlier_programme(
    db: AsyncSession, members: list[Participant], today: datetime, actor: Actor
) -> None:
    earlier = await programmes.create(
        db,
        ProgrammeCreate(code=EARLIER_CODE, title="Pemetaan Kompetensi 2024 — gelombang 1"),
        actor,
    )
    wave = [members[i] for i in EARLIER]
    sitting = await _wave(db, earlier, 1, wave, today - timedelta(days=730), actor, EARLIER_CODE)
    abilities: dict[int, float | None] = {
        p.id: 0.15 + 0.5 * ((k * 37) % 100) / 100 for k, p in enumerate(wave)
    }
    await sit_and_close(db, sitting, abilities, actor)


async def load_programme(db: AsyncSession, actor: Actor, now: datetime | None = None) -> Programme:
    """The demo programme, once (a second `cact demo` finds it and leaves it as it is)."""
    found = await db.scalar(select(Programme).where(Programme.code == CODE))
    if found is not None:
        return found
    programme = await programmes.create(db, ProgrammeCreate(code=CODE, title=TITLE), actor)
    report = await population.import_population(
        db, programme.id, staff_list(), "daftar-pegawai-demo.csv", actor=actor
    )
    assert report.valid, report.problems
    nips = [people.nip(500 + n) for n in range(POPULATION)]
    found_people = {
        p.nip: p for p in await db.scalars(select(Participant).where(Participant.nip.in_(nips)))
    }
    members = [found_people[nip] for nip in nips]
    today = (now or datetime.now(UTC)).replace(hour=1, minute=0, second=0, microsecond=0)
    await _earlier_programme(db, members, today, actor)
    for number, rows, days_ago in ((1, FIRST_WAVE, 9), (2, SECOND_WAVE, 2)):
        wave = [members[i] for i in rows]
        sitting = await _wave(db, programme, number, wave, today - timedelta(days=days_ago), actor)
        abilities: dict[int, float | None] = {
            p.id: None if k % ABSENT_EVERY == 3 else 0.2 + 0.7 * ((k * 37) % 100) / 100
            for k, p in enumerate(wave)
        }
        await sit_and_close(db, sitting, abilities, actor)
    return programme
