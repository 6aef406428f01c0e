"""``/api/programmes/{id}/integration/{participant_id}`` (lead assessor, admin): the side by
side view and the sign-off; ``/api/programmes/{id}/integration-rule`` (admin);
``/api/programmes/{id}/integrated-profile.{fmt}`` (lead assessor, admin): the export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.assessors import integration, integration_export, integration_signoff, service
from cact.assessors.deps import LeadOrAdmin
from cact.assessors.integration_schemas import IntegrationView, RuleBody, SignOffBody
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exports.columns import MEDIA_TYPES, Format
from cact.kit.db import DbSession
from cact.rooms.schemas import PathId

router = APIRouter(tags=["assessors"])


@router.get("/api/programmes/{programme_id}/integration-rule", response_model=RuleBody)
async def get_rule(programme_id: PathId, _: AdminUser, db: DbSession) -> RuleBody:
    return RuleBody(rule=await integration.rule(db, programme_id))


@router.put("/api/programmes/{programme_id}/integration-rule", response_model=RuleBody)
async def set_rule(
    programme_id: PathId, admin: AdminUser, request: Request, db: DbSession, body: RuleBody
) -> RuleBody:
    actor = Actor.staff(admin, client_ip(request))
    await integration.set_rule(db, programme_id, body.rule, actor)
    return body


@router.get(
    "/api/programmes/{programme_id}/integration/{participant_id}", response_model=IntegrationView
)
async def get_integration(
    programme_id: PathId, participant_id: PathId, _: LeadOrAdmin, db: DbSession
) -> IntegrationView:
    """Per competency: the CACT level and index, every assessor's current rating per method,
    the matrix weights, the rule's proposal, and the signed-off final level."""
    return await integration.view(db, programme_id, participant_id)


@router.post(
    "/api/programmes/{programme_id}/integration/{participant_id}/sign-off",
    response_model=IntegrationView,
    status_code=201,
)
async def sign_off(
    programme_id: PathId,
    participant_id: PathId,
    user: LeadOrAdmin,
    request: Request,
    db: DbSession,
    body: SignOffBody,
) -> IntegrationView:
    """Every competency's final level (a reason where it differs from the proposal); a new
    signed-off version, audited as ``integration.sign_off``."""
    actor = Actor.staff(user, client_ip(request))
    return await integration_signoff.sign_off(db, programme_id, participant_id, body, user, actor)


async def _profile_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], programme_id: int, fmt: str, bom: bool
) -> AsyncIterator[bytes]:
    # Its own session: the request's is closed before the response streams.
    async with sessionmaker() as session, session.begin():
        async for chunk in integration_export.chunks(session, programme_id, fmt, bom=bom):
            yield chunk


@router.get(
    "/api/programmes/{programme_id}/integrated-profile.{fmt}",
    response_class=StreamingResponse,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
async def export_profile(
    programme_id: PathId,
    fmt: Format,
    user: LeadOrAdmin,
    request: Request,
    db: DbSession,
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    """One row per person × competency: CACT, each method, proposal, final level, sign-off
    (columns in docs/assessors.md)."""
    programme = await service.programme(db, programme_id)
    await audit.record(
        db,
        Actor.staff(user, client_ip(request)),
        "integrated_profile.export",
        target_type="programme",
        target_id=programme_id,
        details={"format": fmt},
    )
    chunks = _profile_chunks(request.app.state.sessionmaker, programme_id, fmt, bom)
    name = integration_export.filename(programme.code, fmt)
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
