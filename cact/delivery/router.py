"""Kiosk protocol v1, under /api/kiosk/v1 (SPEC §3.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from cact.delivery import answers, logins, presenters, service, starting
from cact.delivery.deps import Kiosk, bearer_hash, kiosk_context
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
from cact.kit.db import DbSession
from cact.kit.errors import error_response
from cact.kit.metrics import ANSWER_SAVES
from cact.kit.rawdb import raw_connection
from cact.reports.service import participant_summary
from cact.standards.models import Position

router = APIRouter(prefix="/api/kiosk/v1", tags=["kiosk protocol v1"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "bad or revoked kiosk token"},
    403: {"description": "another participant's attempt or item"},
    404: {"description": "unknown item or section in this attempt"},
    409: {
        "description": "section closed or attempt finished; `attempt_paused`: the proctor paused "
        "this attempt or the room (nothing is accepted until it resumes; heartbeat and "
        "GET /attempt still answer, with `paused: true`); `sitting_not_started`: the proctor "
        "has not started the sitting yet (POST /attempt/start: wait, then try again)"
    },
    422: {"description": "malformed body"},
    503: {"description": "no database connection in time: retry after `Retry-After` seconds"},
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
async def login(body: KioskLoginRequest, request: Request) -> KioskLoginResponse | JSONResponse:
    now = service.utcnow()
    limiter = request.app.state.kiosk_limiter
    async with raw_connection(request) as connection:
        quick = await logins.try_login(
            connection,
            limiter,
            participant_no=body.participant_no,
            token=body.token,
            secret=body.secret,
            ip=_ip(request),
            now=now,
        )
    if quick is not None:
        return _logged_in(
            now, quick.token, quick.attempt_id, quick.participant_no, quick.name, quick.position
        )
    # Every other outcome is decided, and recorded, by the service, in a session of its own.
    async with request.app.state.sessionmaker() as db, db.begin():
        try:
            logged_in = await service.login(
                db,
                limiter,
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
    return _logged_in(
        now,
        logged_in.token,
        logged_in.attempt.id,
        participant.participant_no,
        participant.name,
        position,
    )


def _logged_in(
    now: datetime,
    token: str,
    attempt_id: int,
    participant_no: str,
    name: str,
    position: str | None,
) -> KioskLoginResponse:
    return KioskLoginResponse(
        server_time=now,
        kiosk_token=token,
        attempt_id=attempt_id,
        participant=ParticipantView(name=name, participant_no=participant_no, position=position),
    )


@router.get("/attempt", response_model=AttemptView, responses=ERRORS)
async def get_attempt(request: Request) -> Response:
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        rows = await presenters.attempt_rows(connection, token_hash=token)
    results = None
    if presenters.is_closed(rows):  # the end screen: the participant's own levels, if shown
        async with request.app.state.sessionmaker() as db:
            results = await participant_summary(db, rows[0]["id"])
    return presenters.json_response(presenters.attempt_view(rows, now, results))


@router.post("/attempt/start", response_model=AttemptView, responses=ERRORS)
async def start_attempt(request: Request) -> Response:
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        attempt_id = await starting.start(connection, token, now)
        rows = await presenters.attempt_rows(connection, attempt_id=attempt_id)
    return presenters.json_response(presenters.attempt_view(rows, now))


@router.get("/sections/{section_id}", response_model=SectionView, responses=ERRORS)
async def get_section(section_id: int, request: Request) -> Response:
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        view = await presenters.section_view(connection, token, section_id, now)
    return presenters.json_response(view)


@router.put("/answers/{item_id}", response_model=AnswerAck, responses=ERRORS)
async def save_answer(item_id: int, body: AnswerRequest, request: Request) -> Response:
    """Idempotent: a save whose `seq` is not higher than the stored one is acknowledged with
    `applied: false` and changes nothing."""
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        saved = await answers.save(
            connection,
            token,
            item_id,
            option_id=body.option_id,
            doubtful=body.doubtful,
            seq=body.seq,
            now=now,
            grace=_grace(request),
            ip=_ip(request),
        )
    ANSWER_SAVES.labels(str(saved.applied).lower()).inc()
    # The hot path answers with its own JSON: response-model validation of a dict this
    # simple costs more than the statement (the schema still documents it).
    return presenters.json_response(
        {
            "server_time": now.isoformat(),
            "applied": saved.applied,
            "stored_seq": saved.stored_seq,
            "remaining_ms": saved.remaining_ms,
            "paused": saved.paused,
        }
    )


@router.post("/heartbeat", response_model=HeartbeatView, responses=ERRORS)
async def heartbeat(request: Request) -> Response:
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        beat = await answers.heartbeat(connection, token, now, _ip(request))
    return presenters.json_response(
        {
            "server_time": now.isoformat(),
            "status": beat.status,
            "paused": beat.paused,
            "current_section_id": beat.current_section_id,
            "remaining_ms": beat.remaining_ms,
        }
    )


@router.post("/sections/{section_id}/submit", response_model=AttemptView, responses=ERRORS)
async def submit_section(section_id: int, request: Request) -> Response:
    now = service.utcnow()
    token = bearer_hash(request)
    async with raw_connection(request) as connection:
        attempt_id = await starting.submit_plain(connection, token, section_id, now)
        if attempt_id is not None:  # the next section is open: the common case, one statement
            rows = await presenters.attempt_rows(connection, attempt_id=attempt_id)
            return presenters.json_response(presenters.attempt_view(rows, now))
    # The last section (the attempt closes and is scored), or a refusal: the service decides.
    async with request.app.state.sessionmaker() as db, db.begin():
        kiosk = await kiosk_context(request, db)
        attempt = await service.submit_section(db, kiosk, section_id, now)
        return presenters.json_response(await presenters.attempt_view_in(db, attempt.id, now))


@router.post("/finish", response_model=AttemptView, responses=ERRORS)
async def finish(kiosk: Kiosk, db: DbSession) -> Response:
    now = service.utcnow()
    attempt = await service.finish(db, kiosk, now)
    return presenters.json_response(await presenters.attempt_view_in(db, attempt.id, now))


@router.post("/logout", status_code=204, responses=ERRORS)
async def logout(kiosk: Kiosk, request: Request, db: DbSession) -> None:
    """The participant leaves this workstation ("Bukan saya", or after finishing): the kiosk
    token stops working and logging in again needs no proctor."""
    await service.logout(db, kiosk, _ip(request))
