from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import Select, func, or_, select

from cact.kit.repository import Repository
from cact.participants.models import Participant
from cact.participants.schemas import ParticipantFilter
from cact.standards.models import Position


class ParticipantRepository(Repository[Participant]):
    model = Participant

    async def by_numbers(self, numbers: Collection[str]) -> dict[str, Participant]:
        if not numbers:
            return {}
        statement = self.select().where(Participant.participant_no.in_(list(numbers)))
        return {p.participant_no: p for p in await self.all(statement)}

    async def by_nips(self, nips: Collection[str]) -> dict[str, Participant]:
        if not nips:
            return {}
        statement = self.select().where(Participant.nip.in_(list(nips)))
        return {p.nip: p for p in await self.all(statement) if p.nip}

    async def by_ids(self, ids: Collection[int]) -> dict[int, Participant]:
        if not ids:
            return {}
        statement = self.select().where(Participant.id.in_(list(ids)))
        return {p.id: p for p in await self.all(statement)}

    def filtered(self, f: ParticipantFilter) -> Select[Participant, Position]:
        statement = (
            select(Participant, Position)
            .outerjoin(Position, Position.id == Participant.position_id)
            .order_by(Participant.participant_no)
        )
        if f.q:
            escaped = f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            statement = statement.where(
                or_(
                    Participant.participant_no.ilike(pattern),
                    Participant.nip.ilike(pattern),
                    Participant.name.ilike(pattern),
                )
            )
        if f.position:
            statement = statement.where(func.lower(Position.code) == f.position.lower())
        return statement

    async def page(
        self, f: ParticipantFilter, *, limit: int, offset: int
    ) -> tuple[list[tuple[Participant, Position | None]], int]:
        statement = self.filtered(f)
        total = await self.count(cast(Select[Any], statement))
        rows = await self.session.execute(statement.limit(limit).offset(offset))
        return [(p, pos) for p, pos in rows], total


class PositionLookup(Repository[Position]):
    """Positions by code, for the roster (the standards import owns them)."""

    model = Position

    async def ids_by_code(self, codes: Collection[str]) -> dict[str, int]:
        """Lower-cased code → id; codes are matched without regard to case."""
        if not codes:
            return {}
        lowered = [code.lower() for code in codes]
        statement = select(func.lower(Position.code), Position.id).where(
            func.lower(Position.code).in_(lowered)
        )
        return {code: position_id for code, position_id in await self.session.execute(statement)}
