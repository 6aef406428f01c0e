"""The JSON behind the printable reports (admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.reports import service
from cact.reports.schemas import IndividualReport, SittingReport

router = APIRouter(tags=["reports"])


@router.get("/api/reports/attempts/{attempt_id}", response_model=IndividualReport)
async def attempt_report(attempt_id: int, _: AdminUser, db: DbSession) -> IndividualReport:
    """The attempt's current result as the individual report shows it; 409 before scoring."""
    return await service.individual_report(db, attempt_id)


@router.get("/api/reports/sittings/{sitting_id}", response_model=SittingReport)
async def sitting_report(sitting_id: int, _: AdminUser, db: DbSession) -> SittingReport:
    """Category distribution, competency means, nine-box counts, attendance and incidents."""
    return await service.sitting_report(db, sitting_id)
