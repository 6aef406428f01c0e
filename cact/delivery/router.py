"""Kiosk protocol v1, under /api/kiosk/v1 (SPEC §3.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cact.delivery import calls, presenters, service
from cact.delivery.deps import BrowserChecked, Kiosk, bearer_hash, browser_gate_of
from cact.delivery.presenters import json_response
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
from cact.lockdown.service import request_facts

router = APIRouter(prefix="/api/kiosk/v1", tags=["kiosk protocol v1"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "bad or revoked kiosk token"},
    404: {"description": "unknown item or section in this attempt"},
    409: {
        "description": "section closed or attempt finished; `attempt_paused`: the proctor paused "
        "this attempt or the room (nothing is accepted until it resumes; heartbeat and "
        "GET /attempt still answer, with `paused: true`); `sitting_not_started`: the proctor "
        "has not started the sitting yet (POST /attempt/start: wait, then try again); "
        "`section_not_started`: that section has not started (during a break between sections "
        "only the section in `current_section_id` may be asked for: GET /sections/{id} or "
        "POST /attempt/start starts it)"
    },
    403: {
        "description": "`not_your_attempt`: another participant's attempt or item; "
        "`browser_not_allowed`: the sitting requires a lockdown browser (Safe Exam Browser or an "
        "Exam Browser app) and this request does not come from it; `detail` is an object "
        "{`required`: `seb` | `exam_app`, `reason`, `message`, `message_id`, `message_en`}"
    },
    422: {"description": "malformed body"},
    503: {"description": "no database connection in time: retry after `Retry-After` seconds"},
}


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _grace(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.save_grace_seconds)


def _stores(request: Request) -> calls.Stores:
    state = request.app.state
    return calls.Stores(state.raw_connections, state.sessionmaker, state.touches, state.logins)


@router.post(
    "/login",
    response_model=KioskLoginResponse,
    responses={
        401: {"description": "wrong number, token or second factor"},
        403: {
            "description": "`browser_not_allowed`: the sitting requires a lockdown browser; "
            "`detail` {`required`, `reason`, `message`, `message_id`, `message_en`}"
        },
        409: {"description": "already logged in elsewhere: a proctor's reset is needed"},
        429: {"description": "too many tries"},
    },
)
async def login(body: KioskLoginRequest, request: Request) -> KioskLoginResponse:
    now = service.utcnow()
    done = await calls.login(
        _stores(request),
        request.app.state.kiosk_limiter,
        participant_no=body.participant_no,
        token=body.token,
        secret=body.secret,
        ip=_ip(request),
        now=now,
        gate=(gate := browser_gate_of(request)),
        facts=request_facts(request, gate.base_url),
    )
    return login_view(done, now)


def login_view(done: calls.LoggedIn, now: datetime) -> KioskLoginResponse:
    return KioskLoginResponse(
        server_time=now,
        kiosk_token=done.token,
        attempt_id=done.attempt_id,
        participant=ParticipantView(
            name=done.name, participant_no=done.participant_no, position=done.position
        ),
    )


@router.get("/attempt", response_model=AttemptView, responses=ERRORS, dependencies=[BrowserChecked])
async def get_attempt(request: Request) -> Response:
    now = service.utcnow()
    return json_response(await calls.attempt(_stores(request), bearer_hash(request), now))


@router.post(
    "/attempt/start", response_model=AttemptView, responses=ERRORS, dependencies=[BrowserChecked]
)
async def start_attempt(request: Request) -> Response:
    """Starts the first section's clock once the proctor has started the sitting; during a
    break between sections, the participant's click that starts the next one (its clock from
    now, or from the break's end if that came first). Otherwise changes nothing."""
    now = service.utcnow()
    return json_response(await calls.start(_stores(request), bearer_hash(request), now))


@router.get(
    "/sections/{section_id}",
    response_model=SectionView,
    responses=ERRORS,
    dependencies=[BrowserChecked],
)
async def get_section(section_id: int, request: Request) -> Response:
    """The section's items and stored answers. Asked for the section waiting behind a break
    (`current_section_id`), this is the participant's click that starts it."""
    now = service.utcnow()
    view = await calls.section(_stores(request), bearer_hash(request), section_id, now)
    return json_response(view)


@router.put(
    "/answers/{item_id}", response_model=AnswerAck, responses=ERRORS, dependencies=[BrowserChecked]
)
async def save_answer(item_id: int, body: AnswerRequest, request: Request) -> Response:
    """Idempotent: a save whose `seq` is not higher than the stored one is acknowledged with
    `applied: false` and changes nothing."""
    ack = await calls.save(
        _stores(request),
        bearer_hash(request),
        item_id,
        option_id=body.option_id,
        doubtful=body.doubtful,
        seq=body.seq,
        now=service.utcnow(),
        grace=_grace(request),
        ip=_ip(request),
    )
    # The hot path answers with its own JSON: response-model validation of a dict this
    # simple costs more than the statement (the schema still documents it).
    return json_response(ack)


@router.post(
    "/heartbeat", response_model=HeartbeatView, responses=ERRORS, dependencies=[BrowserChecked]
)
async def heartbeat(request: Request) -> Response:
    now = service.utcnow()
    beat = await calls.heartbeat(_stores(request), bearer_hash(request), now, _ip(request))
    return json_response(beat)


@router.post(
    "/sections/{section_id}/submit",
    response_model=AttemptView,
    responses=ERRORS,
    dependencies=[BrowserChecked],
)
async def submit_section(section_id: int, request: Request) -> Response:
    now = service.utcnow()
    view = await calls.submit_section(_stores(request), bearer_hash(request), section_id, now)
    return json_response(view)


@router.post("/finish", response_model=AttemptView, responses=ERRORS, dependencies=[BrowserChecked])
async def finish(kiosk: Kiosk, db: DbSession) -> Response:
    now = service.utcnow()
    attempt = await service.finish(db, kiosk, now)
    return json_response(await presenters.attempt_view_in(db, attempt.id, now))


@router.post("/logout", status_code=204, responses=ERRORS)
async def logout(kiosk: Kiosk, request: Request, db: DbSession) -> None:
    """The participant leaves this workstation ("Bukan saya", or after finishing): the kiosk
    token stops working and logging in again needs no proctor."""
    await service.logout(db, kiosk, _ip(request))
