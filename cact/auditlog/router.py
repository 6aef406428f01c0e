"""The audit log for admins: search it and take it out as a file (CSV or JSON Lines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit import export, service
from cact.audit.repository import AuditRepository
from cact.audit.schemas import AuditEventRead, AuditFilter
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput
from cact.kit.pagination import Page, Pagination

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventRead])
async def list_audit_events(
    _: AdminUser,
    session: DbSession,
    page: Pagination,
    filters: Annotated[AuditFilter, Query()],
) -> Page[AuditEventRead]:
    events, total = await service.search(session, filters, limit=page.limit, offset=page.offset)
    return Page(
        items=[AuditEventRead.model_validate(e) for e in events],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def _rows(
    sessionmaker: async_sessionmaker[AsyncSession], filters: AuditFilter
) -> AsyncIterator[dict[str, Any]]:
    # Its own session: the request's closes before the response streams.
    async with sessionmaker() as session:
        statement = export.export_statement(AuditRepository(session), filters)
        result = await session.stream(statement)
        async for row in result.mappings():
            yield export.plain(row)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
async def export_audit_log(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    filters: Annotated[AuditFilter, Query()],
    format: Literal["csv", "jsonl"] = "csv",
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    """Every matching event, oldest first; the same filters as ``GET /api/audit``."""
    # Refused now: once the stream has begun, a database error can only cut it short.
    if filters.sitting_id is not None and not 0 < filters.sitting_id < 2**63:
        raise InvalidInput("sitting_id is out of range.")
    if any(isinstance(v, str) and "\x00" in v for v in filters.model_dump().values()):
        raise InvalidInput("A filter contains a NUL character.")
    await service.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "audit.export",
        details={"format": format, "filters": filters.model_dump(mode="json", exclude_none=True)},
    )
    rows = _rows(request.app.state.sessionmaker, filters)
    chunks = export.csv_chunks(rows, bom=bom) if format == "csv" else export.jsonl_chunks(rows)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        chunks,
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'},
    )
