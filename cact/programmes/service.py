"""Programmes: create and edit, attach waves, coverage of the target population, and moving the
absent and the not yet scheduled into a later wave. Services flush; the request commits."""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam.models import Sitting
from cact.kit.errors import Conflict, NotFound
from cact.programmes.models import Programme
from cact.programmes.repository import ProgrammeRepository
from cact.programmes.schemas import (
    Coverage,
    CoverageCounts,
    CoverageStatus,
    MemberRead,
    MoveReport,
    MoveRequest,
    ProgrammeCreate,
    ProgrammeRead,
    ProgrammeUpdate,
    SittingBrief,
)


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"
    message = "Program asesmen tidak ditemukan. / Programme not found."


class ProgrammeCodeTaken(Conflict):
    code = "programme_code_taken"
    message = "Kode program sudah dipakai. / That programme code is already in use."


class SittingNotFound(NotFound):
    code = "sitting_not_found"
    message = "Sesi tidak ditemukan. / Sitting not found."


class SittingInOtherProgramme(Conflict):
    code = "sitting_in_other_programme"
    message = (
        "Sesi ini sudah termasuk program lain. / This sitting already belongs to another programme."
    )


class SittingNotInProgramme(Conflict):
    code = "sitting_not_in_programme"
    message = "Sesi ini bukan bagian dari program ini. / This sitting is not in this programme."


class WaveNotScheduled(Conflict):
    code = "wave_not_scheduled"
    message = (
        "Peserta hanya dapat dipindahkan ke sesi yang belum dibuka. / "
        "People can only be moved into a sitting that has not been opened yet."
    )


class NotEnoughSeats(Conflict):
    code = "not_enough_seats"
    message = "Kursi di ruangan tidak cukup. / The room has too few seats."


async def get(db: AsyncSession, programme_id: int) -> Programme:
    found = await ProgrammeRepository(db).get(programme_id)
    if found is None:
        raise ProgrammeNotFound()
    return found


async def read(db: AsyncSession, programme: Programme) -> ProgrammeRead:
    repo = ProgrammeRepository(db)
    sizes = await repo.population_sizes([programme.id])
    sittings = await repo.sittings(programme.id)
    return ProgrammeRead(
        id=programme.id,
        code=programme.code,
        title=programme.title,
        description=programme.description,
        validity_months=programme.validity_months,
        created_at=programme.created_at,
        population=sizes.get(programme.id, 0),
        sittings=[SittingBrief.model_validate(s) for s in sittings],
    )


async def list_all(db: AsyncSession) -> list[ProgrammeRead]:
    repo = ProgrammeRepository(db)
    found = list(await repo.all(repo.ordered()))
    sizes = await repo.population_sizes([p.id for p in found])
    return [
        ProgrammeRead.model_validate(p).model_copy(update={"population": sizes.get(p.id, 0)})
        for p in found
    ]


async def create(db: AsyncSession, data: ProgrammeCreate, actor: Actor) -> Programme:
    repo = ProgrammeRepository(db)
    if await repo.by_code(data.code) is not None:
        raise ProgrammeCodeTaken()
    programme = await repo.add(Programme(**data.model_dump()))
    await audit.record(
        db,
        actor,
        "programme.create",
        target_type="programme",
        target_id=programme.id,
        details={"code": programme.code},
    )
    return programme


async def update(
    db: AsyncSession, programme_id: int, data: ProgrammeUpdate, actor: Actor
) -> Programme:
    programme = await get(db, programme_id)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is not None or name == "description":
            setattr(programme, name, value)
    await db.flush()
    await audit.record(
        db,
        actor,
        "programme.update",
        target_type="programme",
        target_id=programme.id,
        details={k: v for k, v in changes.items() if k != "description"},
    )
    return programme


async def _sitting(db: AsyncSession, sitting_id: int) -> Sitting:
    sitting = await ProgrammeRepository(db).sitting_for_update(sitting_id)
    if sitting is None:
        raise SittingNotFound()
    return sitting


