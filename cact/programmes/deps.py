"""Query parameters the analytics routes share: the filters and a position code."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.errors import NotFound
from cact.programmes.schemas import Filters
from cact.rooms.schemas import MAX_ID
from cact.standards.models import Position
from cact.standards.repository import PositionRepository


class PositionNotFound(NotFound):
    code = "position_not_found"
    message = "Jabatan tidak ditemukan. / Position not found."


def filters(
    unit: Annotated[str | None, Query(max_length=200, description="unit (exact)")] = None,
    group: Annotated[str | None, Query(max_length=64, description="position group")] = None,
    sitting_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Filters:
    return Filters(unit=unit or None, group=group or None, sitting_id=sitting_id)


AnalyticsFilters = Annotated[Filters, Depends(filters)]


async def position_by_code(db: AsyncSession, code: str) -> Position:
    found = (await PositionRepository(db).by_codes([code])).get(code)
    if found is None:
        raise PositionNotFound()
    return found
