from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pagination import Page, Pagination
from cact.standards import service
from cact.standards.schemas import ImportReport, PositionDetail, PositionRead
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(tags=["positions and standards"])

StandardsFile = Annotated[UploadFile, File(description="CSV or XLSX, one row per position")]


@router.post(
    "/api/standards/import",
    max_body_size=UPLOAD_BODY_BYTES,
    response_model=ImportReport,
    responses={422: {"description": "every problem with its row and column; nothing saved"}},
)
async def import_standards(
    admin: AdminUser, request: Request, db: DbSession, file: StandardsFile
) -> ImportReport:
    """All or nothing: positions are created or updated, each one's standard replaced."""
    # One byte past the limit: enough to know it is too large without holding more.
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    name = file.filename or "standards.csv"
    rows = await service.parse_file(db, name, data)
    return await service.import_standards(
        db, rows, Actor.staff(admin, client_ip(request)), source=name
    )


@router.get("/api/positions", response_model=Page[PositionRead])
async def list_positions(_: AdminUser, db: DbSession, page: Pagination) -> Page[PositionRead]:
    positions, total = await service.list_positions(db, limit=page.limit, offset=page.offset)
    return Page(
        items=[PositionRead.model_validate(p) for p in positions],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/api/positions/{position_id}", response_model=PositionDetail)
async def get_position(position_id: int, _: AdminUser, db: DbSession) -> PositionDetail:
    return await service.get_position(db, position_id)
