from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from cact.audit.service import Actor
from cact.auth.deps import EditorUser, client_ip
from cact.blueprints import service
from cact.blueprints.schemas import (
    BlueprintCheck,
    BlueprintRead,
    FormPreview,
    PreviewSection,
    ShortfallRead,
)
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput
from item_bank.blueprint import load_blueprint
from item_bank.blueprint_sheet import write_blueprint_template
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(prefix="/api/blueprints", tags=["blueprints"])


class BlueprintRejected(InvalidInput):
    code = "invalid_blueprint"
    message = "Berkas kisi-kisi tidak valid. / Invalid blueprint file."


@router.get("", response_model=list[BlueprintRead])
async def list_blueprints(_: EditorUser, db: DbSession) -> list[BlueprintRead]:
    return [BlueprintRead.model_validate(b) for b in await service.listing(db)]


@router.post("/import", response_model=BlueprintRead, status_code=201)
async def import_blueprint(
    editor: EditorUser, request: Request, db: DbSession, file: Annotated[UploadFile, File()]
) -> BlueprintRead:
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    loaded = load_blueprint(file.filename or "blueprint.yaml", data)
    if loaded.blueprint is None:
        raise BlueprintRejected([p.model_dump(exclude_none=True) for p in loaded.problems])
    blueprint = await service.save(db, loaded.blueprint, Actor.staff(editor, client_ip(request)))
    return BlueprintRead.model_validate(await service.get(db, blueprint.id))


@router.get("/template.xlsx", response_class=Response)
async def blueprint_template(_: EditorUser) -> Response:
    """The XLSX blueprint: sheets `kisi-kisi` and `bagian`, one example row, a help sheet."""
    return Response(
        write_blueprint_template(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="kisi-kisi.xlsx"'},
    )


@router.get("/{blueprint_id}", response_model=BlueprintRead)
async def get_blueprint(blueprint_id: int, _: EditorUser, db: DbSession) -> BlueprintRead:
    return BlueprintRead.model_validate(await service.get(db, blueprint_id))


@router.get("/{blueprint_id}/check", response_model=BlueprintCheck)
async def check_blueprint(blueprint_id: int, _: EditorUser, db: DbSession) -> BlueprintCheck:
    wanted, missing = await service.check(db, blueprint_id)
    return BlueprintCheck(
        satisfiable=not missing,
        item_count=wanted,
        shortfalls=[ShortfallRead(**vars(s)) for s in missing],
    )


@router.get("/{blueprint_id}/preview", response_model=FormPreview)
async def preview_form(
    blueprint_id: int,
    _: EditorUser,
    db: DbSession,
    seed: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> FormPreview:
    """One generated form, as a participant would get it (same generator, same shuffles)."""
    seed = secrets.randbits(62) if seed is None else seed
    blueprint = await service.get(db, blueprint_id)
    sections = [
        PreviewSection(title=p.title, time_limit_seconds=p.time_limit_seconds, items=p.items)
        for p in await service.form_preview(db, blueprint, seed)
    ]
    return FormPreview(seed=seed, sections=sections)
