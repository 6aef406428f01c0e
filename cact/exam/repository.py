"""Queries on the exam's shared state, for every workflow that reads or changes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Row,
    and_,
    case,
    cast,
    extract,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from cact.exam.models import (
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Sitting,
    SittingProctor,
)
from cact.exam.statuses import LOGIN_SITTING, AttemptStatus, SectionStatus, SittingStatus
from cact.kit.repository import Repository
from cact.participants.models import Participant


class AttemptRepository(Repository[Attempt]):
    model = Attempt

    async def by_kiosk_session(
        self, session_hash: str
    ) -> Row[int, int, int, str, bool, str | None, str] | None:
        """(id, sitting_id, participant_id, status, paused, last_ip, sitting status)."""
        return (await self.session.execute(_BY_KIOSK_SESSION, {"hash": session_hash})).first()

    async def lock_free_ones(self, attempt_ids: list[int]) -> list[Attempt]:
        """Lock these attempts, skipping those another worker holds (each is handled once)."""
        statement = (
            self.select()
            .where(Attempt.id.in_(attempt_ids))
            .order_by(Attempt.id)
            .with_for_update(skip_locked=True)
        )
        return list(await self.all(statement))

    async def paused_one_by_one(self, sitting_id: int, limit: int) -> list[int] | None:
        """The room's attempts a proctor paused one by one (still paused after a room resume),
        or None when there are more than ``limit`` of them."""
        statement = (
            select(Attempt.id)
            .where(Attempt.sitting_id == sitting_id, Attempt.paused.is_(True))
            .order_by(Attempt.id)
            .limit(limit + 1)
        )
        ids = list(await self.session.scalars(statement))
        return ids if len(ids) <= limit else None

    async def sitting_paused(self, sitting_id: int) -> bool:
        status = await self.session.scalar(select(Sitting.status).where(Sitting.id == sitting_id))
        return status == SittingStatus.PAUSED

    async def for_login(self, participant_no: str) -> Row[Attempt, Participant, Sitting] | None:
        """The participant's attempt in a sitting that is open for login now."""
        statement = (
            select(Attempt, Participant, Sitting)
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(
                Participant.participant_no.in_(_spellings(participant_no)),
                Sitting.status.in_(LOGIN_SITTING),
            )
            .order_by(Sitting.starts_at.desc())
            .limit(1)
        )
        return (await self.session.execute(statement)).one_or_none()

    async def insert_forms_attempts(self, rows: list[dict[str, Any]]) -> dict[int, int]:
        """A sitting's attempts in one statement: {enrollment id: attempt id}."""
        statement = insert(Attempt).returning(
            Attempt.id, Attempt.enrollment_id, sort_by_parameter_order=True
        )
        result = await self.session.execute(statement, rows)
        return {enrollment_id: attempt_id for attempt_id, enrollment_id in result.all()}

    async def in_progress_ids(self, sitting_id: int) -> list[int]:
        statement = (
            select(Attempt.id)
            .where(Attempt.sitting_id == sitting_id, Attempt.status == AttemptStatus.IN_PROGRESS)
            .order_by(Attempt.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def mark_reset_requested(self, attempt_id: int, now: datetime, every: timedelta) -> bool:
        """Note a refused second login; True for at most one try per ``every`` (it is audited)."""
        statement = (
            update(Attempt)
            .where(
                Attempt.id == attempt_id,
                or_(
                    Attempt.reset_requested_at.is_(None), Attempt.reset_requested_at <= now - every
                ),
            )
            .values(reset_requested_at=now)
            .returning(Attempt.id)
            .execution_options(synchronize_session="fetch")
        )
        return (await self.session.execute(statement)).first() is not None

    async def latest_sitting_status(self, participant_no: str) -> str | None:
        """The status of the newest sitting this participant is on the roster of, if any."""
        statement = (
            select(Sitting.status)
            .join(Enrollment, Enrollment.sitting_id == Sitting.id)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .where(Participant.participant_no.in_(_spellings(participant_no)))
            .order_by(Sitting.starts_at.desc())
            .limit(1)
        )
        return await self.session.scalar(statement)

    async def heard_from(self, since: datetime) -> int:
        """Attempts in progress whose kiosk called since then."""
        statement = (
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.last_seen_at >= since)
        )
        return int(await self.session.scalar(statement) or 0)

    async def sitting_of(self, attempt_id: int) -> int | None:
        return await self.session.scalar(select(Attempt.sitting_id).where(Attempt.id == attempt_id))

    async def overdue_attempt_ids(self, cutoff: datetime, limit: int) -> list[int]:
        statement = (
            select(AttemptSection.attempt_id)
            .where(
                AttemptSection.status == SectionStatus.OPEN,
                AttemptSection.paused_at.is_(None),
                AttemptSection.deadline_at < cutoff,
            )
            .order_by(AttemptSection.deadline_at)
            .limit(limit)
        )
        return list(dict.fromkeys((await self.session.scalars(statement)).all()))

    async def break_over_attempt_ids(self, now: datetime, limit: int) -> list[int]:
        """Attempts whose break before the next section has ended (not standing paused)."""
        statement = (
            select(AttemptSection.attempt_id)
            .where(
                AttemptSection.status == SectionStatus.PENDING,
                AttemptSection.break_ends_at.is_not(None),
                AttemptSection.paused_at.is_(None),
                AttemptSection.break_ends_at <= now,
            )
            .order_by(AttemptSection.break_ends_at)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())


def _spellings(participant_no: str) -> tuple[str, str, str]:
    """A number as typed, upper- and lower-case: matched through the unique index."""
    typed = participant_no.strip()
    return typed, typed.upper(), typed.lower()


_BY_KIOSK_SESSION = text(
    """
    SELECT a.id, a.sitting_id, a.participant_id, a.status, a.paused, a.last_ip, s.status
    FROM attempt a JOIN sitting s ON s.id = a.sitting_id
    WHERE a.kiosk_session_hash = :hash
    """
)


class SectionRepository(Repository[AttemptSection]):
    model = AttemptSection

    async def of_attempt(self, attempt_id: int, *, lock: bool = False) -> list[AttemptSection]:
        statement = (
            self.select()
            .where(AttemptSection.attempt_id == attempt_id)
            .order_by(AttemptSection.position)
        )
        return list(await self.all(statement.with_for_update() if lock else statement))

    async def of_attempts(self, attempt_ids: list[int]) -> dict[int, list[AttemptSection]]:
        """Sections of many (already locked) attempts, locked too, in one query."""
        statement = (
            self.select()
            .where(AttemptSection.attempt_id.in_(attempt_ids))
            .order_by(AttemptSection.attempt_id, AttemptSection.position)
            .with_for_update()
        )
        found: dict[int, list[AttemptSection]] = {}
        for section in await self.all(statement):
            found.setdefault(section.attempt_id, []).append(section)
        return found

    async def insert_returning_ids(self, rows: list[dict[str, Any]]) -> list[int]:
        """Every attempt's sections in one statement, their ids in the order given."""
        statement = insert(AttemptSection).returning(
            AttemptSection.id, sort_by_parameter_order=True
        )
        return list((await self.session.execute(statement, rows)).scalars().all())

    async def pause_running(self, sitting_id: int, now: datetime) -> None:
        """Every running section (and running break) of the room stops its clock, in one
        statement (``clock.pause_section``'s rule)."""
        await self.session.execute(
            update(AttemptSection)
            .where(
                AttemptSection.attempt_id == Attempt.id,
                Attempt.sitting_id == sitting_id,
                or_(
                    AttemptSection.status == SectionStatus.OPEN,
                    and_(
                        AttemptSection.status == SectionStatus.PENDING,
                        AttemptSection.break_ends_at.is_not(None),
                    ),
                ),
                AttemptSection.paused_at.is_(None),
            )
            .values(paused_at=now)
        )

    async def resume_paused(self, sitting_id: int, now: datetime) -> None:
        """Every stopped clock of the room moves its deadline by the time it stood, except
        attempts a proctor paused one by one."""
        stood = now - AttemptSection.paused_at
        await self.session.execute(
            update(AttemptSection)
            .where(
                AttemptSection.attempt_id == Attempt.id,
                Attempt.sitting_id == sitting_id,
                Attempt.paused.is_(False),
                AttemptSection.paused_at.is_not(None),
            )
            .values(
                deadline_at=AttemptSection.deadline_at + stood,
                paused_ms=AttemptSection.paused_ms
                + case(
                    (
                        AttemptSection.deadline_at.is_not(None),
                        cast(extract("epoch", stood) * 1000, BigInteger),
                    ),
                    else_=0,
                ),
                # A break that stood still ends that much later (NULL stays NULL).
                break_ends_at=case(
                    (
                        AttemptSection.status == SectionStatus.PENDING,
                        AttemptSection.break_ends_at + stood,
                    ),
                    else_=AttemptSection.break_ends_at,
                ),
                paused_at=None,
            )
        )


class AttemptItemRepository(Repository[AttemptItem]):
    model = AttemptItem


class SittingRepository(Repository[Sitting]):
    model = Sitting

    async def by_code(self, code: str) -> Sitting | None:
        return await self.one_or_none(self.select().where(Sitting.code == code))

    async def due_to_start(self, now: datetime) -> list[int]:
        """Sittings set to start by themselves whose start time has come (locked, skipping any
        another worker holds: each starts once)."""
        statement = (
            select(Sitting.id)
            .where(
                Sitting.auto_start, Sitting.status == SittingStatus.OPEN, Sitting.starts_at <= now
            )
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(statement)).all())

    async def is_proctor(self, sitting_id: int, staff_user_id: int) -> bool:
        assigned = select(SittingProctor.sitting_id).where(
            SittingProctor.sitting_id == sitting_id, SittingProctor.staff_user_id == staff_user_id
        )
        return (await self.session.scalar(assigned)) is not None

    async def newest_first(self, *, proctor_id: int | None = None) -> list[Sitting]:
        """Every sitting, or the ones assigned to this proctor, the latest start first."""
        statement = self.select().order_by(Sitting.starts_at.desc())
        if proctor_id is not None:
            statement = statement.join(
                SittingProctor, SittingProctor.sitting_id == Sitting.id
            ).where(SittingProctor.staff_user_id == proctor_id)
        return list(await self.all(statement))


class EnrollmentRepository(Repository[Enrollment]):
    model = Enrollment

    async def for_sitting(self, sitting_id: int) -> list[Enrollment]:
        statement = (
            select(Enrollment).where(Enrollment.sitting_id == sitting_id).order_by(Enrollment.id)
        )
        return list(await self.all(statement))

    async def on_seat(self, sitting_id: int, seat_id: int) -> int | None:
        """The enrollment on this seat of the sitting, if any."""
        return await self.session.scalar(
            select(Enrollment.id).where(
                Enrollment.sitting_id == sitting_id, Enrollment.seat_id == seat_id
            )
        )
