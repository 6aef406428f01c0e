"""``GET /api/sittings/{id}/exports/{kind}.{format}``: a sitting's export as a streamed file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exports import psychometric, service
from cact.exports.columns import MEDIA_TYPES, Format, Kind
from cact.exports.psychometric import Tool
from cact.kit.db import DbSession

router = APIRouter(prefix="/api/sittings", tags=["exports"])


async def _chunks(
    sessionmaker: async_sessionmaker[AsyncSession], kind: str, sitting_id: int, fmt: str, bom: bool
) -> AsyncIterator[bytes]:
    # Its own session: the request's is closed before the response streams.
    async with sessionmaker() as session, session.begin():
        async for chunk in service.export_chunks(session, kind, sitting_id, fmt, bom=bom):
            yield chunk


@router.get(
    "/{sitting_id}/exports/{kind}.{fmt}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()}},
        404: {"description": "no such sitting"},
    },
)
async def export_sitting(
    sitting_id: int,
    kind: Kind,
    fmt: Format,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    """responses, results, matrix or audit of one sitting as CSV, XLSX or JSON Lines; the
    columns are documented in docs/exports.md."""
    code = await service.sitting_code(db, sitting_id)
    await audit.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "sitting.export",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        details={"kind": kind, "format": fmt},
    )
    chunks = _chunks(request.app.state.sessionmaker, kind, sitting_id, fmt, bom)
    name = service.filename(code, kind, fmt)
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{sitting_id}/exports/psychometric/{tool}.zip",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        404: {"description": "no such sitting"},
        409: {"description": "a weight that is not a one-digit whole number"},
    },
)
async def export_psychometric(
    sitting_id: int, tool: Tool, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    """The closed attempts' response matrix for Winsteps (data + control file), Quest (data +
    command file) or R mirt / eRm (CSV with NA + codebook), as a ZIP (docs/exports.md)."""
    name, body = await psychometric.export_zip(db, sitting_id, tool)
    await audit.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "sitting.export",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        details={"kind": tool, "format": "zip"},
    )
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
