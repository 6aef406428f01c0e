from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Row, or_, select, text, update

from cact.delivery.models import Attempt, AttemptSection
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.sittings.models import Enrollment, Sitting


class AttemptRepository(Repository[Attempt]):
    model = Attempt

    async def by_kiosk_session(
        self, session_hash: str
    ) -> Row[int, int, int, str, bool, str | None, str] | None:
        """(id, sitting_id, participant_id, status, paused, last_ip, sitting status)."""
        return (await self.session.execute(_BY_KIOSK_SESSION, {"hash": session_hash})).first()

    async def for_update(self, attempt_id: int) -> Attempt | None:
        return await self.one_or_none(
            self.select().where(Attempt.id == attempt_id).with_for_update()
        )

    async def lock_free_ones(self, attempt_ids: list[int]) -> list[Attempt]:
        """Lock these attempts, skipping those another worker holds (each is handled once)."""
        statement = (
            self.select()
            .where(Attempt.id.in_(attempt_ids))
            .order_by(Attempt.id)
            .with_for_update(skip_locked=True)
        )
        return list(await self.all(statement))

    async def sitting_paused(self, sitting_id: int) -> bool:
        status = await self.session.scalar(select(Sitting.status).where(Sitting.id == sitting_id))
        return status == "paused"

    async def for_login(self, participant_no: str) -> Row[Attempt, Participant, Sitting] | None:
        """The participant's attempt in a sitting that is open for login now."""
        statement = (
            select(Attempt, Participant, Sitting)
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(
                Participant.participant_no.in_(_spellings(participant_no)),
                Sitting.status.in_(("open", "running", "paused")),
            )
            .order_by(Sitting.starts_at.desc())
            .limit(1)
        )
        return (await self.session.execute(statement)).one_or_none()

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

    async def overdue_attempt_ids(self, cutoff: datetime, limit: int) -> list[int]:
        statement = (
            select(AttemptSection.attempt_id)
            .where(
                AttemptSection.status == "open",
                AttemptSection.paused_at.is_(None),
                AttemptSection.deadline_at < cutoff,
            )
            .order_by(AttemptSection.deadline_at)
            .limit(limit)
        )
        return list(dict.fromkeys((await self.session.scalars(statement)).all()))


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
