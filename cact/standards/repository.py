from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, insert, select

from cact.competencies.models import Competency
from cact.kit.repository import Repository
from cact.standards.models import CompetencyStandard, Position


class PositionRepository(Repository[Position]):
    model = Position

    async def name_of(self, position_id: int | None) -> str | None:
        if position_id is None:
            return None
        return await self.session.scalar(select(Position.name).where(Position.id == position_id))

    async def by_codes(self, codes: Sequence[str]) -> dict[str, Position]:
        found = await self.all(select(Position).where(Position.code.in_(codes)))
        return {p.code: p for p in found}

    def ordered(self) -> Select[Position]:
        return select(Position).order_by(Position.code)


class StandardRepository(Repository[CompetencyStandard]):
    model = CompetencyStandard

    async def replace(self, standards: dict[int, dict[str, int]]) -> int:
        """Each position's standard becomes exactly the given levels."""
        await self.session.execute(
            delete(CompetencyStandard).where(CompetencyStandard.position_id.in_(standards))
        )
        rows = [
            {"position_id": pid, "competency_code": code, "required_level": level}
            for pid, levels in standards.items()
            for code, level in levels.items()
        ]
        if rows:
            await self.session.execute(insert(CompetencyStandard), rows)
        return len(rows)

    async def with_competencies(
        self, position_id: int
    ) -> list[tuple[CompetencyStandard, Competency]]:
        statement = (
            select(CompetencyStandard, Competency)
            .join(Competency, Competency.code == CompetencyStandard.competency_code)
            .where(CompetencyStandard.position_id == position_id)
            .order_by(CompetencyStandard.competency_code)
        )
        return [(s, c) for s, c in (await self.session.execute(statement))]
