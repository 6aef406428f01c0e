"""What the room dashboard and the printables read: the roster with its attempts, progress,
sections, seats and the audit lines of one sitting. Read-only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.auth.models import StaffUser
from cact.blueprints.models import BlueprintSection
from cact.exam.models import (
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Response,
    Sitting,
    SittingProctor,
)
from cact.exam.statuses import AttemptStatus
from cact.exam.tokens import kiosk_account
from cact.kit.ratelimit import RateLimitBucket
from cact.participants.models import Participant
from cact.rooms.models import Room, Seat
from cact.standards.models import Position

# Actions a proctor (or the system) takes on a room, as the berita acara lists them.
ROOM_ACTIONS = (
    "sitting.open",
    "sitting.start",
    "sitting.pause",
    "sitting.resume",
    "sitting.close",
    "attempt.pause",
    "attempt.resume",
    "attempt.extra_time",
    "attempt.terminate",
    "attempt.reset_login",
    "enrollment.absent",
    "enrollment.move_seat",
)


@dataclass(frozen=True)
class RosterRow:
    """One enrollment with what the room needs to see of its participant, seat and attempt."""

    enrollment_id: int
    attendance: str
    participant_no: str
    name: str
    nip: str | None
    unit: str | None
    position: str | None
    seat_id: int | None
    seat_label: str | None
    grid_row: int | None
    grid_col: int | None
    attempt_id: int | None
    attempt_status: str | None
    paused: bool
    logged_in: bool
    ever_logged_in: bool
    started_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    last_seen_at: datetime | None
    last_ip: str | None
    reset_requested_at: datetime | None


@dataclass(frozen=True)
class Progress:
    items: int
    answered: int
    last_saved_at: datetime | None


@dataclass(frozen=True)
class LoginFailures:
    """Wrong kiosk logins of one participant, at every address, as the limiter counts them."""

    count: int
    last_at: datetime | None
    blocked_until: datetime | None


@dataclass(frozen=True)
class SectionRow:
    section: AttemptSection
    title: str


@dataclass(frozen=True)
class AuditLine:
    occurred_at: datetime
    action: str
    actor: str
    reason: str | None
    target_type: str | None
    target_id: str | None
    details: dict[str, object]


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sitting_with_room(self, sitting_id: int) -> tuple[Sitting, Room] | None:
        statement = (
            select(Sitting, Room)
            .join(Room, Room.id == Sitting.room_id)
            .where(Sitting.id == sitting_id)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def sitting_status(self, sitting_id: int) -> str | None:
        return await self.session.scalar(select(Sitting.status).where(Sitting.id == sitting_id))

    async def seats(self, room_id: int) -> list[Seat]:
        statement = (
            select(Seat).where(Seat.room_id == room_id).order_by(Seat.grid_row, Seat.grid_col)
        )
        return list((await self.session.scalars(statement)).all())

    async def roster(
        self,
        sitting_id: int,
        *,
        enrollment_ids: Collection[int] | None = None,
        attempt_ids: Collection[int] | None = None,
    ) -> list[RosterRow]:
        """The whole roster in seat order, or only the rows named by either id list."""
        statement = _roster_select().where(Enrollment.sitting_id == sitting_id)
        if enrollment_ids is not None or attempt_ids is not None:
            wanted: list[ColumnElement[bool]] = []
            if enrollment_ids:
                wanted.append(Enrollment.id.in_(list(enrollment_ids)))
            if attempt_ids:
                wanted.append(Attempt.id.in_(list(attempt_ids)))
            if not wanted:
                return []
            statement = statement.where(wanted[0] if len(wanted) == 1 else wanted[0] | wanted[1])
        rows = await self.session.execute(statement)
        return [RosterRow(**row._asdict()) for row in rows.all()]

    async def login_failures(
        self, participant_nos: Collection[str], since: datetime
    ) -> dict[str, LoginFailures]:
        """By participant number (as the roster spells it): counted wrong tries whose last one
        is after ``since`` (or that still wait)."""
        accounts = {kiosk_account(n): n for n in participant_nos}
        if not accounts:
            return {}
        statement = (
            select(
                RateLimitBucket.account,
                func.sum(RateLimitBucket.count),
                func.max(RateLimitBucket.last_try_at),
                func.max(RateLimitBucket.blocked_until),
            )
            .where(
                RateLimitBucket.account.in_(list(accounts)),
                RateLimitBucket.count > 0,
                (RateLimitBucket.last_try_at >= since) | (RateLimitBucket.blocked_until >= since),
            )
            .group_by(RateLimitBucket.account)
        )
        rows = (await self.session.execute(statement)).all()
        return {
            accounts[account]: LoginFailures(int(count), last, until)
            for account, count, last, until in rows
            if account in accounts
        }

    async def progress(
        self, sitting_id: int, attempt_ids: Collection[int] | None = None
    ) -> dict[int, Progress]:
        """Items, answered items and the last save per attempt."""
        statement = (
            select(
                AttemptItem.attempt_id,
                func.count(AttemptItem.id),
                func.count(Response.option_id),
                func.max(Response.saved_at),
            )
            .outerjoin(Response, Response.attempt_item_id == AttemptItem.id)
            .group_by(AttemptItem.attempt_id)
        )
        if attempt_ids is None:
            of_sitting = select(Attempt.id).where(Attempt.sitting_id == sitting_id)
            statement = statement.where(AttemptItem.attempt_id.in_(of_sitting.scalar_subquery()))
        elif not attempt_ids:
            return {}
        else:
            statement = statement.where(AttemptItem.attempt_id.in_(list(attempt_ids)))
        rows = await self.session.execute(statement)
        return {a: Progress(int(n), int(done), last) for a, n, done, last in rows.all()}

    async def sections(
        self, sitting_id: int, attempt_ids: Collection[int] | None = None
    ) -> dict[int, list[SectionRow]]:
        statement = (
            select(AttemptSection, BlueprintSection.title)
            .join(BlueprintSection, BlueprintSection.id == AttemptSection.blueprint_section_id)
            .order_by(AttemptSection.attempt_id, AttemptSection.position)
        )
        if attempt_ids is None:
            statement = statement.join(Attempt, Attempt.id == AttemptSection.attempt_id).where(
                Attempt.sitting_id == sitting_id
            )
        elif not attempt_ids:
            return {}
        else:
            statement = statement.where(AttemptSection.attempt_id.in_(list(attempt_ids)))
        found: dict[int, list[SectionRow]] = {}
        for section, title in (await self.session.execute(statement)).all():
            found.setdefault(section.attempt_id, []).append(SectionRow(section, title))
        return found

    async def audit_lines(
        self, sitting_id: int, actions: Sequence[str], *, newest_first: bool = False
    ) -> list[AuditLine]:
        """The sitting's audit events of these kinds, with the staff member's full name."""
        actor = func.coalesce(StaffUser.full_name, AuditEvent.actor_name)
        order = AuditEvent.occurred_at.desc() if newest_first else AuditEvent.occurred_at
        statement = (
            select(
                AuditEvent.occurred_at,
                AuditEvent.action,
                actor,
                AuditEvent.reason,
                AuditEvent.target_type,
                AuditEvent.target_id,
                AuditEvent.details,
            )
            .outerjoin(
                StaffUser,
                and_(AuditEvent.actor_kind == "staff", StaffUser.id == AuditEvent.actor_id),
            )
            .where(AuditEvent.sitting_id == sitting_id, AuditEvent.action.in_(list(actions)))
            .order_by(order, AuditEvent.id.desc() if newest_first else AuditEvent.id)
        )
        rows = await self.session.execute(statement)
        return [AuditLine(*row) for row in rows.all()]

    async def proctor_names(self, sitting_id: int) -> list[str]:
        statement = (
            select(StaffUser.full_name)
            .join(SittingProctor, SittingProctor.staff_user_id == StaffUser.id)
            .where(SittingProctor.sitting_id == sitting_id)
            .order_by(StaffUser.full_name)
        )
        return list((await self.session.scalars(statement)).all())

    async def sittings_with_rooms(self, sitting_ids: Collection[int]) -> dict[int, tuple[str, int]]:
        """Room name and roster size per sitting, for the proctor's list."""
        if not sitting_ids:
            return {}
        enrolled = (
            select(func.count(Enrollment.id))
            .where(Enrollment.sitting_id == Sitting.id)
            .correlate(Sitting)
            .scalar_subquery()
        )
        statement = (
            select(Sitting.id, Room.name, enrolled)
            .join(Room, Room.id == Sitting.room_id)
            .where(Sitting.id.in_(list(sitting_ids)))
        )
        rows = await self.session.execute(statement)
        return {sitting_id: (room, int(count)) for sitting_id, room, count in rows.all()}

    async def time_zones(self, sitting_ids: Collection[int]) -> dict[int, str]:
        """Each sitting's time zone: its room's."""
        if not sitting_ids:
            return {}
        statement = (
            select(Sitting.id, Room.time_zone)
            .join(Room, Room.id == Sitting.room_id)
            .where(Sitting.id.in_(list(sitting_ids)))
        )
        return {sitting_id: zone for sitting_id, zone in (await self.session.execute(statement))}


