"""The integration pages (lead assessor, admin): a programme's people, and one person's
evidence side by side with the form that sets the final levels and signs off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration, integration_signoff, service
from cact.assessors.deps import LeadOrAdmin
from cact.assessors.integration_repository import people
from cact.assessors.integration_schemas import MAX_LEVELS, FinalLevel, SignOffBody
from cact.assessors.models import INTEGRATION_RULES
from cact.assessors.pages import refusal_lines
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.auth.models import StaffUser
from cact.kit.db import DbSession
from cact.kit.errors import CactError, InvalidInput
from cact.kit.i18n import request_language, translate
from cact.kit.pages import attempt_value, error_page, flash_text
from cact.kit.templates import render
from cact.rooms.schemas import PathId

router = APIRouter(include_in_schema=False)


@router.get("/integration/programmes/{programme_id}")
async def people_page(
    programme_id: PathId, user: LeadOrAdmin, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        programme = await service.programme(db, programme_id)
    except CactError as exc:
        return error_page(request, exc)
    page = {
        "programme": programme,
        "people": await people(db, programme_id),
        "rule": await integration.rule(db, programme_id),
        "rules": INTEGRATION_RULES if user.has_role("admin") else (),
        "flash": flash_text(request),
    }
    return render(request, "assessor/integration_people.html", page)


@router.post("/integration/programmes/{programme_id}/rule")
async def set_rule(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    rule: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    if rule not in INTEGRATION_RULES:
        return error_page(request, RuleUnknown())
    actor = Actor.staff(admin, client_ip(request))
    outcome = await attempt_value(db, lambda: integration.set_rule(db, programme_id, rule, actor))
    if isinstance(outcome, CactError):
        return error_page(request, outcome)
    return RedirectResponse(
        f"/integration/programmes/{programme_id}?done=integration_rule_set", status_code=303
    )


class RuleUnknown(InvalidInput):
    code = "unknown_integration_rule"
    message = (
        "Aturan integrasi tidak dikenal (weighted_mean, assessors_decide). / "
        "Unknown integration rule (weighted_mean, assessors_decide)."
    )


async def _page(
    request: Request,
    db: AsyncSession,
    programme_id: int,
    participant_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    try:
        view = await integration.view(db, programme_id, participant_id)
    except CactError as exc:
        return error_page(request, exc)
    page = {
        "view": view,
        "levels": [1, 2, 3, 4, 5],
        "draft": {},
        "errors": [],
        "flash": flash_text(request),
        **context,
    }
    return render(request, "assessor/integration.html", page, status_code=status_code)


@router.get("/integration/programmes/{programme_id}/participants/{participant_id}")
async def integration_page(
    programme_id: PathId, participant_id: PathId, _: LeadOrAdmin, request: Request, db: DbSession
) -> HTMLResponse:
    return await _page(request, db, programme_id, participant_id)


@router.post("/integration/programmes/{programme_id}/participants/{participant_id}")
async def sign_off(
    programme_id: PathId,
    participant_id: PathId,
    user: LeadOrAdmin,
    request: Request,
    db: DbSession,
) -> Response:
    lang = request_language(request)
    form = await request.form()
    draft: dict[str, dict[str, str]] = {}
    levels: list[FinalLevel] = []
    errors: list[str] = []
    codes = [str(v)[:32] for v in form.getlist("competency")]
    if len(codes) > MAX_LEVELS:  # a forged form: the body's own limit, said on the page
        errors.append(translate(lang, "integ.too_many"))
        codes = []
    for code in codes:
        level = str(form.get(f"level|{code}", "")).strip()
        reason = str(form.get(f"reason|{code}", "")).strip()
        draft[code] = {"level": level, "reason": reason}
        if not level.isdigit() or len(level) > 2:
            errors.append(f"{code}: {translate(lang, 'integ.level_required')}")
            continue
        levels.append(FinalLevel(competency=code, level=int(level), reason=reason))
    if not errors:
        actor = Actor.staff(user, client_ip(request))
        outcome = await attempt_value(
            db, lambda: _sign(db, programme_id, participant_id, levels, user, actor)
        )
        if not isinstance(outcome, CactError):
            return RedirectResponse(
                f"/integration/programmes/{programme_id}/participants/{participant_id}"
                "?done=integration_signed",
                status_code=303,
            )
        if outcome.status == 404:
            return error_page(request, outcome)
        errors = refusal_lines(outcome, lang)
        status = outcome.status
    else:
        status = 422
    return await _page(
        request, db, programme_id, participant_id, status_code=status, errors=errors, draft=draft
    )


async def _sign(
    db: AsyncSession,
    programme_id: int,
    participant_id: int,
    levels: list[FinalLevel],
    user: StaffUser,
    actor: Actor,
) -> object:
    return await integration_signoff.sign_off(
        db, programme_id, participant_id, SignOffBody(levels=levels), user, actor
    )
