"""Kiosk protocol v1, under /api/kiosk/v1 (SPEC §3.8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from cact.delivery import clock, presenters, service
from cact.delivery.deps import Kiosk
from cact.delivery.errors import AlreadyLoggedIn, LoginRefused
from cact.delivery.schemas import (
    AnswerAck,
    AnswerRequest,
    AttemptView,
    HeartbeatView,
    KioskLoginRequest,
    KioskLoginResponse,
    ParticipantView,
    SectionView,
)
from cact.delivery.service import AttemptRef, KioskContext
from cact.kit.db import DbSession
from cact.kit.errors import error_response
from cact.kit.metrics import ANSWER_SAVES
from cact.standards.models import Position

router = APIRouter(prefix="/api/kiosk/v1", tags=["kiosk protocol v1"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "bad or revoked kiosk token"},
    403: {"description": "another participant's attempt or item"},
    404: {"description": "unknown item or section in this attempt"},
    409: {"description": "section closed or attempt finished"},
    422: {"description": "malformed body"},
}


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _grace(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.save_grace_seconds)


@router.post(
    "/login",
    response_model=KioskLoginResponse,
    responses={
        401: {"description": "wrong number, token or second factor"},
        409: {"description": "already logged in elsewhere: a proctor's reset is needed"},
        429: {"description": "too many tries"},
    },
)
async def login(
    body: KioskLoginRequest, request: Request, db: DbSession
) -> KioskLoginResponse | JSONResponse:
    now = service.utcnow()
    try:
        logged_in = await service.login(
            db,
            request.app.state.kiosk_limiter,
            participant_no=body.participant_no,
            token=body.token,
            secret=body.secret,
            ip=_ip(request),
            now=now,
        )
    except (AlreadyLoggedIn, LoginRefused) as refused:
        # Answer with the error but commit what was recorded: the counted failure (rate
        # limiting) or the reset request the proctor's dashboard shows.
        return error_response(refused)
    participant = logged_in.participant
    position = (
        await db.scalar(select(Position.name).where(Position.id == participant.position_id))
        if participant.position_id
        else None
    )
    return KioskLoginResponse(
        server_time=now,
        kiosk_token=logged_in.token,
        attempt_id=logged_in.attempt.id,
        participant=ParticipantView(
            name=participant.name, participant_no=participant.participant_no, position=position
        ),
    )


@router.get("/attempt", response_model=AttemptView, responses=ERRORS)
async def get_attempt(kiosk: Kiosk, db: DbSession) -> AttemptView:
    return await presenters.attempt_view(db, kiosk, service.utcnow())


@router.post("/attempt/start", response_model=AttemptView, responses=ERRORS)
async def start_attempt(kiosk: Kiosk, db: DbSession) -> AttemptView:
    now = service.utcnow()
    attempt = await service.start(db, kiosk, now)
    return await presenters.attempt_view(
        db, KioskContext(AttemptRef.of(attempt), kiosk.sitting_status), now
    )


@router.get("/sections/{section_id}", response_model=SectionView, responses=ERRORS)
async def get_section(section_id: int, kiosk: Kiosk, db: DbSession) -> SectionView:
    now = service.utcnow()
    section = await service.section_for_view(db, kiosk, section_id)
    return await presenters.section_view(db, section, now)


@router.put("/answers/{item_id}", response_model=AnswerAck, responses=ERRORS)
async def save_answer(
    item_id: int, body: AnswerRequest, kiosk: Kiosk, request: Request, db: DbSession
) -> AnswerAck:
    """Idempotent: a save whose `seq` is not higher than the stored one is acknowledged with
    `applied: false` and changes nothing."""
    now = service.utcnow()
    applied, stored, section = await service.save_answer(
        db,
        kiosk,
        item_id,
        option_id=body.option_id,
        doubtful=body.doubtful,
        seq=body.seq,
        now=now,
        grace=_grace(request),
        ip=_ip(request),
    )
    ANSWER_SAVES.labels(str(applied).lower()).inc()
    return AnswerAck(
        server_time=now,
        applied=applied,
        stored_seq=stored,
        remaining_ms=clock.remaining_ms(section, now),
    )


@router.post("/heartbeat", response_model=HeartbeatView, responses=ERRORS)
async def heartbeat(kiosk: Kiosk, request: Request, db: DbSession) -> HeartbeatView:
    now = service.utcnow()
    await service.heartbeat(db, kiosk, _ip(request), now)
    sections = await service.sections_of(db, kiosk.attempt)
    current = next((s for s in sections if s.status == "open"), None)
    return HeartbeatView(
        server_time=now,
        status=kiosk.attempt.status,
        paused=kiosk.paused,
        current_section_id=current.id if current else None,
        remaining_ms=clock.remaining_ms(current, now) if current else None,
    )


@router.post("/sections/{section_id}/submit", response_model=AttemptView, responses=ERRORS)
async def submit_section(section_id: int, kiosk: Kiosk, db: DbSession) -> AttemptView:
    now = service.utcnow()
    attempt = await service.submit_section(db, kiosk, section_id, now)
    return await presenters.attempt_view(
        db, KioskContext(AttemptRef.of(attempt), kiosk.sitting_status), now
    )


@router.post("/finish", response_model=AttemptView, responses=ERRORS)
async def finish(kiosk: Kiosk, db: DbSession) -> AttemptView:
    now = service.utcnow()
    attempt = await service.finish(db, kiosk, now)
    return await presenters.attempt_view(
        db, KioskContext(AttemptRef.of(attempt), kiosk.sitting_status), now
    )


@router.post("/logout", status_code=204, responses=ERRORS)
async def logout(kiosk: Kiosk, request: Request, db: DbSession) -> None:
    """The participant leaves this workstation ("Bukan saya", or after finishing): the kiosk
    token stops working and logging in again needs no proctor."""
    await service.logout(db, kiosk, _ip(request))
