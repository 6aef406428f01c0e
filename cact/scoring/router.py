from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.pagination import Page, Pagination
from cact.scoring import performance, policies, presenters, service
from cact.scoring.schemas import (
    PerformanceReport,
    PolicyCreate,
    PolicyRead,
    RescoreOutcome,
    RescoreRequest,
    ResultRead,
    SittingPolicy,
    SittingResultRead,
)
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(tags=["scoring"])

Upload = Annotated[UploadFile, File(description="CSV or XLSX")]


@router.get("/api/scoring-policies", response_model=list[PolicyRead])
async def list_policies(_: AdminUser, db: DbSession) -> list[PolicyRead]:
    return [PolicyRead.model_validate(p) for p in await policies.list_policies(db)]


@router.post("/api/scoring-policies", response_model=PolicyRead, status_code=201)
async def create_policy(
    body: PolicyCreate, admin: AdminUser, request: Request, db: DbSession
) -> PolicyRead:
    """A new version of the code (versions are never edited); 422 names every invalid field."""
    created = await policies.create_policy(
        db, body.code, body.body, Actor.staff(admin, client_ip(request))
    )
    return PolicyRead.model_validate(created)


@router.get("/api/scoring-policies/{policy_id}", response_model=PolicyRead)
async def get_policy(policy_id: int, _: AdminUser, db: DbSession) -> PolicyRead:
    return PolicyRead.model_validate(await policies.get_policy(db, policy_id))


@router.put("/api/sittings/{sitting_id}/scoring-policy", response_model=SittingPolicy)
async def set_sitting_policy(
    sitting_id: int, body: SittingPolicy, admin: AdminUser, request: Request, db: DbSession
) -> SittingPolicy:
    sitting = await policies.set_sitting_policy(
        db, sitting_id, body.policy_id, Actor.staff(admin, client_ip(request))
    )
    return SittingPolicy(policy_id=sitting.scoring_policy_id)


@router.get("/api/attempts/{attempt_id}/results", response_model=list[ResultRead])
async def attempt_results(attempt_id: int, _: AdminUser, db: DbSession) -> list[ResultRead]:
    """Every result version of the attempt, the current one first."""
    return await presenters.attempt_results(db, attempt_id)


@router.get("/api/sittings/{sitting_id}/results", response_model=Page[SittingResultRead])
async def sitting_results(
    sitting_id: int, _: AdminUser, db: DbSession, page: Pagination
) -> Page[SittingResultRead]:
    """The current result of every scored attempt, by participant number."""
    items, total = await presenters.sitting_results(
        db, sitting_id, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/api/results/rescore", response_model=RescoreOutcome)
async def rescore(
    body: RescoreRequest, admin: AdminUser, request: Request, db: DbSession
) -> RescoreOutcome:
    """After a key correction: new result versions with the items' current keys; old kept."""
    results = await service.rescore(
        db,
        attempt_ids=body.attempt_ids,
        sitting_id=body.sitting_id,
        reason=body.reason,
        actor=Actor.staff(admin, client_ip(request)),
        keys=body.keys,
    )
    return RescoreOutcome(results=len(results), attempt_ids=[r.attempt_id for r in results])


@router.post(
    "/api/participants/performance",
    response_model=PerformanceReport,
    responses={422: {"description": "every problem with its row and column; nothing saved"}},
)
async def import_performance(
    admin: AdminUser, request: Request, db: DbSession, file: Upload
) -> PerformanceReport:
    """Ratings below / meets / above (or di bawah / sesuai / di atas ekspektasi) by participant
    number or NIP; the nine-box of current results is re-scored as a new version."""
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    updated, rescored = await performance.import_performance(
        db, file.filename or "kinerja.csv", data, Actor.staff(admin, client_ip(request))
    )
    return PerformanceReport(updated=updated, results_rescored=len(rescored))
