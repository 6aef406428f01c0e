from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from cact.audit.service import Actor
from cact.auth.deps import EditorUser, client_ip
from cact.bank import service, uploads
from cact.bank.presenters import item_read, item_summary, kiosk_preview, version_read
from cact.bank.schemas import (
    ImportOutcome,
    ItemFilter,
    ItemRead,
    ItemSummary,
    ItemVersionRead,
    RetireRequest,
)
from cact.kit.db import DbSession
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pagination import Page, Pagination

router = APIRouter(prefix="/api/items", tags=["item bank"])
media_router = APIRouter(tags=["item bank"])

Files = Annotated[list[UploadFile], File(description="YAML, JSON, XLSX, CSV, QTI XML or zip")]


@router.get("", response_model=Page[ItemSummary])
async def list_items(
    _: EditorUser, db: DbSession, page: Pagination, filters: Annotated[ItemFilter, Query()]
) -> Page[ItemSummary]:
    rows, total = await service.search(db, filters, limit=page.limit, offset=page.offset)
    return Page(
        items=[item_summary(item, version) for item, version in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/validate", response_model=uploads.ValidationReport, max_body_size=UPLOAD_BODY_BYTES)
async def validate_upload(
    _: EditorUser,
    db: DbSession,
    files: Files,
    competency: Annotated[str | None, Form()] = None,
) -> uploads.ValidationReport:
    """Check files without writing anything; every problem with its location."""
    loaded = await uploads.load(db, files, default_competency=competency)
    return loaded.report()


@router.post("/import", response_model=ImportOutcome, max_body_size=UPLOAD_BODY_BYTES)
async def import_items(
    editor: EditorUser,
    request: Request,
    db: DbSession,
    files: Files,
    competency: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportOutcome:
    """All or nothing: any problem in any file → 422 with every problem, nothing written."""
    loaded = await uploads.load(db, files, default_competency=competency)
    loaded.raise_for_problems()
    outcome = await service.import_item_sets(
        db,
        loaded.item_sets,
        loaded.media,
        Actor.staff(editor, client_ip(request)),
        dry_run=dry_run,
    )
    if dry_run:
        await db.rollback()
    return outcome


@router.get("/template.{fmt}")
async def download_template(_: EditorUser, fmt: str) -> Response:
    return uploads.template_response(fmt)


@router.get("/{item_id}", response_model=ItemRead)
async def get_item(item_id: str, _: EditorUser, db: DbSession) -> ItemRead:
    item, version = await service.get_item(db, item_id)
    return await item_read(db, item, version)


@router.get("/{item_id}/versions", response_model=list[ItemVersionRead])
async def item_versions(item_id: str, _: EditorUser, db: DbSession) -> list[ItemVersionRead]:
    return [await version_read(db, v) for v in await service.history(db, item_id)]


@router.get("/{item_id}/preview")
async def preview_item(item_id: str, _: EditorUser, db: DbSession) -> dict[str, object]:
    """The item exactly as the kiosk protocol sends it: no weights, no key, no points."""
    item, version = await service.get_item(db, item_id)
    return await kiosk_preview(db, item, version)


@router.post("/{item_id}/retire", response_model=ItemRead)
async def retire_item(
    item_id: str, body: RetireRequest, editor: EditorUser, request: Request, db: DbSession
) -> ItemRead:
    await service.retire(db, item_id, body.reason, Actor.staff(editor, client_ip(request)))
    item, version = await service.get_item(db, item_id)
    return await item_read(db, item, version)


@media_router.get("/media/{sha256}")
async def media(sha256: str, db: DbSession) -> Response:
    """Item images for kiosks: addressed by content hash, so they can be cached for good."""
    found = await service.media_by_sha(db, sha256)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha256}"'},
    )
