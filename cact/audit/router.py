from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cact.audit import service
from cact.audit.schemas import AuditEventRead, AuditFilter
from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.kit.pagination import Page, Pagination

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventRead])
async def list_audit_events(
    _: AdminUser,
    session: DbSession,
    page: Pagination,
    filters: Annotated[AuditFilter, Query()],
) -> Page[AuditEventRead]:
    events, total = await service.search(session, filters, limit=page.limit, offset=page.offset)
    return Page(
        items=[AuditEventRead.model_validate(e) for e in events],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
