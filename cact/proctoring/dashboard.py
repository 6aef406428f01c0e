"""The room dashboard's view model: one tile per seat taken, the counters on top, the sitting.

The tile status is decided here and only here. The one change that comes with time alone (a
working kiosk that goes quiet for ``DISCONNECTED_AFTER`` is disconnected) travels in the tile as
``status_changes`` (when, and to what), so the page only shows what the server decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam import clock
from cact.exam.models import Sitting
from cact.exam.service import SittingNotFound
from cact.exam.statuses import (
    CLOSED_ATTEMPT,
    AttemptStatus,
    Attendance,
    SectionStatus,
    SittingStatus,
)
from cact.kit.timezones import Zone
from cact.lockdown.repository import BrowserRefusalRepository, Shown
from cact.proctoring.repository import (
    AuditLine,
    DashboardRepository,
    LoginFailures,
    Progress,
    RosterRow,
    SectionRow,
)
from cact.rooms.models import Room, Seat

DISCONNECTED_AFTER = timedelta(seconds=45)
# Wrong kiosk logins show on the tile while the last one is this recent (or while it waits).
LOGIN_FAILURES_SHOWN = timedelta(minutes=30)
# In the order the dashboard lists them; each has a label "proctor.status.<name>".
STATUSES = ("not_logged_in", "ready", "working", "paused", "disconnected", "finished", "absent")
COUNTERS = (
    "registered",
    "logged_in",
    "working",
    "paused",
    "finished",
    "disconnected",
    "absent",
    "not_logged_in",
)
RECENT_INCIDENTS = 20


def tile_status(
    *,
    attempt_status: str | None,
    paused: bool,
    attendance: str,
    logged_in: bool,
    last_active: datetime | None,
    now: datetime,
) -> str:
    """belum login / siap mulai / mengerjakan / jeda / terputus / selesai / tidak hadir."""
    if attempt_status in CLOSED_ATTEMPT:
        return "finished"
    if attempt_status == AttemptStatus.IN_PROGRESS:
        if paused:
            return "paused"
        if last_active is None or now - last_active > DISCONNECTED_AFTER:
            return "disconnected"
        return "working"
    if attendance == Attendance.ABSENT:
        return "absent"
    return "ready" if logged_in else "not_logged_in"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class Tile:
    enrollment_id: int
    attempt_id: int | None
    seat_id: int | None
    seat_label: str | None
    grid_row: int | None
    grid_col: int | None
    name: str
    number: str
    attendance: str
    attempt_status: str | None
    paused: bool  # the attempt's own pause, or the whole room's
    attempt_paused: bool
    logged_in: bool
    ever_logged_in: bool
    answered: int
    items: int
    section_title: str | None
    section_position: int | None
    section_count: int
    remaining_ms: int | None
    counting: bool
    as_of: datetime
    break_remaining_ms: int | None  # a break before the next section is running (issue 13)
    last_seen_at: datetime | None
    last_active_at: datetime | None
    ip: str | None
    reset_requested_at: datetime | None
    close_reason: str | None
    login_failures: LoginFailures | None = None
    browser_refusal: Shown | None = None  # refused for its browser since its latest login

    def status(self, now: datetime) -> str:
        return tile_status(
            attempt_status=self.attempt_status,
            paused=self.paused,
            attendance=self.attendance,
            logged_in=self.logged_in,
            last_active=self.last_active_at,
            now=now,
        )

    def status_changes(self, now: datetime) -> dict[str, str] | None:
        """When a working tile turns disconnected if nothing is heard from the kiosk."""
        if self.status(now) != "working" or self.last_active_at is None:
            return None
        return {"at": iso(self.last_active_at + DISCONNECTED_AFTER) or "", "to": "disconnected"}

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "enrollment_id": self.enrollment_id,
            "attempt_id": self.attempt_id,
            "seat": None
            if self.seat_id is None
            else {
                "id": self.seat_id,
                "label": self.seat_label,
                "row": self.grid_row,
                "col": self.grid_col,
            },
            "name": self.name,
            "number": self.number,
            "status": self.status(now),
            "status_changes": self.status_changes(now),
            "attendance": self.attendance,
            "attempt_status": self.attempt_status,
            "paused": self.paused,
            "attempt_paused": self.attempt_paused,
            "logged_in": self.logged_in,
            "ever_logged_in": self.ever_logged_in,
            "answered": self.answered,
            "items": self.items,
            "section": None
            if self.section_position is None
            else {
                "title": self.section_title,
                "position": self.section_position,
                "count": self.section_count,
            },
            "remaining_ms": self.remaining_ms,
            "counting": self.counting,
            "break_remaining_ms": self.break_remaining_ms,
            "as_of": iso(self.as_of),
            "last_seen_at": iso(self.last_seen_at),
            "last_active_at": iso(self.last_active_at),
            "ip": self.ip,
            "reset_requested": self.reset_requested_at is not None,
            "reset_requested_at": iso(self.reset_requested_at),
            "close_reason": self.close_reason,
            "login_failures": None
            if self.login_failures is None
            else {
                "count": self.login_failures.count,
                "last_at": iso(self.login_failures.last_at),
                "blocked_until": iso(self.login_failures.blocked_until),
            },
            "browser_refused": None
            if self.browser_refusal is None
            else {
                "reason": self.browser_refusal.reason,
                "at": iso(self.browser_refusal.refused_at),
                "count": self.browser_refusal.count,
            },
        }


def _current(sections: list[SectionRow]) -> SectionRow | None:
    """The running section; during a break the next one; before the start the first one;
    after the end none."""
    running = next((s for s in sections if s.section.status == SectionStatus.OPEN), None)
    if running is not None:
        return running
    resting = next((s for s in sections if clock.in_break(s.section)), None)
    if resting is not None:  # between sections: the one that comes next
        return resting
    if sections and all(s.section.status == SectionStatus.PENDING for s in sections):
        return sections[0]
    return None


def build_tile(
    row: RosterRow,
    progress: Progress | None,
    sections: list[SectionRow],
    sitting_status: str,
    now: datetime,
    failures: LoginFailures | None = None,
) -> Tile:
    closed = row.attempt_status in CLOSED_ATTEMPT
    current = None if closed else _current(sections)
    saved = progress.last_saved_at if progress else None
    active = max((m for m in (row.last_seen_at, saved) if m is not None), default=None)
    section = current.section if current else None
    return Tile(
        enrollment_id=row.enrollment_id,
        attempt_id=row.attempt_id,
        seat_id=row.seat_id,
        seat_label=row.seat_label,
        grid_row=row.grid_row,
        grid_col=row.grid_col,
        name=row.name,
        number=row.participant_no,
        attendance=row.attendance,
        attempt_status=row.attempt_status,
        paused=not closed and (row.paused or sitting_status == SittingStatus.PAUSED),
        attempt_paused=not closed and row.paused,
        logged_in=row.logged_in,
        ever_logged_in=row.ever_logged_in,
        answered=progress.answered if progress else 0,
        items=progress.items if progress else 0,
        section_title=current.title if current else None,
        section_position=section.position if section else None,
        section_count=len(sections),
        remaining_ms=clock.remaining_ms(section, now) if section else None,
        counting=bool(
            section and section.status == SectionStatus.OPEN and section.paused_at is None
        ),
        as_of=now,
        break_remaining_ms=clock.break_remaining_ms(section, now) if section else None,
        last_seen_at=row.last_seen_at,
        last_active_at=active,
        ip=row.last_ip,
        reset_requested_at=row.reset_requested_at,
        close_reason=row.close_reason,
        login_failures=failures,
    )


async def _failures(
    repository: DashboardRepository, roster: list[RosterRow], now: datetime
) -> dict[str, LoginFailures]:
    numbers = [row.participant_no for row in roster]
    return await repository.login_failures(numbers, now - LOGIN_FAILURES_SHOWN)


def counters(tiles: Iterable[Tile], now: datetime) -> dict[str, int]:
    listed = list(tiles)
    by_status = Counter(t.status(now) for t in listed)
    counted = {name: by_status.get(name, 0) for name in COUNTERS}
    counted["registered"] = len(listed)
    counted["logged_in"] = sum(1 for t in listed if t.ever_logged_in)
    return counted


def sitting_json(sitting: Sitting, room: Room) -> dict[str, Any]:
    return {
        "id": sitting.id,
        "code": sitting.code,
        "title": sitting.title,
        "status": sitting.status,
        "token": sitting.token,
        "previous_token": sitting.previous_token,
        "previous_token_valid_until": iso(sitting.previous_token_valid_until),
        "token_released_at": iso(sitting.token_released_at),
        "starts_at": iso(sitting.starts_at),
        "opened_at": iso(sitting.opened_at),
        "paused_at": iso(sitting.paused_at),
        "closed_at": iso(sitting.closed_at),
        "room": {"id": room.id, "code": room.code, "name": room.name},
        # The dashboard shows the room's clock, never the browser's zone.
        "time_zone": Zone(room.time_zone).as_json(),
    }


def seat_json(seat: Seat) -> dict[str, Any]:
    return {"id": seat.id, "label": seat.label, "row": seat.grid_row, "col": seat.grid_col}


def incident_json(line: AuditLine) -> dict[str, Any]:
    attempt = line.target_id if line.target_type == "attempt" else None
    return {
        "at": iso(line.occurred_at),
        "by": line.actor,
        "note": line.reason,
        "attempt_id": int(attempt) if attempt and attempt.isdigit() else None,
    }


@dataclass
class Snapshot:
    """Everything the dashboard shows, as of ``loaded_at``; tiles by enrollment."""

    sitting: dict[str, Any]
    seats: list[dict[str, Any]]
    tiles: dict[int, Tile]
    incidents: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, tiles: Iterable[Tile]) -> None:
        for tile in tiles:
            self.tiles[tile.enrollment_id] = tile

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "sitting": self.sitting,
            "seats": self.seats,
            "tiles": [t.as_json(now) for t in self.tiles.values()],
            "counters": counters(self.tiles.values(), now),
            "incidents": self.incidents,
            "disconnected_after_ms": int(DISCONNECTED_AFTER.total_seconds() * 1000),
        }


async def load_sitting(db: AsyncSession, sitting_id: int) -> dict[str, Any]:
    found = await DashboardRepository(db).sitting_with_room(sitting_id)
    if found is None:
        raise SittingNotFound()
    return sitting_json(*found)


async def load_incidents(db: AsyncSession, sitting_id: int) -> list[dict[str, Any]]:
    lines = await DashboardRepository(db).audit_lines(
        sitting_id, ("sitting.incident",), newest_first=True
    )
    return [incident_json(line) for line in lines[:RECENT_INCIDENTS]]


async def load_snapshot(db: AsyncSession, sitting_id: int, now: datetime) -> Snapshot:
    repository = DashboardRepository(db)
    found = await repository.sitting_with_room(sitting_id)
    if found is None:
        raise SittingNotFound()
    sitting, room = found
    roster = await repository.roster(sitting_id)
    progress = await repository.progress(sitting_id)
    sections = await repository.sections(sitting_id)
    failures = await _failures(repository, roster, now)
    tiles = [
        build_tile(
            row,
            progress.get(row.attempt_id) if row.attempt_id else None,
            sections.get(row.attempt_id, []) if row.attempt_id else [],
            sitting.status,
            now,
            failures.get(row.participant_no),
        )
        for row in roster
    ]
    tiles = await _with_refusals(db, sitting_id, tiles, None)
    return Snapshot(
        sitting=sitting_json(sitting, room),
        seats=[seat_json(s) for s in await repository.seats(room.id)],
        tiles={t.enrollment_id: t for t in tiles},
        incidents=await load_incidents(db, sitting_id),
    )


async def load_tiles(
    db: AsyncSession,
    sitting_id: int,
    now: datetime,
    *,
    attempt_ids: Collection[int] = (),
    enrollment_ids: Collection[int] = (),
) -> list[Tile]:
    """The tiles of these attempts and enrollments, in one pass for the whole batch."""
    repository = DashboardRepository(db)
    sitting_status = await repository.sitting_status(sitting_id)
    if sitting_status is None:
        return []
    roster = await repository.roster(
        sitting_id, attempt_ids=attempt_ids, enrollment_ids=enrollment_ids
    )
    ids = [row.attempt_id for row in roster if row.attempt_id is not None]
    progress = await repository.progress(sitting_id, ids)
    sections = await repository.sections(sitting_id, ids)
    failures = await _failures(repository, roster, now)
    tiles = [
        build_tile(
            row,
            progress.get(row.attempt_id) if row.attempt_id else None,
            sections.get(row.attempt_id, []) if row.attempt_id else [],
            sitting_status,
            now,
            failures.get(row.participant_no),
        )
        for row in roster
    ]
    return await _with_refusals(db, sitting_id, tiles, ids)


async def _with_refusals(
    db: AsyncSession, sitting_id: int, tiles: list[Tile], attempt_ids: list[int] | None
) -> list[Tile]:
    """Mark the tiles whose kiosk was refused for its browser (issue 22)."""
    refused = await BrowserRefusalRepository(db).shown(sitting_id, attempt_ids)
    if not refused:
        return tiles
    return [
        replace(t, browser_refusal=refused[t.attempt_id])
        if t.attempt_id is not None and t.attempt_id in refused
        else t
        for t in tiles
    ]