def _roster_select() -> Select[*tuple[Any, ...]]:
    # NULL without an attempt (a scheduled sitting): coalesced to false below.
    ever = Attempt.kiosk_session_started_at.is_not(None) | (
        Attempt.status != AttemptStatus.NOT_STARTED
    )
    return (
        select(
            Enrollment.id.label("enrollment_id"),
            Enrollment.attendance.label("attendance"),
            Participant.participant_no.label("participant_no"),
            Participant.name.label("name"),
            Participant.nip.label("nip"),
            Participant.unit.label("unit"),
            Position.name.label("position"),
            Seat.id.label("seat_id"),
            Seat.label.label("seat_label"),
            Seat.grid_row.label("grid_row"),
            Seat.grid_col.label("grid_col"),
            Attempt.id.label("attempt_id"),
            Attempt.status.label("attempt_status"),
            func.coalesce(Attempt.paused, False).label("paused"),
            Attempt.kiosk_session_hash.is_not(None).label("logged_in"),
            func.coalesce(ever, False).label("ever_logged_in"),
            Attempt.started_at.label("started_at"),
            Attempt.closed_at.label("closed_at"),
            Attempt.close_reason.label("close_reason"),
            Attempt.last_seen_at.label("last_seen_at"),
            Attempt.last_ip.label("last_ip"),
            Attempt.reset_requested_at.label("reset_requested_at"),
        )
        .join(Participant, Participant.id == Enrollment.participant_id)
        .outerjoin(Position, Position.id == Participant.position_id)
        .outerjoin(Seat, Seat.id == Enrollment.seat_id)
        .outerjoin(Attempt, Attempt.enrollment_id == Enrollment.id)
        .order_by(
            Seat.grid_row.asc().nulls_last(),
            Seat.grid_col.asc().nulls_last(),
            Participant.participant_no,
        )
    )
