"""Roster import over the API: one CSV/XLSX file into the register and onto a sitting's roster."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.participants.schemas import RosterReport
from cact.rooms.schemas import MAX_ID
from cact.rosters import service
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(prefix="/api/participants", tags=["participants"])

RosterFile = Annotated[UploadFile, File(description="CSV or XLSX, one row per participant")]


class RosterRejected(InvalidInput):
    code = "invalid_roster"
    message = (
        "Berkas peserta tidak valid; tidak ada yang disimpan. / Invalid roster file; nothing saved."
    )


@router.post(
    "/import",
    max_body_size=UPLOAD_BODY_BYTES,
    response_model=RosterReport,
    responses={422: {"description": "every problem with its row and column; nothing saved"}},
)
async def import_roster(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: RosterFile,
    sitting_id: Annotated[
        int | None, Form(ge=1, le=MAX_ID, description="enrol everyone in this sitting")
    ] = None,
    dry_run: Annotated[bool, Form(description="check and report; save nothing")] = False,
) -> RosterReport:
    """All or nothing. Registered participants (same number, else same NIP) are updated; with
    ``sitting_id`` everyone is enrolled, on the seat the file names or the next free one."""
    # One byte past the limit: enough to know it is too large without holding more.
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    report = await service.import_roster(
        db,
        data,
        file.filename or "roster.csv",
        sitting_id=sitting_id,
        actor=Actor.staff(admin, client_ip(request)),
        dry_run=dry_run,
    )
    if not report.valid:
        raise RosterRejected([p.model_dump(exclude_none=True) for p in report.problems])
    return report
