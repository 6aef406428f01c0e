"""``GET /api/packages/refusals``: the results packages this office refused for a conflict (an
attempt already received from another server, a room the wave was not sent to), newest first,
and which servers a sitting's results came from — the refusal rows survive the import's
rollback (cact/packages/results.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.packages.repository import RefusalRepository, SourceRepository

router = APIRouter(prefix="/api/packages", tags=["packages"])


class RefusalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    package_id: uuid.UUID
    kind: str
    sender: str
    sitting_external_id: uuid.UUID
    attempt_external_id: uuid.UUID | None
    participant_no: str | None
    reason: str
    refused_at: datetime


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sitting_external_id: uuid.UUID
    sender: str
    first_package_id: uuid.UUID
    received_at: datetime


class RefusalsOut(BaseModel):
    refusals: list[RefusalOut]
    sources: list[SourceOut]


@router.get("/refusals")
async def refusals(
    db: DbSession,
    _: AdminUser,
    sitting_external_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RefusalsOut:
    repository = RefusalRepository(db)
    rows = (
        await repository.for_sitting(sitting_external_id)
        if sitting_external_id is not None
        else await repository.recent(limit)
    )
    sources = await SourceRepository(db).listing(sitting_external_id)
    return RefusalsOut(
        refusals=[RefusalOut.model_validate(r) for r in rows],
        sources=[SourceOut.model_validate(s) for s in sources],
    )
