"""Item exposure and history as JSON, for editors and admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cact.analysis import exposure_service
from cact.auth.deps import EditorUser
from cact.kit.db import DbSession

router = APIRouter(prefix="/api", tags=["item exposure"])


@router.get("/items/{item_id}/history", responses={404: {"description": "no such item"}})
async def get_item_history(item_id: str, _: EditorUser, db: DbSession) -> dict[str, Any]:
    """Every version of the item with, per sitting it was shown in: attempts that saw it,
    started attempts, exposure rate, n, facility, discrimination, calibrated difficulty ± SE
    and the flags over_exposed / drifting (docs/item-analysis.md, "Exposure and history")."""
    return exposure_service.history_body(await exposure_service.item_history(db, item_id))


@router.get("/exposure")
async def get_exposure(
    _: EditorUser,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000, description="unflagged versions shown")] = (
        exposure_service.OVERVIEW_LIMIT
    ),
) -> dict[str, Any]:
    """The bank's flagged item versions (all of them), then the ``limit`` most exposed others;
    with how many versions were ever shown, over-exposed and drifting."""
    ranked, counts = await exposure_service.bank_exposure(db, limit)
    return exposure_service.overview_body(ranked, counts)
