"""Admin page for one sitting's exports: a download link for every kind × format, the item-analysis
tables, the psychometric tools' ZIPs, and how many attempts are closed, so that the admin knows
whether the files are final."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.export import COLUMNS as AUDIT_COLUMNS
from cact.auth.deps import AdminUser
from cact.exam.models import Sitting
from cact.exam.statuses import SittingStatus
from cact.exports import columns
from cact.exports.psychometric import TOOLS
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.pages import admin_page, error_page
from cact.proctoring import printables
from cact.proctoring.repository import RosterRow
from cact.rooms.schemas import PathId

router = APIRouter(include_in_schema=False)

# (key, extension, query): "csv_bom" is the CSV that Excel opens with the right characters.
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("csv", "csv", ""),
    ("csv_bom", "csv", "?bom=true"),
    ("csv_id", "csv-id", ""),
    ("xlsx", "xlsx", ""),
    ("jsonl", "jsonl", ""),
)
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "responses": columns.RESPONSES,
    "results": columns.RESULTS,
    "matrix": columns.MATRIX_FIXED,
    "audit": (*AUDIT_COLUMNS, *columns.AUDIT_LOCAL),
}
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "items": columns.ITEM_ANALYSIS,
    "scales": columns.SCALE_ANALYSIS,
}


@dataclass(frozen=True)
class AttemptCounts:
    """The sitting's attempts (one per enrolled participant once it is opened) by status."""

    total: int
    submitted: int
    expired: int
    terminated: int
    in_progress: int

    @property
    def closed(self) -> int:
        return self.submitted + self.expired + self.terminated

    @property
    def analysed(self) -> int:
        """What item analysis counts: submitted or expired (terminated attempts are left out)."""
        return self.submitted + self.expired

    @property
    def not_started(self) -> int:
        return self.total - self.closed - self.in_progress


def count_attempts(roster: Iterable[RosterRow]) -> AttemptCounts:
    statuses = Counter(row.attempt_status for row in roster if row.attempt_id is not None)
    return AttemptCounts(
        total=sum(statuses.values()),
        submitted=statuses["submitted"],
        expired=statuses["expired"],
        terminated=statuses["terminated"],
        in_progress=statuses["in_progress"],
    )


async def sitting_progress(db: AsyncSession, sitting_id: int) -> tuple[Sitting, AttemptCounts]:
    """The sitting (404 when unknown) and its attempts counted by status."""
    header, roster = await printables.attendance(db, sitting_id, datetime.now(UTC))
    return header.sitting, count_attempts(roster)


def downloads(base: str) -> list[dict[str, str]]:
    """One link per format of the file at ``base`` (a path without its extension)."""
    return [{"key": key, "href": f"{base}.{ext}{query}"} for key, ext, query in DOWNLOADS]


def _files(sitting_id: int) -> dict[str, Any]:
    exports = f"/api/sittings/{sitting_id}/exports"
    analysis = f"/api/sittings/{sitting_id}/item-analysis"
    return {
        "kinds": [
            {"kind": kind, "columns": KIND_COLUMNS[kind], "links": downloads(f"{exports}/{kind}")}
            for kind in columns.KINDS
        ],
        "tables": [
            {"table": table, "columns": names, "links": downloads(f"{analysis}/{table}")}
            for table, names in TABLE_COLUMNS.items()
        ],
        "psychometric": [
            {"tool": tool, "href": f"{exports}/psychometric/{tool}.zip"} for tool in TOOLS
        ],
    }


@router.get("/admin/sittings/{sitting_id}/exports")
async def exports_page(
    sitting_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        sitting, counts = await sitting_progress(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    return admin_page(
        request,
        "exports.html",
        "sittings",
        sitting=sitting,
        counts=counts,
        final=sitting.status == SittingStatus.CLOSED,
        **_files(sitting_id),
    )
