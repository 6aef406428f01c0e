from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, and_, func, select
from sqlalchemy.dialects.postgresql import insert

from cact.delivery.models import AnswerLog, Attempt, AttemptItem, AttemptSection, Response
from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.sittings.models import Sitting


class AttemptRepository(Repository[Attempt]):
    model = Attempt

    async def by_kiosk_session(self, session_hash: str) -> Row[Attempt, str] | None:
        statement = (
            select(Attempt, Sitting.status)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(Attempt.kiosk_session_hash == session_hash)
        )
        return (await self.session.execute(statement)).one_or_none()

    async def for_update(self, attempt_id: int) -> Attempt | None:
        return await self.one_or_none(
            self.select().where(Attempt.id == attempt_id).with_for_update()
        )

    async def for_update_skip_locked(self, attempt_id: int) -> Attempt | None:
        return await self.one_or_none(
            self.select().where(Attempt.id == attempt_id).with_for_update(skip_locked=True)
        )

    async def for_login(self, participant_no: str) -> Row[Attempt, Participant, Sitting] | None:
        """The participant's attempt in a sitting that is open for login now."""
        statement = (
            select(Attempt, Participant, Sitting)
            .join(Participant, Participant.id == Attempt.participant_id)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(
                Participant.participant_no == participant_no,
                Sitting.status.in_(("open", "running", "paused")),
            )
            .order_by(Sitting.starts_at.desc())
            .limit(1)
        )
        return (await self.session.execute(statement)).one_or_none()

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


class SectionRepository(Repository[AttemptSection]):
    model = AttemptSection

    async def of_attempt(self, attempt_id: int, *, lock: bool = False) -> list[AttemptSection]:
        statement = (
            self.select()
            .where(AttemptSection.attempt_id == attempt_id)
            .order_by(AttemptSection.position)
        )
        return list(await self.all(statement.with_for_update() if lock else statement))

    async def counts(self, attempt_id: int) -> dict[int, tuple[int, int]]:
        """Items and answered items per section."""
        answered = and_(Response.attempt_item_id == AttemptItem.id, Response.option_id.is_not(None))
        statement = (
            select(
                AttemptItem.attempt_section_id,
                func.count(AttemptItem.id),
                func.count(Response.attempt_item_id),
            )
            .outerjoin(Response, answered)
            .where(AttemptItem.attempt_id == attempt_id)
            .group_by(AttemptItem.attempt_section_id)
        )
        rows = await self.session.execute(statement)
        return {section_id: (items, done) for section_id, items, done in rows.all()}


class ItemRepository(Repository[AttemptItem]):
    model = AttemptItem

    async def of_section(self, section_id: int) -> list[AttemptItem]:
        statement = (
            self.select()
            .where(AttemptItem.attempt_section_id == section_id)
            .order_by(AttemptItem.number)
        )
        return list(await self.all(statement))

    async def with_section(self, attempt_item_id: int) -> Row[AttemptItem, AttemptSection] | None:
        statement = (
            select(AttemptItem, AttemptSection)
            .join(AttemptSection, AttemptSection.id == AttemptItem.attempt_section_id)
            .where(AttemptItem.id == attempt_item_id)
        )
        return (await self.session.execute(statement)).one_or_none()


class ResponseRepository(Repository[Response]):
    model = Response

    async def of_section(self, section_id: int) -> list[Response]:
        statement = (
            select(Response)
            .join(AttemptItem, AttemptItem.id == Response.attempt_item_id)
            .where(AttemptItem.attempt_section_id == section_id)
        )
        return list(await self.all(statement))

    async def max_seq(self, attempt_id: int) -> int:
        value = await self.session.scalar(
            select(func.max(Response.seq)).where(Response.attempt_id == attempt_id)
        )
        return int(value or 0)

    async def save_if_newer(
        self,
        *,
        attempt_id: int,
        attempt_item_id: int,
        option_id: int | None,
        doubtful: bool,
        seq: int,
        now: datetime,
        ip: str | None,
    ) -> tuple[bool, int]:
        """Apply the answer only when ``seq`` is higher than the stored one; log what applies.
        Returns (applied, the sequence number now stored)."""
        values = {
            "attempt_item_id": attempt_item_id,
            "attempt_id": attempt_id,
            "option_id": option_id,
            "doubtful": doubtful,
            "seq": seq,
            "saved_at": now,
            "first_answered_at": now if option_id is not None else None,
            "change_count": 1,
        }
        upsert = insert(Response).values(values)
        excluded = upsert.excluded
        statement = upsert.on_conflict_do_update(
            index_elements=[Response.attempt_item_id],
            set_={
                "option_id": excluded.option_id,
                "doubtful": excluded.doubtful,
                "seq": excluded.seq,
                "saved_at": excluded.saved_at,
                "change_count": Response.change_count + 1,
                "first_answered_at": func.coalesce(
                    Response.first_answered_at, excluded.first_answered_at
                ),
            },
            where=Response.seq < excluded.seq,
        ).returning(Response.seq)
        stored = (await self.session.execute(statement)).scalar_one_or_none()
        if stored is None:
            current = await self.session.scalar(
                select(Response.seq).where(Response.attempt_item_id == attempt_item_id)
            )
            return False, int(current or 0)
        self.session.add(
            AnswerLog(
                attempt_id=attempt_id,
                attempt_item_id=attempt_item_id,
                option_id=option_id,
                doubtful=doubtful,
                seq=seq,
                received_at=now,
                ip=ip,
            )
        )
        await self.session.flush()
        return True, int(stored)
