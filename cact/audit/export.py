"""The audit log as files: its stable columns, CSV safe from spreadsheet formulas, JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC
from typing import Any

from sqlalchemy import Select

from cact.audit.models import AuditEvent
from cact.audit.repository import AuditRepository
from cact.audit.schemas import AuditFilter

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


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
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
