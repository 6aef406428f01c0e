"""What a proctor prints for the room: daftar hadir, berita acara and login cards (Bahasa
Indonesia, A4). Plain view models; the templates only lay them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Sitting
from cact.exam.service import SittingNotFound
from cact.exam.statuses import CLOSED_ATTEMPT, FINISHED_ATTEMPT, AttemptStatus
from cact.kit import timezones
from cact.kit.timezones import default_zone
from cact.proctoring.repository import ROOM_ACTIONS, AuditLine, DashboardRepository, RosterRow
from cact.rooms.models import Room

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ACTION_LABELS = {
    "sitting.open": "Sesi dibuka, token dirilis",
    "sitting.start": "Ujian dimulai",
    "sitting.pause": "Seluruh ruangan dijeda",
    "sitting.resume": "Seluruh ruangan dilanjutkan",
    "sitting.close": "Sesi ditutup",
    "attempt.pause": "Peserta dijeda",
    "attempt.resume": "Peserta dilanjutkan",
    "attempt.extra_time": "Tambahan waktu",
    "attempt.terminate": "Ujian peserta dihentikan",
    "attempt.reset_login": "Reset login peserta",
    "enrollment.absent": "Ditandai tidak hadir",
    "enrollment.move_seat": "Pindah kursi",
}


def local(moment: datetime | None, zone: str | None = None) -> datetime | None:
    """The room's wall clock: what the people in the room read (default zone without a room)."""
    return timezones.local(moment, zone or default_zone()) if moment is not None else None


def long_date(moment: datetime | None, zone: str | None = None) -> str:
    """ "Senin, 23 November 2026"."""
    at = local(moment, zone)
    if at is None:
        return "—"
    return f"{DAYS[at.weekday()]}, {at.day} {MONTHS[at.month - 1]} {at.year}"


def clock_time(moment: datetime | None, zone: str | None = None) -> str:
    """ "08.30 WITA" (Indonesian writes a full stop between hours and minutes)."""
    at = local(moment, zone)
    if at is None or moment is None:
        return "—"
    return f"{at.strftime('%H.%M')} {timezones.label(zone or default_zone(), moment)}"


@dataclass(frozen=True)
class Formats:
    """``long_date`` and ``clock_time`` in one room's zone: the printables' ``fmt``."""

    zone: str

    def long_date(self, moment: datetime | None) -> str:
        return long_date(moment, self.zone)

    def clock_time(self, moment: datetime | None) -> str:
        return clock_time(moment, self.zone)


@dataclass(frozen=True)
class Header:
    sitting: Sitting
    room: Room
    proctors: list[str]
    printed_at: datetime


@dataclass(frozen=True)
class Line:
    """One audit line as the berita acara shows it."""

    at: datetime
    what: str
    participant: str
    note: str
    by: str


@dataclass(frozen=True)
class EventReport:
    header: Header
    counts: dict[str, int]
    started_at: datetime | None
    started_by: str | None
    incidents: list[Line]
    actions: list[Line]


async def _header(db: AsyncSession, sitting_id: int, now: datetime) -> Header:
    repository = DashboardRepository(db)
    found = await repository.sitting_with_room(sitting_id)
    if found is None:
        raise SittingNotFound()
    sitting, room = found
    return Header(sitting, room, await repository.proctor_names(sitting_id), now)


async def attendance(
    db: AsyncSession, sitting_id: int, now: datetime
) -> tuple[Header, list[RosterRow]]:
    """The roster in seat order (unseated participants last)."""
    header = await _header(db, sitting_id, now)
    return header, await DashboardRepository(db).roster(sitting_id)


def head_counts(roster: list[RosterRow]) -> dict[str, int]:
    present = sum(1 for r in roster if r.ever_logged_in)
    return {
        "registered": len(roster),
        "present": present,
        "absent": len(roster) - present,
        "finished": sum(1 for r in roster if r.attempt_status in FINISHED_ATTEMPT),
        "terminated": sum(1 for r in roster if r.attempt_status == AttemptStatus.TERMINATED),
        "unfinished": sum(
            1 for r in roster if r.ever_logged_in and r.attempt_status not in CLOSED_ATTEMPT
        ),
    }


def _who(
    line: AuditLine, by_attempt: dict[str, RosterRow], by_enrollment: dict[str, RosterRow]
) -> str:
    found = None
    if line.target_type == "attempt" and line.target_id is not None:
        found = by_attempt.get(line.target_id)
    elif line.target_type == "enrollment" and line.target_id is not None:
        found = by_enrollment.get(line.target_id)
    return f"{found.name} ({found.participant_no})" if found else ""


def _note(line: AuditLine) -> str:
    details: dict[str, Any] = line.details or {}
    if line.action == "attempt.extra_time" and "minutes" in details:
        extra = f"+{details['minutes']} menit"
        return f"{extra}: {line.reason}" if line.reason else extra
    return line.reason or ""


async def event_report(db: AsyncSession, sitting_id: int, now: datetime) -> EventReport:
    header = await _header(db, sitting_id, now)
    repository = DashboardRepository(db)
    roster = await repository.roster(sitting_id)
    by_attempt = {str(r.attempt_id): r for r in roster if r.attempt_id is not None}
    by_enrollment = {str(r.enrollment_id): r for r in roster}

    def line(event: AuditLine) -> Line:
        what = ACTION_LABELS.get(event.action, event.action)
        who = _who(event, by_attempt, by_enrollment)
        return Line(event.occurred_at, what, who, _note(event), event.actor)

    incidents = await repository.audit_lines(sitting_id, ("sitting.incident",))
    actions = await repository.audit_lines(sitting_id, ROOM_ACTIONS)
    start = next((a for a in actions if a.action == "sitting.start"), None)
    sitting = header.sitting
    return EventReport(
        header=header,
        counts=head_counts(roster),
        started_at=sitting.started_at or (start.occurred_at if start else None),
        started_by=sitting.started_by or (start.actor if start else None),
        incidents=[line(i) for i in incidents],
        actions=[line(a) for a in actions],
    )
