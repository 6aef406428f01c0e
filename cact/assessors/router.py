"""``/api/assessment-methods``, ``/api/programmes/{id}/method-matrix``,
``/api/assessor-assignments`` (admin); ``/api/assessor/…`` (the assessor's own work);
``/api/assessment-evidence`` (lead assessor, admin): the JSON beside the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.assessors import exports, service, sheet
from cact.assessors.deps import AssessorUser, LeadOrAdmin
from cact.assessors.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentReport,
    EvidenceRead,
    MatrixBody,
    MatrixCellRead,
    MethodCreate,
    MethodRead,
    MethodUpdate,
    RatingRead,
    RatingsBody,
    RatingSheet,
    SavedRatings,
    SheetReport,
)
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exports.columns import MEDIA_TYPES, Format
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput
from cact.kit.i18n import request_language
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.rooms.schemas import MAX_ID, PathId
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(tags=["assessors"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetRejected(InvalidInput):
    code = "invalid_rating_sheet"
    message = (
        "Lembar penilaian tidak valid; tidak ada yang disimpan. / "
        "Invalid rating sheet; nothing saved."
    )


@router.get("/api/assessment-methods", response_model=list[MethodRead])
async def list_methods(_: AdminUser, db: DbSession) -> list[MethodRead]:
    return [MethodRead.model_validate(m) for m in await service.list_methods(db)]


@router.post("/api/assessment-methods", response_model=MethodRead, status_code=201)
async def create_method(
    admin: AdminUser, request: Request, db: DbSession, body: MethodCreate
) -> MethodRead:
    actor = Actor.staff(admin, client_ip(request))
    return MethodRead.model_validate(await service.create_method(db, body, actor))


@router.patch("/api/assessment-methods/{method_id}", response_model=MethodRead)
async def update_method(
    method_id: PathId, admin: AdminUser, request: Request, db: DbSession, body: MethodUpdate
) -> MethodRead:
    actor = Actor.staff(admin, client_ip(request))
    return MethodRead.model_validate(await service.update_method(db, method_id, body, actor))


@router.get("/api/programmes/{programme_id}/method-matrix", response_model=list[MatrixCellRead])
async def get_matrix(programme_id: PathId, _: AdminUser, db: DbSession) -> list[MatrixCellRead]:
    return await service.matrix(db, programme_id)


@router.put("/api/programmes/{programme_id}/method-matrix", response_model=list[MatrixCellRead])
async def put_matrix(
    programme_id: PathId, admin: AdminUser, request: Request, db: DbSession, body: MatrixBody
) -> list[MatrixCellRead]:
    """Replace one position group's cells (all or nothing)."""
    actor = Actor.staff(admin, client_ip(request))
    return await service.set_matrix(db, programme_id, body, actor)


@router.get("/api/assessor-assignments", response_model=list[AssignmentRead])
async def list_assignments(
    _: AdminUser,
    request: Request,
    db: DbSession,
    programme_id: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> list[AssignmentRead]:
    lang = request_language(request)
    rows = await service.assignments_in_programme(db, programme_id)
    return [service.assignment_read(r, lang) for r in rows]


@router.post("/api/assessor-assignments", response_model=AssignmentReport, status_code=201)
async def create_assignments(
    admin: AdminUser, request: Request, db: DbSession, body: AssignmentCreate
) -> AssignmentReport:
    return await service.assign(db, body, Actor.staff(admin, client_ip(request)))


@router.delete("/api/assessor-assignments/{assignment_id}", status_code=204)
async def delete_assignment(
    assignment_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    await service.unassign(db, assignment_id, Actor.staff(admin, client_ip(request)))
    return Response(status_code=204)


@router.get("/api/assessor/assignments", response_model=list[AssignmentRead])
async def my_assignments(
    user: AssessorUser, request: Request, db: DbSession
) -> list[AssignmentRead]:
    lang = request_language(request)
    return [service.assignment_read(r, lang) for r in await service.my_assignments(db, user)]


@router.get("/api/assessor/assignments/{assignment_id}", response_model=RatingSheet)
async def my_assignment(
    assignment_id: PathId, user: AssessorUser, request: Request, db: DbSession
) -> RatingSheet:
    return await service.rating_sheet(db, user, assignment_id, request_language(request))


@router.get("/api/assessor/assignments/{assignment_id}/history", response_model=list[RatingRead])
async def my_history(assignment_id: PathId, user: AssessorUser, db: DbSession) -> list[RatingRead]:
    return [RatingRead.model_validate(r) for r in await service.history(db, user, assignment_id)]


@router.put("/api/assessor/assignments/{assignment_id}/ratings", response_model=SavedRatings)
async def save_ratings(
    assignment_id: PathId, user: AssessorUser, request: Request, db: DbSession, body: RatingsBody
) -> SavedRatings:
    """All or nothing; a changed level or note adds a version, an unchanged one writes none."""
    actor = Actor.staff(user, client_ip(request))
    return await service.save_ratings(
        db, user, assignment_id, body.ratings, source="api", actor=actor
    )


@router.get("/api/assessor/sheet/{method_id}.xlsx")
async def sheet_template(method_id: PathId, user: AssessorUser, db: DbSession) -> Response:
    method = await service.get_method(db, method_id)
    return Response(
        await sheet.template(db, user, method),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="penilaian-{method.code}.xlsx"'},
    )


@router.post(
    "/api/assessor/sheet/{method_id}",
    max_body_size=UPLOAD_BODY_BYTES,
    response_model=SheetReport,
    responses={422: {"description": "every problem with its row and column; nothing saved"}},
)
async def sheet_import(
    method_id: PathId,
    user: AssessorUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile, File(description="the filled rating sheet (XLSX or CSV)")],
    dry_run: Annotated[bool, Form(description="check and report; save nothing")] = False,
) -> SheetReport:
    method = await service.get_method(db, method_id)
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    actor = Actor.staff(user, client_ip(request))
    name = file.filename or "penilaian.xlsx"
    report = await sheet.import_sheet(db, user, method, name, data, actor, dry_run=dry_run)
    if not report.valid:
        raise SheetRejected([p.model_dump(exclude_none=True) for p in report.problems])
    return report


@router.get("/api/assessment-evidence", response_model=list[EvidenceRead])
async def evidence(
    _: LeadOrAdmin,
    db: DbSession,
    participant_id: Annotated[list[int], Query(min_length=1, max_length=500)],
    programme_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[EvidenceRead]:
    """Per participant × competency, the current ratings by method: the integration's input."""
    return await service.evidence(db, participant_id, programme_id)


async def _evidence_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], programme_id: int, fmt: str, bom: bool
) -> AsyncIterator[bytes]:
    # Its own session: the request's is closed before the response streams.
    async with sessionmaker() as session, session.begin():
        async for chunk in exports.evidence_chunks(session, programme_id, fmt, bom=bom):
            yield chunk


@router.get(
    "/api/programmes/{programme_id}/assessment-evidence.{fmt}",
    response_class=StreamingResponse,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
async def export_evidence(
    programme_id: PathId,
    fmt: Format,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    """Every method's evidence in long form: the CACT part (current results of the programme's
    sittings) and every assessor's current rating (columns in docs/assessors.md)."""
    programme = await service.programme(db, programme_id)
    await audit.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "assessment_evidence.export",
        target_type="programme",
        target_id=programme_id,
        details={"format": fmt},
    )
    chunks = _evidence_chunks(request.app.state.sessionmaker, programme_id, fmt, bom)
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{exports.filename(programme.code, fmt)}"'
        },
    )