async def attach_sitting(
    db: AsyncSession, programme_id: int, sitting_id: int, actor: Actor
) -> Sitting:
    """The sitting becomes a wave of the programme (idempotent)."""
    await get(db, programme_id)
    sitting = await _sitting(db, sitting_id)
    if sitting.programme_id not in (None, programme_id):
        raise SittingInOtherProgramme()
    if sitting.programme_id is None:
        sitting.programme_id = programme_id
        await db.flush()
        await audit.record(
            db,
            actor,
            "programme.attach_sitting",
            target_type="programme",
            target_id=programme_id,
            sitting_id=sitting.id,
            details={"sitting": sitting.code},
        )
    return sitting


async def detach_sitting(
    db: AsyncSession, programme_id: int, sitting_id: int, actor: Actor
) -> None:
    await get(db, programme_id)
    sitting = await _sitting(db, sitting_id)
    if sitting.programme_id != programme_id:
        raise SittingNotInProgramme()
    sitting.programme_id = None
    await db.flush()
    await audit.record(
        db,
        actor,
        "programme.detach_sitting",
        target_type="programme",
        target_id=programme_id,
        sitting_id=sitting.id,
        details={"sitting": sitting.code},
    )


STATUSES: tuple[CoverageStatus, ...] = get_args(CoverageStatus)


def _member(row: tuple[Any, ...]) -> MemberRead:
    pid, number, nip, name, position, unit, group, status, sittings = row
    return MemberRead(
        participant_id=pid,
        participant_no=number,
        nip=nip,
        name=name,
        position_code=position,
        unit=unit,
        position_group=group,
        status=status,
        sittings=sorted(sittings or ()),
    )


async def members(
    db: AsyncSession, programme_id: int, status: str | None = None, limit: int | None = None
) -> list[MemberRead]:
    rows = await ProgrammeRepository(db).members_with_status(programme_id, status, limit)
    return [_member(row) for row in rows]


async def coverage_counts(db: AsyncSession, programme_id: int) -> CoverageCounts:
    repo = ProgrammeRepository(db)
    counts = await repo.status_counts(programme_id)
    return CoverageCounts(
        population=sum(counts.values()),
        outside_population=await repo.assessed_outside(programme_id),
        **{s: counts.get(s, 0) for s in STATUSES},
    )


async def coverage(db: AsyncSession, programme_id: int) -> Coverage:
    await get(db, programme_id)
    return Coverage(
        counts=await coverage_counts(db, programme_id), members=await members(db, programme_id)
    )


async def move_to_wave(
    db: AsyncSession, programme_id: int, request: MoveRequest, actor: Actor
) -> MoveReport:
    """Enrol the absent and/or unscheduled people of the population into a later wave, each on
    a free seat in seat order. All or nothing: too few seats is a 409 and nothing moves."""
    await get(db, programme_id)
    repo = ProgrammeRepository(db)
    sitting = await _sitting(db, request.sitting_id)
    if sitting.programme_id != programme_id:
        raise SittingNotInProgramme()
    if sitting.status != "scheduled":
        raise WaveNotScheduled()
    chosen = [m for m in await members(db, programme_id) if m.status in request.which]
    already = await repo.enrolled_ids(sitting.id)
    chosen = [m for m in chosen if m.participant_id not in already]
    moving = chosen[: request.limit] if request.limit is not None else chosen
    seats = await repo.free_seats(sitting)
    if len(seats) < len(moving):
        raise NotEnoughSeats(
            f"Kursi kosong {len(seats)}, diperlukan {len(moving)}. / "
            f"{len(seats)} free seats, {len(moving)} needed."
        )
    await repo.enroll(
        sitting.id, {m.participant_id: seat for m, seat in zip(moving, seats, strict=False)}
    )
    report = MoveReport(
        sitting_id=sitting.id,
        moved=len(moving),
        absent=sum(1 for m in moving if m.status == "absent"),
        unscheduled=sum(1 for m in moving if m.status == "unscheduled"),
        left=len(chosen) - len(moving),
    )
    await audit.record(
        db,
        actor,
        "programme.move_to_wave",
        target_type="programme",
        target_id=programme_id,
        sitting_id=sitting.id,
        details=report.model_dump(),
    )
    return report
