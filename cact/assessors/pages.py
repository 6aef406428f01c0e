"""Staff pages: methods and the matrix per programme, assigning assessors (admin); "Peserta
saya", the rating page and the rating sheet (the assessor)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import service, sheet
from cact.assessors.deps import AssessorUser
from cact.assessors.models import METHOD_KINDS
from cact.assessors.schemas import (
    AssignmentCreate,
    MatrixBody,
    MatrixCell,
    MethodCreate,
    MethodUpdate,
    RatingInput,
    SheetReport,
)
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.auth.models import StaffUser
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pages import admin_page, attempt, attempt_value, bind, error_page, flash_text, say
from cact.kit.templates import render
from cact.rooms.schemas import PathId
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(include_in_schema=False)


def refusal_lines(error: CactError, lang: str) -> list[str]:
    """A list refusal (matrix, assignment, ratings) as one line per entry."""
    if isinstance(error.detail, list):
        return [
            f"{d['at']}: {_half(str(d['message']), lang)}"
            for d in error.detail
            if isinstance(d, dict)
        ]
    return [say(error, lang)]


def _half(text: str, lang: str) -> str:
    halves = text.split(" / ", 1)
    return halves[1] if lang == "en" and len(halves) == 2 else halves[0]


def _kinds(lang: str) -> list[dict[str, str]]:
    return [{"value": k, "label": translate(lang, f"assess.kind.{k}")} for k in METHOD_KINDS]


# --- admin: methods -----------------------------------------------------------------------


async def _methods_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    page = {
        "methods": await service.list_methods(db),
        "programmes": await service.programmes(db),
        "kinds": _kinds(request_language(request)),
        **context,
    }
    return admin_page(request, "assessment.html", "assessment", status_code=status_code, **page)


@router.get("/admin/assessment")
async def methods_page(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _methods_page(request, db)


@router.post("/admin/assessment/methods")
async def method_create(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    code: Annotated[str, Form(max_length=200)] = "",
    name_id: Annotated[str, Form(max_length=400)] = "",
    name_en: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    data = bind(
        request,
        MethodCreate,
        {"code": code, "name_id": name_id, "name_en": name_en, "kind": kind},
        "assess.method",
    )
    if isinstance(data, str):
        return await _methods_page(request, db, status_code=422, error=data)
    actor = Actor.staff(admin, client_ip(request))
    refused = await attempt(db, lambda: service.create_method(db, data, actor))
    if refused is not None:
        error = say(refused, request_language(request))
        return await _methods_page(request, db, status_code=refused.status, error=error)
    return RedirectResponse("/admin/assessment?done=method_saved", status_code=303)


@router.post("/admin/assessment/methods/{method_id}")
async def method_update(
    method_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    name_id: Annotated[str, Form(max_length=400)] = "",
    name_en: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    is_active: Annotated[str, Form()] = "",
) -> Response:
    data = bind(
        request,
        MethodUpdate,
        {"name_id": name_id, "name_en": name_en, "kind": kind, "is_active": is_active == "on"},
        "assess.method",
    )
    if isinstance(data, str):
        return await _methods_page(request, db, status_code=422, error=data)
    actor = Actor.staff(admin, client_ip(request))
    refused = await attempt(db, lambda: service.update_method(db, method_id, data, actor))
    if refused is not None:
        error = say(refused, request_language(request))
        return await _methods_page(request, db, status_code=refused.status, error=error)
    return RedirectResponse("/admin/assessment?done=method_saved", status_code=303)


# --- admin: the matrix --------------------------------------------------------------------


async def _matrix_page(
    request: Request,
    db: AsyncSession,
    programme_id: int,
    group: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    try:
        programme = await service.programme(db, programme_id)
    except CactError as exc:
        return error_page(request, exc)
    cells = {
        (c.competency, c.method): c.weight
        for c in await service.matrix(db, programme_id)
        if c.position_group == group
    }
    page = {
        "programme": programme,
        "group": group,
        "groups": sorted({"", group, *await service.matrix_groups(db, programme_id)}),
        "methods": await service.list_methods(db, active_only=True),
        "competencies": await service.competencies(db),
        "cells": {f"{k[0]}|{k[1]}": v for k, v in cells.items()},
        **context,
    }
    return admin_page(request, "method_matrix.html", "assessment", status_code=status_code, **page)


@router.get("/admin/assessment/programmes/{programme_id}/matrix")
async def matrix_page(
    programme_id: PathId, _: AdminUser, request: Request, db: DbSession, group: str = ""
) -> HTMLResponse:
    return await _matrix_page(request, db, programme_id, group.strip()[:64])


@router.post("/admin/assessment/programmes/{programme_id}/matrix")
async def matrix_save(
    programme_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    form = await request.form()
    lang = request_language(request)
    group = str(form.get("position_group", "")).strip()[:64]
    cells: list[MatrixCell] = []
    problems: list[str] = []
    for name, value in form.multi_items():
        if not name.startswith("w|") or not isinstance(value, str) or not value.strip():
            continue
        _, competency, method = [*name.split("|", 2), "", ""][:3]
        try:
            weight = Decimal(value.strip().replace(",", "."))
            cells.append(MatrixCell(competency=competency, method=method, weight=weight))
        except (InvalidOperation, ValidationError):
            problems.append(translate(lang, "assess.matrix.bad_number", value=value[:20]))
    if problems:
        return await _matrix_page(
            request, db, programme_id, group, status_code=422, errors=problems
        )
    actor = Actor.staff(admin, client_ip(request))
    body = MatrixBody(position_group=group, cells=cells)
    refused = await attempt(db, lambda: service.set_matrix(db, programme_id, body, actor))
    if refused is not None:
        return await _matrix_page(
            request,
            db,
            programme_id,
            group,
            status_code=refused.status,
            errors=refusal_lines(refused, lang),
        )
    return RedirectResponse(
        f"/admin/assessment/programmes/{programme_id}/matrix?group={group}&done=matrix_saved",
        status_code=303,
    )


# --- admin: assignments -------------------------------------------------------------------


async def _assignments_page(
    request: Request,
    db: AsyncSession,
    programme_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = request_language(request)
    try:
        programme = await service.programme(db, programme_id)
        rows = await service.assignments_in_programme(db, programme_id)
    except CactError as exc:
        return error_page(request, exc)
    page = {
        "programme": programme,
        "assignments": [service.assignment_read(r, lang) for r in rows],
        "assessors": await service.assessors(db),
        "methods": [
            m for m in await service.list_methods(db, active_only=True) if m.kind != "computer"
        ],
        "draft": {},
        **context,
    }
    return admin_page(
        request, "assessor_assignments.html", "assessment", status_code=status_code, **page
    )


@router.get("/admin/assessment/programmes/{programme_id}/assignments")
async def assignments_page(
    programme_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    return await _assignments_page(request, db, programme_id)


@router.post("/admin/assessment/programmes/{programme_id}/assignments")
async def assignments_create(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    assessor_id: Annotated[str, Form(max_length=20)] = "",
    method: Annotated[str, Form(max_length=40)] = "",
    sitting_id: Annotated[str, Form(max_length=20)] = "",
    participants: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    lang = request_language(request)
    numbers = [n for n in participants.replace(",", "\n").replace(";", "\n").split() if n]
    draft = {"assessor_id": assessor_id, "method": method, "participants": participants}
    scoped = sitting_id.strip()
    data = bind(
        request,
        AssignmentCreate,
        {
            "assessor_id": assessor_id or None,
            "method": method,
            "programme_id": None if scoped else programme_id,
            "sitting_id": scoped or None,
            "participants": numbers,
        },
        "assess.assign",
    )
    if isinstance(data, str):
        return await _assignments_page(
            request, db, programme_id, status_code=422, errors=[data], draft=draft
        )
    actor = Actor.staff(admin, client_ip(request))
    outcome = await attempt_value(db, lambda: service.assign(db, data, actor))
    if isinstance(outcome, CactError):
        return await _assignments_page(
            request,
            db,
            programme_id,
            status_code=outcome.status,
            errors=refusal_lines(outcome, lang),
            draft=draft,
        )
    return RedirectResponse(
        f"/admin/assessment/programmes/{programme_id}/assignments?done=assessors_assigned",
        status_code=303,
    )


@router.post("/admin/assessment/programmes/{programme_id}/assignments/{assignment_id}/delete")
async def assignment_delete(
    programme_id: PathId, assignment_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    refused = await attempt(db, lambda: service.unassign(db, assignment_id, actor))
    if refused is not None:
        return await _assignments_page(
            request,
            db,
            programme_id,
            status_code=refused.status,
            errors=[say(refused, request_language(request))],
        )
    return RedirectResponse(
        f"/admin/assessment/programmes/{programme_id}/assignments?done=assessor_unassigned",
        status_code=303,
    )


# --- the assessor -------------------------------------------------------------------------


async def _mine_page(
    request: Request,
    db: AsyncSession,
    user: StaffUser,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = request_language(request)
    rows = [service.assignment_read(r, lang) for r in await service.my_assignments(db, user)]
    methods = {r.method: r.method_name for r in rows}
    method_ids = {m.code: m.id for m in await service.list_methods(db) if m.code in methods}
    page = {
        "assignments": rows,
        "sheet_methods": [
            {"id": method_ids[code], "code": code, "name": name} for code, name in methods.items()
        ],
        "integration_programmes": (
            await service.programmes(db) if user.has_role("lead_assessor") else []
        ),
        "report": None,
        "flash": flash_text(request),
        "error": None,
        **context,
    }
    return render(request, "assessor/mine.html", page, status_code=status_code)


@router.get("/assessor")
async def mine(user: AssessorUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _mine_page(request, db, user)


@router.post("/assessor/sheet", max_body_size=UPLOAD_BODY_BYTES)
async def sheet_upload(
    user: AssessorUser,
    request: Request,
    db: DbSession,
    method_id: Annotated[str, Form(max_length=20)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    action: Annotated[str, Form()] = "check",
) -> Response:
    lang = request_language(request)
    if file is None or not file.filename:
        return await _mine_page(
            request, db, user, status_code=422, error=translate(lang, "assess.sheet.no_file")
        )
    try:
        method = await service.get_method(db, int(method_id) if method_id.isdigit() else 0)
    except CactError as exc:
        return await _mine_page(request, db, user, status_code=exc.status, error=say(exc, lang))
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    actor = Actor.staff(user, client_ip(request))
    name = file.filename
    report: SheetReport = await sheet.import_sheet(
        db, user, method, name, data, actor, dry_run=action != "import"
    )
    return await _mine_page(
        request, db, user, status_code=200 if report.valid else 422, report=report
    )


async def _rating_page(
    request: Request,
    db: AsyncSession,
    user: StaffUser,
    assignment_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    try:
        sheet_view = await service.rating_sheet(db, user, assignment_id, request_language(request))
    except CactError as exc:
        return error_page(request, exc)
    page = {
        "sheet": sheet_view,
        "levels": [1, 2, 3, 4, 5],
        "draft": {},
        "errors": [],
        "flash": flash_text(request),
        "error": None,
        **context,
    }
    return render(request, "assessor/rating.html", page, status_code=status_code)


@router.get("/assessor/assignments/{assignment_id}")
async def rating_page(
    assignment_id: PathId, user: AssessorUser, request: Request, db: DbSession
) -> HTMLResponse:
    return await _rating_page(request, db, user, assignment_id)


@router.post("/assessor/assignments/{assignment_id}")
async def rating_save(
    assignment_id: PathId, user: AssessorUser, request: Request, db: DbSession
) -> Response:
    lang = request_language(request)
    form = await request.form()
    draft: dict[str, dict[str, str]] = {}
    ratings: list[RatingInput] = []
    errors: list[str] = []
    codes = [str(v)[:32] for v in form.getlist("competency")]
    for code in codes:
        level = str(form.get(f"level|{code}", "")).strip()
        note = str(form.get(f"evidence|{code}", "")).strip()
        draft[code] = {"level": level, "evidence": note}
        if not level and not note:
            continue
        if not level.isdigit() or len(level) > 2:
            errors.append(f"{code}: {translate(lang, 'assess.rating.level_required')}")
            continue
        ratings.append(RatingInput(competency=code, level=int(level), evidence=note))
    if not errors and not ratings:
        errors.append(translate(lang, "assess.rating.nothing"))
    if errors:
        return await _rating_page(
            request, db, user, assignment_id, status_code=422, errors=errors, draft=draft
        )
    actor = Actor.staff(user, client_ip(request))
    outcome = await attempt_value(
        db,
        lambda: service.save_ratings(db, user, assignment_id, ratings, source="page", actor=actor),
    )
    if isinstance(outcome, CactError):
        if outcome.status == 404:
            return error_page(request, outcome)
        return await _rating_page(
            request,
            db,
            user,
            assignment_id,
            status_code=outcome.status,
            errors=refusal_lines(outcome, lang),
            draft=draft,
        )
    return RedirectResponse(
        f"/assessor/assignments/{assignment_id}?done=ratings_saved", status_code=303
    )
