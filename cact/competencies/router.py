from __future__ import annotations

from fastapi import APIRouter

from cact.auth.deps import AnyStaffUser
from cact.competencies import service
from cact.competencies.schemas import CompetencyRead
from cact.kit.db import DbSession

router = APIRouter(prefix="/api/competencies", tags=["competencies"])


@router.get("", response_model=list[CompetencyRead])
async def list_competencies(_: AnyStaffUser, db: DbSession) -> list[CompetencyRead]:
    return [CompetencyRead.model_validate(c) for c in await service.list_all(db)]


@router.get("/{code}", response_model=CompetencyRead)
async def get_competency(code: str, _: AnyStaffUser, db: DbSession) -> CompetencyRead:
    return CompetencyRead.model_validate(await service.get(db, code))
