"""Sittings as the admin prepares them: create (one or several waves), edit, proctors, scoring
policy, end screen, roster and seats, and opening."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from sqlalchemy import any_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.blueprints import service as blueprints
from cact.blueprints.models import Blueprint
from cact.exam import opening
from cact.exam import service as exam
from cact.exam.models import Enrollment, Sitting, SittingProctor
from cact.exam.repository import EnrollmentRepository, SittingRepository
from cact.kit.errors import CactError, Conflict, InvalidInput, NotFound
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.rooms import service as rooms
from cact.rooms.models import Room, Seat
from cact.scoring import policies
from cact.scoring.models import ScoringPolicy
from cact.sittings import roster
from cact.sittings.schemas import (
    EnrollmentRead,
    ProctorRead,
    SittingCreate,
    SittingDetail,
    SittingRead,
    SittingUpdate,
    WavesCreate,
)
from cact.standards.models import Position

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


class SittingClosed(Conflict):
    code = "sitting_closed"
    message = "Sesi sudah ditutup. / The sitting is closed."


class SeatsWithProctors(Conflict):
    code = "seats_with_proctors"
    message = (
        "Selama ujian berlangsung, pengawas memindahkan kursi dari dasbor. / "
        "While the test runs, proctors move seats from the dashboard."
    )


class NotAProctor(InvalidInput):
    code = "not_a_proctor"
    message = (
        "Hanya akun aktif dengan peran pengawas yang dapat ditugaskan. / "
        "Only active accounts with the proctor role can be assigned."
    )


class EnrollmentNotFound(NotFound):
    code = "enrollment_not_found"
    message = "Peserta itu tidak ada di daftar sesi ini. / No such enrollment in this sitting."


class SeatNotInRoom(InvalidInput):
    code = "seat_not_in_room"
    message = "Kursi itu tidak ada di ruangan sesi ini. / No such seat in this sitting's room."


class SeatTwice(Conflict):
    code = "seat_twice"
    message = (
        "Satu kursi diberikan kepada lebih dari satu peserta. / "
        "A seat is given to more than one participant."
    )


class UnknownParticipants(InvalidInput):
    code = "unknown_participants"
    message = "Nomor peserta tidak terdaftar. / Participant numbers not registered."


def _naming(error: type[CactError], what: str) -> str:
    """The error's sentence in both languages, naming what it is about."""
    indonesian, english = error.message.split(" / ", 1)
    return f"{indonesian.rstrip('.')}: {what}. / {english.rstrip('.')}: {what}."


# --- queries ------------------------------------------------------------------------------


class SittingAdminRepository(Repository[Sitting]):
    model = Sitting

    async def listing(self) -> list[tuple[Sitting, str, str, int, int]]:
        enrolled = (
            select(func.count(Enrollment.id))
            .where(Enrollment.sitting_id == Sitting.id)
            .correlate(Sitting)
            .scalar_subquery()
        )
        seated = (
            select(func.count(Enrollment.seat_id))
            .where(Enrollment.sitting_id == Sitting.id)
            .correlate(Sitting)
            .scalar_subquery()
        )
        statement = (
            select(Sitting, Room.code, Blueprint.code, enrolled, seated)
            .join(Room, Room.id == Sitting.room_id)
            .join(Blueprint, Blueprint.id == Sitting.blueprint_id)
            .order_by(Sitting.starts_at.desc(), Sitting.id.desc())
        )
        rows = await self.session.execute(statement)
        return [(s, room, bp, int(n), int(m)) for s, room, bp, n, m in rows]

    async def proctors(self, sitting_ids: Collection[int]) -> dict[int, list[StaffUser]]:
        found: dict[int, list[StaffUser]] = {sitting_id: [] for sitting_id in sitting_ids}
        if not sitting_ids:
            return found
        statement = (
            select(SittingProctor.sitting_id, StaffUser)
            .join(StaffUser, StaffUser.id == SittingProctor.staff_user_id)
            .where(SittingProctor.sitting_id.in_(list(sitting_ids)))
            .order_by(StaffUser.username)
        )
        for sitting_id, user in await self.session.execute(statement):
            found[sitting_id].append(user)
        return found

    async def roster(
        self, sitting_id: int
    ) -> list[tuple[Enrollment, Participant, Seat | None, Position | None]]:
        statement = (
            select(Enrollment, Participant, Seat, Position)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .outerjoin(Seat, Seat.id == Enrollment.seat_id)
            .outerjoin(Position, Position.id == Participant.position_id)
            .where(Enrollment.sitting_id == sitting_id)
            .order_by(Seat.grid_row.nulls_last(), Seat.grid_col, Participant.participant_no)
        )
        rows = await self.session.execute(statement)
        return [(e, p, seat, pos) for e, p, seat, pos in rows]

    async def codes_taken(self, codes: Collection[str]) -> list[str]:
        lowered = [code.lower() for code in codes]
        statement = select(Sitting.code).where(func.lower(Sitting.code).in_(lowered))
        return list(await self.session.scalars(statement))

    async def proctor_accounts(self) -> list[StaffUser]:
        statement = (
            select(StaffUser)
            .where(StaffUser.is_active.is_(True), any_(StaffUser.roles) == "proctor")
            .order_by(StaffUser.username)
        )
        return list(await self.session.scalars(statement))

    async def replace_proctors(self, sitting_id: int, staff_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(SittingProctor).where(SittingProctor.sitting_id == sitting_id)
        )
        if staff_ids:
            rows = [{"sitting_id": sitting_id, "staff_user_id": i} for i in staff_ids]
            await self.session.execute(insert(SittingProctor), rows)

    async def participants_by_number(self, numbers: Collection[str]) -> list[Participant]:
        statement = select(Participant).where(Participant.participant_no.in_(list(numbers)))
        return list(await self.session.scalars(statement))


