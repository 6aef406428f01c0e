"""The proctor's pages: the sittings assigned to them, the live room dashboard, and the
printables. Each page refuses a sitting that is not the proctor's (admins see every sitting)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.auth.deps import ProctorUser
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import catalogue, request_language
from cact.kit.templates import render
from cact.proctoring import printables, stream
from cact.proctoring.dashboard import COUNTERS, DISCONNECTED_AFTER, STATUSES, load_sitting
from cact.proctoring.deps import assigned_sittings, check_sitting
from cact.proctoring.repository import DashboardRepository

router = APIRouter()


def _refused(request: Request, error: CactError) -> HTMLResponse:
    """The error page in the reader's language (domain messages read "Indonesian. / English.")."""
    halves = str(error.detail).split(" / ", 1)
    lang = request_language(request)
    detail = halves[1] if lang == "en" and len(halves) == 2 else halves[0]
    context = {"status": error.status, "detail": detail}
    return render(request, "staff/error.html", context, status_code=error.status)


@router.get("/proctor", include_in_schema=False)
async def sitting_list(user: ProctorUser, request: Request, db: DbSession) -> HTMLResponse:
    sittings = await assigned_sittings(db, user)
    repository = DashboardRepository(db)
    rooms = await repository.sittings_with_rooms([s.id for s in sittings])
    zones = await repository.time_zones([s.id for s in sittings])
    rows = [
        {
            "id": s.id,
            "code": s.code,
            "title": s.title,
            "status": s.status,
            "starts": printables.long_date(s.starts_at, zones.get(s.id))
            + " "
            + printables.clock_time(s.starts_at, zones.get(s.id)),
            "room": rooms.get(s.id, ("", 0))[0],
            "registered": rooms.get(s.id, ("", 0))[1],
        }
        for s in sittings
    ]
    return render(request, "proctor/sittings.html", {"sittings": rows})


@router.get("/proctor/sittings/{sitting_id}", include_in_schema=False)
async def dashboard(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        await check_sitting(db, user, sitting_id)
    except CactError as exc:
        return _refused(request, exc)
    sitting = await load_sitting(db, sitting_id)
    lang = request_language(request)
    base = f"/api/proctor/sittings/{sitting_id}"
    config = {
        "sitting_id": sitting_id,
        "lang": lang,
        "events_url": f"{base}/events",
        "tiles_url": f"{base}/tiles",
        "sitting_url": base,
        "attempts_url": "/api/proctor/attempts",
        "kiosk_url": str(request.base_url).rstrip("/") + "/kiosk",
        "disconnected_after_ms": int(DISCONNECTED_AFTER.total_seconds() * 1000),
        "statuses": list(STATUSES),
        "counters": list(COUNTERS),
        # Individual reports are the admin's (results): the tile links there only for them.
        "reports_url": "/reports/attempts" if user.has_role("admin") else None,
    }
    messages = {k: v for k, v in catalogue(lang).items() if k.startswith(("proctor.", "state."))}
    response = render(
        request,
        "proctor/dashboard.html",
        {"sitting": sitting, "config": config, "messages": messages, "statuses": STATUSES},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/proctor/sittings/{sitting_id}/print/attendance", include_in_schema=False)
async def print_attendance(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> HTMLResponse:
    """Daftar hadir: the roster in seat order with a signature column."""
    try:
        await check_sitting(db, user, sitting_id)
    except CactError as exc:
        return _refused(request, exc)
    header, roster = await printables.attendance(db, sitting_id, stream.utcnow())
    return render(
        request,
        "proctor/print_attendance.html",
        {"h": header, "rows": roster, "fmt": printables.Formats(header.room.time_zone)},
    )


@router.get("/proctor/sittings/{sitting_id}/print/report", include_in_schema=False)
async def print_report(
    sitting_id: int, user: ProctorUser, request: Request, db: DbSession
) -> HTMLResponse:
    """Berita acara: the sitting, its times, head counts, incidents and the proctors' actions."""
    try:
        await check_sitting(db, user, sitting_id)
    except CactError as exc:
        return _refused(request, exc)
    report = await printables.event_report(db, sitting_id, stream.utcnow())
    return render(
        request,
        "proctor/print_report.html",
        {"r": report, "h": report.header, "fmt": printables.Formats(report.header.room.time_zone)},
    )


@router.get("/proctor/sittings/{sitting_id}/print/cards", include_in_schema=False)
async def print_cards(
    sitting_id: int,
    user: ProctorUser,
    request: Request,
    db: DbSession,
    token: bool = False,
) -> HTMLResponse:
    """Login cards to cut out; the token is printed only when asked for (``?token=1``)."""
    try:
        await check_sitting(db, user, sitting_id)
    except CactError as exc:
        return _refused(request, exc)
    header, roster = await printables.attendance(db, sitting_id, stream.utcnow())
    context = {
        "h": header,
        "rows": roster,
        "fmt": printables.Formats(header.room.time_zone),
        "token": header.sitting.token if token else None,
        "kiosk_url": str(request.base_url).rstrip("/") + "/kiosk",
    }
    return render(request, "proctor/print_cards.html", context)
