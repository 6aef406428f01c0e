"""The sent / acknowledged status as page fragments: the room's dashboard and the office's
programme page fetch them (``/static/staff/transfer.js``); those pages live in layers that do
not read the packages' tables."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cact.auth.deps import AdminUser, ProctorUser
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.pages import clock, error_page
from cact.kit.templates import render
from cact.packages import sent
from cact.proctoring.deps import check_sitting
from cact.proctoring.repository import DashboardRepository
from cact.rooms.schemas import PathId

router = APIRouter(include_in_schema=False)


def _fragment(request: Request, name: str, context: dict[str, object]) -> HTMLResponse:
    response = render(request, f"packages/{name}", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/proctor/sittings/{sitting_id}/transfer")
async def sitting_transfer(
    sitting_id: PathId, user: ProctorUser, request: Request, db: DbSession
) -> HTMLResponse:
    """ "Hasil terkirim / diakui": the room's results (and the wave it received), in its zone."""
    try:
        await check_sitting(db, user, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    found = await DashboardRepository(db).sitting_with_room(sitting_id)
    assert found is not None  # check_sitting found it
    sitting, room = found
    (row,) = await sent.transfers(db, [sitting])
    context = {"row": row, "sitting": sitting, **clock(room.time_zone)}
    return _fragment(request, "_sitting_transfer.html", context)


@router.get("/admin/programmes/{programme_id}/transfer")
async def programme_transfer(
    programme_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    """Per sitting of the programme: the wave sent / acknowledged, the results received; and
    "status terupload semua" once every sitting's results are in."""
    rows, all_in = await sent.programme_transfers(db, programme_id)
    context = {"rows": rows, "all_in": all_in, **clock()}
    return _fragment(request, "_programme_transfer.html", context)