# --- reading ------------------------------------------------------------------------------


def _proctor(user: StaffUser) -> ProctorRead:
    return ProctorRead(id=user.id, username=user.username, full_name=user.full_name)


def _read(
    sitting: Sitting,
    room_code: str,
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
        room_code=room_code,
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
    summary = _read(sitting, room.code, blueprint.code, counts, proctors[sitting.id])
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
        raise SittingCodeTaken(_naming(SittingCodeTaken, ", ".join(taken)))


async def _check_proctors(db: AsyncSession, staff_ids: Collection[int]) -> list[int]:
    wanted = sorted(set(staff_ids))
    eligible = {user.id for user in await SittingAdminRepository(db).proctor_accounts()}
    refused = [i for i in wanted if i not in eligible]
    if refused:
        raise NotAProctor(_naming(NotAProctor, "id " + ", ".join(str(i) for i in refused)))
    return wanted


async def create(db: AsyncSession, data: SittingCreate, actor: Actor) -> Sitting:
    await _check_references(
        db, room_id=data.room_id, blueprint_id=data.blueprint_id, policy_id=data.scoring_policy_id
    )
    await _check_codes(db, [data.code])
    proctor_ids = await _check_proctors(db, data.proctor_ids)
    sitting = await roster.create_sitting(
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


async def _for_update(db: AsyncSession, sitting_id: int) -> Sitting:
    sitting = await SittingRepository(db).for_update(sitting_id)
    if sitting is None:
        raise exam.SittingNotFound()
    return sitting


async def update(db: AsyncSession, sitting_id: int, data: SittingUpdate, actor: Actor) -> Sitting:
    sitting = await _for_update(db, sitting_id)
    sent = {k: v for k, v in data.model_dump(exclude_unset=True).items()}
    for key in ("code", "title", "room_id", "blueprint_id", "starts_at", "end_screen"):
        if sent.get(key) is None:
            sent.pop(key, None)  # these always have a value: null means "unchanged"
    changes = {k: v for k, v in sent.items() if getattr(sitting, k) != v}
    if {"room_id", "blueprint_id"} & changes.keys() and sitting.status != "scheduled":
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
        raise roster.NotEnoughSeats()
    for enrollment in enrollments:
        enrollment.seat_id = None
    await db.flush()
    for enrollment, seat in zip(enrollments, _seat_order(room.seats), strict=False):
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
    sitting = await _for_update(db, sitting_id)
    if sitting.status == "closed":
        raise SittingClosed()
    await _replace_proctors(db, sitting, await _check_proctors(db, staff_ids), actor)


# --- roster and seats ---------------------------------------------------------------------


def _seat_order(seats: Sequence[Seat]) -> list[Seat]:
    return sorted(seats, key=lambda s: (s.grid_row, s.grid_col, s.id))


# Once the test runs, a seat move is a proctor's audited action with a reason.
SEATS_EDITABLE = ("scheduled", "open")


async def _seatable(db: AsyncSession, sitting_id: int) -> tuple[Sitting, Room, list[Enrollment]]:
    sitting = await _for_update(db, sitting_id)
    if sitting.status not in SEATS_EDITABLE:
        raise SeatsWithProctors()
    room = await rooms.get_room(db, sitting.room_id)
    return sitting, room, await EnrollmentRepository(db).for_sitting(sitting.id)


async def _seat_audit(db: AsyncSession, sitting: Sitting, actor: Actor, how: str, n: int) -> None:
    await audit.record(
        db,
        actor,
        "sitting.seats",
        target_type="sitting",
        target_id=sitting.id,
        sitting_id=sitting.id,
        details={"how": how, "changed": n},
    )


async def auto_seats(db: AsyncSession, sitting_id: int, actor: Actor, *, only_missing: bool) -> int:
    """Roster order (import order) onto seat order; ``only_missing`` keeps the seats given."""
    sitting, room, enrollments = await _seatable(db, sitting_id)
    keep = [e for e in enrollments if only_missing and e.seat_id is not None]
    seating = [e for e in enrollments if e not in keep]
    taken = {e.seat_id for e in keep}
    free = [s for s in _seat_order(room.seats) if s.id not in taken]
    if len(seating) > len(free):
        raise roster.NotEnoughSeats()
    before = {e.id: e.seat_id for e in seating}
    for enrollment in seating:
        enrollment.seat_id = None
    await db.flush()
    for enrollment, seat in zip(seating, free, strict=False):
        enrollment.seat_id = seat.id
    await db.flush()
    changed = sum(1 for e in seating if before[e.id] != e.seat_id)
    await _seat_audit(db, sitting, actor, "only_missing" if only_missing else "all", changed)
    return changed


async def assign_seats(
    db: AsyncSession, sitting_id: int, wanted: dict[int, int | None], actor: Actor
) -> int:
    """A seat per enrollment by hand; the result may not put two participants on one seat."""
    sitting, room, enrollments = await _seatable(db, sitting_id)
    by_id = {e.id: e for e in enrollments}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise EnrollmentNotFound()
    labels = {seat.id: seat.label for seat in room.seats}
    if any(seat_id is not None and seat_id not in labels for seat_id in wanted.values()):
        raise SeatNotInRoom()
    final = {e.id: wanted.get(e.id, e.seat_id) for e in enrollments}
    twice = [seat for seat, n in Counter(v for v in final.values() if v).items() if n > 1]
    if twice:
        names = ", ".join(sorted(labels[s] for s in twice))
        raise SeatTwice(_naming(SeatTwice, names))
    changing = [by_id[i] for i, seat in wanted.items() if by_id[i].seat_id != seat]
    for enrollment in changing:
        enrollment.seat_id = None
    await db.flush()
    for enrollment in changing:
        enrollment.seat_id = wanted[enrollment.id]
    await db.flush()
    await _seat_audit(db, sitting, actor, "by_hand", len(changing))
    return len(changing)


async def enroll(
    db: AsyncSession, sitting_id: int, numbers: Sequence[str], actor: Actor
) -> list[Enrollment]:
    """Registered participants onto the roster, on the next free seats in seat order."""
    sitting = await exam.roster_sitting_for_update(db, sitting_id)
    found = {
        p.participant_no: p
        for p in await SittingAdminRepository(db).participants_by_number(numbers)
    }
    missing = [n for n in dict.fromkeys(numbers) if n not in found]
    if missing:
        raise UnknownParticipants(_naming(UnknownParticipants, ", ".join(missing[:20])))
    enrollments = await EnrollmentRepository(db).for_sitting(sitting.id)
    already = {e.participant_id for e in enrollments}
    newcomers = [found[n] for n in dict.fromkeys(numbers) if found[n].id not in already]
    taken = {e.seat_id for e in enrollments}
    room = await rooms.get_room(db, sitting.room_id)
    free = [s for s in _seat_order(room.seats) if s.id not in taken]
    return await roster.enroll_in_seat_order(db, sitting, newcomers, free, actor)


async def unenroll(db: AsyncSession, sitting_id: int, enrollment_id: int, actor: Actor) -> None:
    sitting = await exam.roster_sitting_for_update(db, sitting_id)
    enrollment = await EnrollmentRepository(db).get(enrollment_id)
    if enrollment is None or enrollment.sitting_id != sitting.id:
        raise EnrollmentNotFound()
    await db.delete(enrollment)
    await db.flush()
    await audit.record(
        db,
        actor,
        "sitting.unenroll",
        target_type="enrollment",
        target_id=enrollment_id,
        sitting_id=sitting.id,
        details={"participant_id": enrollment.participant_id},
    )


async def open_sitting(db: AsyncSession, sitting_id: int, actor: Actor) -> Sitting:
    """Every form generated now and the token released (``cact.exam.opening``)."""
    return await opening.open_sitting(db, sitting_id, actor)
