from __future__ import annotations

from fastapi import APIRouter, Request

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.rooms.schemas import PathId
from cact.sittings import seating
from cact.sittings import service as admin
from cact.sittings.schemas import (
    AutoSeats,
    EnrollRequest,
    ProctorsUpdate,
    SeatsUpdate,
    SittingCreate,
    SittingDetail,
    SittingRead,
    SittingUpdate,
    WavesCreate,
)

router = APIRouter(prefix="/api/sittings", tags=["sittings"])


def _actor(user: AdminUser, request: Request) -> Actor:
    return Actor.staff(user, client_ip(request))


@router.get("", response_model=list[SittingRead])
async def list_sittings(_: AdminUser, db: DbSession) -> list[SittingRead]:
    return await admin.summaries(db)


@router.post("", response_model=SittingDetail, status_code=201)
async def create_sitting(
    body: SittingCreate, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    sitting = await admin.create(db, body, _actor(user, request))
    return await admin.detail(db, sitting.id)


@router.post("/waves", response_model=list[SittingRead], status_code=201)
async def create_waves(
    body: WavesCreate, user: AdminUser, request: Request, db: DbSession
) -> list[SittingRead]:
    """One sitting per start time, codes ``<code>-G1`` … on the same room and blueprint."""
    created = {s.id for s in await admin.create_waves(db, body, _actor(user, request))}
    return [s for s in await admin.summaries(db) if s.id in created]


@router.get("/{sitting_id}", response_model=SittingDetail)
async def get_sitting(sitting_id: PathId, _: AdminUser, db: DbSession) -> SittingDetail:
    return await admin.detail(db, sitting_id)


@router.patch("/{sitting_id}", response_model=SittingDetail)
async def update_sitting(
    sitting_id: PathId, body: SittingUpdate, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """Room and blueprint change only while the sitting is scheduled."""
    await admin.update(db, sitting_id, body, _actor(user, request))
    return await admin.detail(db, sitting_id)


@router.put("/{sitting_id}/proctors", response_model=SittingDetail)
async def set_proctors(
    sitting_id: PathId, body: ProctorsUpdate, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """The proctors of the sitting, replaced as a whole (accounts with the proctor role)."""
    await admin.set_proctors(db, sitting_id, body.staff_ids, _actor(user, request))
    return await admin.detail(db, sitting_id)


@router.post("/{sitting_id}/enrollments", response_model=SittingDetail)
async def enroll(
    sitting_id: PathId, body: EnrollRequest, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """Registered participants onto the roster, on the next free seats in seat order."""
    await seating.enroll(db, sitting_id, body.participant_nos, _actor(user, request))
    return await admin.detail(db, sitting_id)


@router.delete("/{sitting_id}/enrollments/{enrollment_id}", status_code=204)
async def unenroll(
    sitting_id: PathId, enrollment_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> None:
    await seating.unenroll(db, sitting_id, enrollment_id, _actor(user, request))


@router.post("/{sitting_id}/seats/auto", response_model=SittingDetail)
async def auto_seats(
    sitting_id: PathId, body: AutoSeats, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """Roster order onto seat order (row by row)."""
    await seating.auto_seats(db, sitting_id, _actor(user, request), only_missing=body.only_missing)
    return await admin.detail(db, sitting_id)


@router.put("/{sitting_id}/seats", response_model=SittingDetail)
async def assign_seats(
    sitting_id: PathId, body: SeatsUpdate, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """A seat per enrollment by hand; never one seat for two participants."""
    wanted = {a.enrollment_id: a.seat_id for a in body.seats}
    await seating.assign_seats(db, sitting_id, wanted, _actor(user, request))
    return await admin.detail(db, sitting_id)


@router.post("/{sitting_id}/open", response_model=SittingDetail)
async def open_sitting(
    sitting_id: PathId, user: AdminUser, request: Request, db: DbSession
) -> SittingDetail:
    """Generate every participant's form and release the token."""
    await admin.open_sitting(db, sitting_id, _actor(user, request))
    return await admin.detail(db, sitting_id)
