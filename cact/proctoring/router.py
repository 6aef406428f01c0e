"""The proctor's actions: one call each, with a reason where it changes an outcome."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cact.audit.service import Actor
from cact.auth.deps import ProctorUser, client_ip
from cact.auth.models import StaffUser
from cact.exam import opening
from cact.exam.service import UnknownAttempt
from cact.kit.db import DbSession
from cact.proctoring import autostart, service
from cact.proctoring.deps import check_attempt, check_sitting
from cact.proctoring.schemas import (
    AttemptState,
    AutoStartBody,
    CloseOutcome,
    ExtraTimeBody,
    IncidentBody,
    MoveSeatBody,
    OptionalReasonBody,
    ReasonBody,
    SittingState,
)

router = APIRouter(prefix="/api/proctor", tags=["proctor"])


def _actor(user: StaffUser, request: Request) -> Actor:
    return Actor.staff(user, client_ip(request))


@router.post("/sittings/{sitting_id}/open", response_model=SittingState)
async def open_sitting(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    """Generates every participant's form and releases the token."""
    await check_sitting(db, user, sitting_id)
    sitting = await opening.open_sitting(db, sitting_id, _actor(user, request))
    return SittingState.model_validate(sitting)


@router.post("/sittings/{sitting_id}/start", response_model=SittingState)
async def start_sitting(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    await check_sitting(db, user, sitting_id)
    return SittingState.model_validate(
        await service.start_sitting(db, sitting_id, _actor(user, request))
    )


@router.put("/sittings/{sitting_id}/auto-start", response_model=SittingState)
async def set_auto_start(
    sitting_id: int, body: AutoStartBody, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    """Whether the sitting starts by itself at its start time (audited); off by default."""
    await check_sitting(db, user, sitting_id)
    sitting = await autostart.set_auto_start(
        db, sitting_id, body.enabled, body.reason, _actor(user, request)
    )
    return SittingState.model_validate(sitting)


@router.post("/sittings/{sitting_id}/token/rotate", response_model=SittingState)
async def rotate_token(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    await check_sitting(db, user, sitting_id)
    sitting = await service.rotate_token(db, sitting_id, _actor(user, request), service.utcnow())
    return SittingState.model_validate(sitting)


@router.post("/sittings/{sitting_id}/pause", response_model=SittingState)
async def pause_sitting(
    sitting_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    await check_sitting(db, user, sitting_id)
    sitting = await service.pause_sitting(
        db, sitting_id, body.reason, _actor(user, request), service.utcnow()
    )
    return SittingState.model_validate(sitting)


@router.post("/sittings/{sitting_id}/resume", response_model=SittingState)
async def resume_sitting(
    sitting_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> SittingState:
    await check_sitting(db, user, sitting_id)
    sitting = await service.resume_sitting(
        db, sitting_id, body.reason, _actor(user, request), service.utcnow()
    )
    return SittingState.model_validate(sitting)


@router.post("/sittings/{sitting_id}/close", response_model=CloseOutcome)
async def close_sitting(
    sitting_id: int, body: OptionalReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> CloseOutcome:
    """Closes every attempt still running; scoring follows."""
    await check_sitting(db, user, sitting_id)
    sitting, closed = await service.close_sitting(
        db, sitting_id, body.reason, _actor(user, request), service.utcnow()
    )
    return CloseOutcome(sitting=SittingState.model_validate(sitting), closed_attempts=closed)


@router.post("/sittings/{sitting_id}/incidents", status_code=204)
async def record_incident(
    sitting_id: int, body: IncidentBody, user: ProctorUser, request: Request, db: DbSession
) -> None:
    await check_sitting(db, user, sitting_id)
    if body.attempt_id is not None and await check_attempt(db, user, body.attempt_id) != sitting_id:
        raise UnknownAttempt()
    await service.incident(db, sitting_id, body.note, _actor(user, request), body.attempt_id)


@router.post("/sittings/{sitting_id}/enrollments/{enrollment_id}/absent", status_code=204)
async def mark_absent(
    sitting_id: int,
    enrollment_id: int,
    body: ReasonBody,
    user: ProctorUser,
    request: Request,
    db: DbSession,
) -> None:
    await check_sitting(db, user, sitting_id)
    await service.mark_absent(db, sitting_id, enrollment_id, body.reason, _actor(user, request))


@router.post("/sittings/{sitting_id}/enrollments/{enrollment_id}/seat", status_code=204)
async def move_seat(
    sitting_id: int,
    enrollment_id: int,
    body: MoveSeatBody,
    user: ProctorUser,
    request: Request,
    db: DbSession,
) -> None:
    await check_sitting(db, user, sitting_id)
    await service.move_seat(
        db, sitting_id, enrollment_id, body.seat_id, body.reason, _actor(user, request)
    )


@router.post("/attempts/{attempt_id}/reset-login", response_model=AttemptState)
async def reset_login(
    attempt_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> AttemptState:
    """Revokes the kiosk token (and approves a pending reset request): the participant logs in
    again on any workstation and finds every acknowledged answer."""
    await check_attempt(db, user, attempt_id)
    attempt = await service.reset_login(db, attempt_id, body.reason, _actor(user, request))
    return AttemptState.model_validate(attempt)


@router.post("/attempts/{attempt_id}/extra-time", response_model=AttemptState)
async def extra_time(
    attempt_id: int, body: ExtraTimeBody, user: ProctorUser, request: Request, db: DbSession
) -> AttemptState:
    await check_attempt(db, user, attempt_id)
    attempt = await service.extra_time(
        db, attempt_id, body.minutes, body.reason, _actor(user, request), service.utcnow()
    )
    return AttemptState.model_validate(attempt)


@router.post("/attempts/{attempt_id}/pause", response_model=AttemptState)
async def pause_attempt(
    attempt_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> AttemptState:
    await check_attempt(db, user, attempt_id)
    attempt = await service.pause_attempt(
        db, attempt_id, body.reason, _actor(user, request), service.utcnow()
    )
    return AttemptState.model_validate(attempt)


@router.post("/attempts/{attempt_id}/resume", response_model=AttemptState)
async def resume_attempt(
    attempt_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> AttemptState:
    await check_attempt(db, user, attempt_id)
    attempt = await service.resume_attempt(
        db, attempt_id, body.reason, _actor(user, request), service.utcnow()
    )
    return AttemptState.model_validate(attempt)


@router.post("/attempts/{attempt_id}/terminate", response_model=AttemptState)
async def terminate(
    attempt_id: int, body: ReasonBody, user: ProctorUser, request: Request, db: DbSession
) -> AttemptState:
    await check_attempt(db, user, attempt_id)
    attempt = await service.terminate(
        db, attempt_id, body.reason, _actor(user, request), service.utcnow()
    )
    return AttemptState.model_validate(attempt)
