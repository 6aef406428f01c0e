"""The audit log as a file: CSV (optionally with a UTF-8 BOM for Excel) or JSON Lines, streamed
oldest first in constant memory, with the same filters as the search."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit import service as audit
from cact.audit.models import AuditEvent
from cact.audit.repository import AuditRepository
from cact.audit.schemas import AuditFilter
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput

router = APIRouter(prefix="/api/audit", tags=["audit"])

COLUMNS = (
    "id",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "sitting_id",
    "ip",
    "reason",
    "details",
)
BATCH = 500
# A cell starting like a formula runs as one when the file is opened in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def export_statement(repository: AuditRepository, filters: AuditFilter) -> Select[Any]:
    """The search's filters, oldest first, plain columns (no ORM objects to keep)."""
    filtered = repository.filtered(filters)
    columns = [AuditEvent.__table__.c[name] for name in COLUMNS]
    return (
        filtered.with_only_columns(*columns)
        .order_by(None)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
        .execution_options(yield_per=BATCH)
    )


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: row[name].astimezone(UTC).isoformat() if name == "occurred_at" else row[name]
        for name in COLUMNS
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def _rows(
    sessionmaker: async_sessionmaker[AsyncSession], filters: AuditFilter
) -> AsyncIterator[dict[str, Any]]:
    # Its own session: the request's closes before the response streams.
    async with sessionmaker() as session:
        statement = export_statement(AuditRepository(session), filters)
        result = await session.stream(statement)
        async for row in result.mappings():
            yield _plain(row)


async def csv_chunks(rows: AsyncIterator[dict[str, Any]], *, bom: bool) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    async for row in rows:
        writer.writerow([_cell(row[name]) for name in COLUMNS])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def jsonl_chunks(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    lines: list[str] = []
    async for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        if len(lines) == BATCH:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


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
    await audit.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "audit.export",
        details={"format": format, "filters": filters.model_dump(mode="json", exclude_none=True)},
    )
    rows = _rows(request.app.state.sessionmaker, filters)
    chunks = csv_chunks(rows, bom=bom) if format == "csv" else jsonl_chunks(rows)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'},
    )
