"""Sittings as the admin prepares them: create (one or several waves), edit, proctors, scoring
policy, end screen, and opening."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.blueprints import service as blueprints
from cact.exam import opening
from cact.exam import service as exam
from cact.exam.models import Sitting
from cact.exam.repository import EnrollmentRepository
from cact.exam.statuses import SittingStatus
from cact.kit.errors import Conflict, InvalidInput, naming
from cact.rooms import service as rooms
from cact.scoring import policies
from cact.scoring.models import ScoringPolicy
from cact.sittings import seating
from cact.sittings.repository import SittingAdminRepository
from cact.sittings.schemas import (
    EnrollmentRead,
    ProctorRead,
    SittingCreate,
    SittingDetail,
    SittingRead,
    SittingUpdate,
    WavesCreate,
)

# --- errors -------------------------------------------------------------------------------


class SittingCodeTaken(Conflict):
    code = "sitting_code_taken"
    message = "Kode sesi sudah dipakai. / That sitting code is taken."


class SittingDesignLocked(Conflict):
    code = "sitting_design_locked"
    message = (
        "Ruangan dan kisi-kisi hanya dapat diubah selama sesi berstatus terjadwal. / "
        "The room and blueprint can only change while the sitting is scheduled."
    )


class NotAProctor(InvalidInput):
    code = "not_a_proctor"
    message = (
        "Hanya akun aktif dengan peran pengawas yang dapat ditugaskan. / "
        "Only active accounts with the proctor role can be assigned."
    )


# --- reading ------------------------------------------------------------------------------


def _proctor(user: StaffUser) -> ProctorRead:
    return ProctorRead(id=user.id, username=user.username, full_name=user.full_name)


def _read(
    sitting: Sitting,
    room: tuple[str, str],
    blueprint_code: str,
    counts: tuple[int, int],
    proctors: list[StaffUser],
) -> SittingRead:
    return SittingRead(
        id=sitting.id,
        code=sitting.code,
        title=sitting.title,
        status=sitting.status,
        room_id=sitting.room_id,
        room_code=room[0],
        time_zone=room[1],
        blueprint_id=sitting.blueprint_id,
        blueprint_code=blueprint_code,
        scoring_policy_id=sitting.scoring_policy_id,
        starts_at=sitting.starts_at,
        end_screen=sitting.end_screen,
        enrolled=counts[0],
        seated=counts[1],
        proctors=[_proctor(u) for u in proctors],
        opened_at=sitting.opened_at,
        closed_at=sitting.closed_at,
    )


async def summaries(db: AsyncSession) -> list[SittingRead]:
    repository = SittingAdminRepository(db)
    rows = await repository.listing()
    proctors = await repository.proctors([row[0].id for row in rows])
    return [
        _read(sitting, room, bp, (enrolled, seated), proctors[sitting.id])
        for sitting, room, bp, enrolled, seated in rows
    ]


async def detail(db: AsyncSession, sitting_id: int) -> SittingDetail:
    sitting = await exam.get_sitting(db, sitting_id)
    repository = SittingAdminRepository(db)
    room = await rooms.get_room(db, sitting.room_id)
    blueprint = await blueprints.get(db, sitting.blueprint_id)
    listed = await repository.roster(sitting.id)
    proctors = await repository.proctors([sitting.id])
    counts = (len(listed), sum(1 for _, _, seat, _ in listed if seat is not None))
    summary = _read(
        sitting, (room.code, room.time_zone), blueprint.code, counts, proctors[sitting.id]
    )
    enrollments = [
        EnrollmentRead(
            id=e.id,
            participant_id=p.id,
            participant_no=p.participant_no,
            nip=p.nip,
            name=p.name,
            position_code=position.code if position else None,
            seat_id=seat.id if seat else None,
            seat_label=seat.label if seat else None,
            attendance=e.attendance,
        )
        for e, p, seat, position in listed
    ]
    return SittingDetail(**summary.model_dump(), token=sitting.token, enrollments=enrollments)


async def proctor_choices(db: AsyncSession) -> list[StaffUser]:
    return await SittingAdminRepository(db).proctor_accounts()


async def policy_choices(db: AsyncSession) -> list[ScoringPolicy]:
    return await policies.list_policies(db)


# --- creating and editing -----------------------------------------------------------------


async def _check_references(
    db: AsyncSession, *, room_id: int | None, blueprint_id: int | None, policy_id: int | None
) -> None:
    if room_id is not None:
        await rooms.get_room(db, room_id)
    if blueprint_id is not None:
        await blueprints.get(db, blueprint_id)
    if policy_id is not None:
        await policies.get_policy(db, policy_id)


async def _check_codes(db: AsyncSession, codes: Sequence[str]) -> None:
    taken = await SittingAdminRepository(db).codes_taken(codes)
    if taken:
        raise SittingCodeTaken(naming(SittingCodeTaken, ", ".join(taken)))


async def _check_proctors(db: AsyncSession, staff_ids: Collection[int]) -> list[int]:
    wanted = sorted(set(staff_ids))
    eligible = {user.id for user in await SittingAdminRepository(db).proctor_accounts()}
    refused = [i for i in wanted if i not in eligible]
    if refused:
        raise NotAProctor(naming(NotAProctor, "id " + ", ".join(str(i) for i in refused)))
    return wanted


async def create_sitting(
    db: AsyncSession,
    *,
    code: str,
    title: str,
    room_id: int,
    blueprint_id: int,
    starts_at: datetime,
    actor: Actor,
) -> Sitting:
    sitting = Sitting(
        code=code, title=title, room_id=room_id, blueprint_id=blueprint_id, starts_at=starts_at
    )
    db.add(sitting)
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.create",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"code": code},
    )
    return sitting


async def create(db: AsyncSession, data: SittingCreate, actor: Actor) -> Sitting:
    await _check_references(
        db, room_id=data.room_id, blueprint_id=data.blueprint_id, policy_id=data.scoring_policy_id
    )
    await _check_codes(db, [data.code])
    proctor_ids = await _check_proctors(db, data.proctor_ids)
    sitting = await create_sitting(
        db,
        code=data.code,
        title=data.title,
        room_id=data.room_id,
        blueprint_id=data.blueprint_id,
        starts_at=data.starts_at,
        actor=actor,
    )
    sitting.scoring_policy_id = data.scoring_policy_id
    sitting.end_screen = data.end_screen
    await db.flush()
    if proctor_ids:
        await _replace_proctors(db, sitting, proctor_ids, actor)
    return sitting


def wave_codes(data: WavesCreate) -> list[tuple[str, str]]:
    """(code, title) of each wave: ``ASN-2026-G1`` · ``Asesmen 2026 — Gelombang 1``."""
    return [
        (f"{data.code}-G{n}", f"{data.title} — Gelombang {n}")
        for n in range(1, len(data.starts) + 1)
    ]


async def create_waves(db: AsyncSession, data: WavesCreate, actor: Actor) -> list[Sitting]:
    """Several sittings of one assessment: same room, blueprint, policy and proctors."""
    names = wave_codes(data)
    await _check_codes(db, [code for code, _ in names])
    created = []
    for (code, title), starts_at in zip(names, data.starts, strict=True):
        one = SittingCreate(
            code=code,
            title=title[:200],
            room_id=data.room_id,
            blueprint_id=data.blueprint_id,
            starts_at=starts_at,
            scoring_policy_id=data.scoring_policy_id,
            end_screen=data.end_screen,
            proctor_ids=data.proctor_ids,
        )
        created.append(await create(db, one, actor))
    return created


async def update(db: AsyncSession, sitting_id: int, data: SittingUpdate, actor: Actor) -> Sitting:
    sitting = await exam.sitting_for_update(db, sitting_id)
    sent = {k: v for k, v in data.model_dump(exclude_unset=True).items()}
    for key in ("code", "title", "room_id", "blueprint_id", "starts_at", "end_screen"):
        if sent.get(key) is None:
            sent.pop(key, None)  # these always have a value: null means "unchanged"
    changes = {k: v for k, v in sent.items() if getattr(sitting, k) != v}
    if {"room_id", "blueprint_id"} & changes.keys() and sitting.status != SittingStatus.SCHEDULED:
        raise SittingDesignLocked()
    if "code" in changes and changes["code"].lower() != sitting.code.lower():
        await _check_codes(db, [changes["code"]])
    await _check_references(
        db,
        room_id=changes.get("room_id"),
        blueprint_id=changes.get("blueprint_id"),
        policy_id=changes.get("scoring_policy_id"),
    )
    for key, value in changes.items():
        setattr(sitting, key, value)
    await db.flush()
    if "room_id" in changes:
        await _reseat_in_new_room(db, sitting)
    if changes:
        await audit.record(
            db,
            actor,
            "sitting.update",
            target_type="sitting",
            target_id=sitting.id,
            sitting_id=sitting.id,
            details={k: str(v) if k == "starts_at" else v for k, v in changes.items()},
        )
    return sitting


async def _reseat_in_new_room(db: AsyncSession, sitting: Sitting) -> None:
    """The old room's seats mean nothing in the new one: everyone is seated again in order."""
    enrollments = await EnrollmentRepository(db).for_sitting(sitting.id)
    room = await rooms.get_room(db, sitting.room_id)
    if len(enrollments) > len(room.seats):
        raise seating.NotEnoughSeats()
    for enrollment in enrollments:
        enrollment.seat_id = None
    await db.flush()
    for enrollment, seat in zip(enrollments, seating.seat_order(room.seats), strict=False):
        enrollment.seat_id = seat.id
    await db.flush()


async def _replace_proctors(
    db: AsyncSession, sitting: Sitting, staff_ids: Sequence[int], actor: Actor
) -> None:
    await SittingAdminRepository(db).replace_proctors(sitting.id, staff_ids)
    await audit.record(
        db,
        actor,
        "sitting.proctors",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"staff_user_ids": list(staff_ids)},
    )


async def set_proctors(
    db: AsyncSession, sitting_id: int, staff_ids: Collection[int], actor: Actor
) -> None:
    sitting = await exam.sitting_for_update(db, sitting_id)
    if sitting.status == SittingStatus.CLOSED:
        raise exam.SittingClosed()
    await _replace_proctors(db, sitting, await _check_proctors(db, staff_ids), actor)


async def open_sitting(db: AsyncSession, sitting_id: int, actor: Actor) -> Sitting:
    """Every form generated now and the token released (``cact.exam.opening``)."""
    return await opening.open_sitting(db, sitting_id, actor)
