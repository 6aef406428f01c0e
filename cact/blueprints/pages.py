"""Editor pages for blueprints (server-rendered): list and upload, sections and bank check,
one generated form previewed as the kiosk shows it."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Annotated, Any, cast

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.deps import EditorUser, client_ip
from cact.bank.pages import question_view
from cact.blueprints import service
from cact.blueprints.forms import Shortfall
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.kit.db import DbSession
from cact.kit.errors import CactError, InvalidInput, NotFound
from cact.kit.i18n import request_language, translate
from cact.kit.pages import attempt_value, error_page, lang_switch_href, say, when
from cact.kit.templates import render
from item_bank.blueprint import load_blueprint
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(include_in_schema=False)

MAX_SEED = 2**62


class BadSeed(InvalidInput):
    code = "invalid_seed"
    message = (
        f"Seed harus bilangan bulat 0 sampai {MAX_SEED}. / "
        f"The seed must be a whole number from 0 to {MAX_SEED}."
    )


def _selection(section: BlueprintSection) -> list[dict[str, Any]]:
    return [
        {"competency": r["competency"], "count": r["count"], "level": r.get("level")}
        for r in section.rules or []
    ]


def _section_rows(blueprint: Blueprint) -> list[dict[str, Any]]:
    breaks_after = [*service.breaks_before(blueprint)[1:], None]
    return [
        {
            "number": number,
            "title": s.title,
            "minutes": s.time_limit_seconds // 60,
            "rules": _selection(s),
            "item_ids": list(s.item_ids or []),
            "item_count": len(s.item_ids or []) + sum(r["count"] for r in s.rules or []),
            "shuffle_items": s.shuffle_items,
            "shuffle_options": s.shuffle_options,
            "break_after": breaks_after[number - 1],
        }
        for number, s in enumerate(blueprint.sections, start=1)
    ]


def _summary(blueprint: Blueprint) -> dict[str, Any]:
    sections = _section_rows(blueprint)
    return {
        "id": blueprint.id,
        "code": blueprint.code,
        "title": blueprint.title,
        "sections": len(sections),
        "minutes": sum(s["minutes"] for s in sections),
        "item_count": sum(s["item_count"] for s in sections),
        "created_at": when(blueprint.created_at),
    }


def _shortfall_rows(blueprint: Blueprint, missing: list[Shortfall]) -> list[dict[str, Any]]:
    titles = {n: s.title for n, s in enumerate(blueprint.sections, start=1)}
    return [{**asdict(s), "section_title": titles.get(s.section, "")} for s in missing]


# --- list and upload ----------------------------------------------------------------------


async def _list_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    page = {
        "section": "blueprints",
        "blueprints": [_summary(b) for b in await service.listing(db)],
        "problems": [],
        "error": None,
        "filename": None,
        **context,
    }
    return render(request, "editor/blueprints.html", page, status_code=status_code)


@router.get("/editor/blueprints")
async def blueprint_list(_: EditorUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _list_page(request, db)


@router.post("/editor/blueprints")
async def blueprint_upload(
    editor: EditorUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    lang = request_language(request)
    if file is None or not file.filename:
        error = translate(lang, "editor.blueprints.no_file")
        return await _list_page(request, db, status_code=422, error=error)
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    loaded = load_blueprint(file.filename, data)
    if loaded.blueprint is None:
        return await _list_page(
            request, db, status_code=422, problems=loaded.problems, filename=file.filename
        )
    blueprint, actor = loaded.blueprint, Actor.staff(editor, client_ip(request))
    saved = await attempt_value(db, lambda: service.save(db, blueprint, actor))
    if isinstance(saved, CactError):
        return await _list_page(
            request, db, status_code=saved.status, error=say(saved, lang), filename=file.filename
        )
    return RedirectResponse(f"/editor/blueprints/{saved.id}?saved=1", status_code=303)


# --- one blueprint ------------------------------------------------------------------------


@router.get("/editor/blueprints/{blueprint_id}")
async def blueprint_page(
    blueprint_id: int, _: EditorUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        blueprint = await service.get(db, blueprint_id)
    except NotFound as exc:
        return error_page(request, exc)
    wanted, missing = await service.check(db, blueprint_id)
    return render(
        request,
        "editor/blueprint.html",
        {
            "section": "blueprints",
            "blueprint": _summary(blueprint),
            "sections": _section_rows(blueprint),
            "wanted": wanted,
            "shortfalls": _shortfall_rows(blueprint, missing),
            "saved_now": request.query_params.get("saved") == "1",
        },
    )


def _seed(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return secrets.randbits(62)
    return int(raw) if raw.isdigit() and int(raw) <= MAX_SEED else None


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@router.get("/editor/blueprints/{blueprint_id}/preview")
async def blueprint_preview(
    blueprint_id: int,
    _: EditorUser,
    request: Request,
    db: DbSession,
    seed: str | None = None,
) -> HTMLResponse:
    """One generated form, as a participant would get it (same generator, same shuffles)."""
    try:
        blueprint = await service.get(db, blueprint_id)
    except NotFound as exc:
        return error_page(request, exc)
    chosen = _seed(seed)
    if chosen is None:
        return error_page(request, BadSeed())
    context: dict[str, Any] = {
        "blueprint": _summary(blueprint),
        "seed": chosen,
        "another_seed": secrets.randbits(62),
        "lang_href": lang_switch_href(request),
    }
    try:
        previewed = await service.form_preview(db, blueprint, chosen)
    except service.BlueprintUnsatisfiable as exc:
        missing = [Shortfall(**found) for found in cast(list[dict[str, Any]], exc.detail)]
        context["shortfalls"] = _shortfall_rows(blueprint, missing)
        return render(request, "editor/blueprint_preview.html", context, status_code=409)
    sections = [
        {
            "title": section.title,
            "clock": _clock(section.time_limit_seconds),
            "minutes": section.time_limit_seconds // 60,
            "questions": [
                {**question_view(shown), "version": version}
                for shown, version in zip(section.items, section.versions, strict=True)
            ],
        }
        for section in previewed
    ]
    number = sum(len(section.items) for section in previewed)
    context.update(sections=sections, item_count=number)
    return render(request, "editor/blueprint_preview.html", context)
