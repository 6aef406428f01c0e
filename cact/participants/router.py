from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.kit.pagination import Page, Pagination
from cact.participants import service
from cact.participants.schemas import ParticipantFilter, ParticipantRead

router = APIRouter(prefix="/api/participants", tags=["participants"])


@router.get("", response_model=Page[ParticipantRead])
async def list_participants(
    _: AdminUser,
    db: DbSession,
    page: Pagination,
    filters: Annotated[ParticipantFilter, Query()],
) -> Page[ParticipantRead]:
    found, total = await service.search(db, filters, limit=page.limit, offset=page.offset)
    return Page(items=found, total=total, limit=page.limit, offset=page.offset)
