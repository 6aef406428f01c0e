"""Admin pages for issue 21: this server's keys and the servers it trusts (/admin/keys), and
wave packages — export for a room, import with a preview, the applied packages (/admin/packages).
The keys pages live here, not in cact.keys, because the keys sit below the staff accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from cact.auth.deps import AdminUser, client_ip
from cact.exam.statuses import SittingStatus
from cact.keys import service as keys
from cact.keys.identity import (
    Identity,
    IdentityMissing,
    grouped,
    identity_path,
    init_identity,
    load_identity,
    parse_key_file,
)
from cact.kit.db import DbSession
from cact.kit.errors import CactError, InvalidInput
from cact.kit.i18n import catalogue, request_language
from cact.kit.pages import admin_page, attempt_value, error_page, say
from cact.packages import incoming, overview
from cact.packages.incoming import PACKAGE_BODY_BYTES
from cact.packages.repository import ReceiptListing
from cact.packages.service import export_wave
from cact.rooms.schemas import MAX_ID, PathId
from cact.sittings import service as sittings

router = APIRouter(include_in_schema=False)

KEY_FILE_FORM_BYTES = 64 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _data_dir(request: Request) -> Path:
    data_dir: Path = request.app.state.settings.data_dir
    return data_dir


def server_identity(request: Request) -> Identity | None:
    try:
        return load_identity(_data_dir(request))
    except IdentityMissing:
        return None


def _identity_or_raise(request: Request) -> Identity:
    return load_identity(_data_dir(request))


def _created_at(request: Request) -> datetime | None:
    try:
        return datetime.fromtimestamp(identity_path(_data_dir(request)).stat().st_mtime, UTC)
    except OSError:
        return None


def _labels(request: Request) -> dict[str, Any]:
    """``label("packages.what", "seat")``: the catalogue's word, else the applier's own."""
    words = catalogue(request_language(request))
    return {"label": lambda prefix, key: words.get(f"{prefix}.{key}", key)}


def file_name(text: str) -> str:
    return _SAFE_NAME.sub("-", text).strip("-.")[:80] or "cact"


def _number(value: str) -> int | None:
    number = int(value) if value.strip().isdigit() else None
    return number if number is not None and number <= MAX_ID else None


# --- /admin/keys ------------------------------------------------------------------------------


async def _keys_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    identity = server_identity(request)
    page = {
        "identity": identity,
        "fingerprint": grouped(identity.fingerprint) if identity else None,
        "created_at": _created_at(request) if identity else None,
        "trusted": await keys.list_keys(db),
        "grouped": grouped,
        "candidate": None,
        **context,
    }
    return admin_page(request, "keys.html", "keys", status_code=status_code, **page)


@router.get("/admin/keys")
async def keys_page(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _keys_page(request, db)


@router.post("/admin/keys/init")
async def keys_init(
    admin: AdminUser, request: Request, db: DbSession, name: Annotated[str, Form()] = ""
) -> Response:
    """The button shown while the server has no identity (the same as `cact keys init`)."""
    try:
        made = init_identity(_data_dir(request), name)
    except CactError as exc:
        lang = request_language(request)
        return await _keys_page(request, db, status_code=exc.status, error=say(exc, lang))
    await record(
        db,
        Actor.staff(admin, client_ip(request)),
        "key.identity_created",
        target_type="server_identity",
        target_id=made.fingerprint,
        details={"name": made.name},
    )
    return RedirectResponse("/admin/keys?done=identity_created", 303)


@router.get("/admin/keys/public.json")
async def keys_download(_: AdminUser, request: Request) -> Response:
    """This server's public keys: the same file as `cact keys export`."""
    try:
        identity = _identity_or_raise(request)
    except CactError as exc:
        return error_page(request, exc)
    name = f"cact-key-{file_name(identity.name)}.json"
    return Response(
        identity.public.to_file(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/admin/keys/trust", max_body_size=KEY_FILE_FORM_BYTES)
async def keys_trust(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
    key_text: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "room",
    action: Annotated[str, Form()] = "check",
) -> Response:
    """Upload → the fingerprint to compare with the other server's owner → "Percayai"."""
    lang = request_language(request)
    data = await file.read(KEY_FILE_FORM_BYTES) if file is not None and file.filename else b""
    data = data or key_text.encode("utf-8")
    own = server_identity(request)
    try:
        if not data:
            raise InvalidInput(
                "Pilih berkas kunci publik server lain. / "
                "Choose the other server's public-key file."
            )
        key = parse_key_file(data)
        if own is not None and key.fingerprint == own.fingerprint:
            raise keys.OwnKey()
    except CactError as exc:
        return await _keys_page(request, db, status_code=exc.status, error=say(exc, lang))
    if action != "trust":
        candidate = {
            "name": key.name,
            "fingerprint": grouped(key.fingerprint),
            "text": key.to_file(),
            "role": role if role in ("office", "room") else "room",
        }
        return await _keys_page(request, db, candidate=candidate)
    actor = Actor.staff(admin, client_ip(request))
    done = await attempt_value(
        db,
        lambda: keys.trust(
            db,
            key,
            actor,
            role=role,
            own_fingerprint=own.fingerprint if own else None,
        ),
    )
    if isinstance(done, CactError):
        return await _keys_page(request, db, status_code=done.status, error=say(done, lang))
    return RedirectResponse("/admin/keys?done=key_trusted", 303)


@router.post("/admin/keys/{key_id}/revoke")
async def keys_revoke(
    key_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> Response:
    actor = Actor.staff(admin, client_ip(request))
    done = await attempt_value(db, lambda: keys.revoke(db, key_id, actor))
    if isinstance(done, CactError):
        lang = request_language(request)
        return await _keys_page(request, db, status_code=done.status, error=say(done, lang))
    return RedirectResponse("/admin/keys?done=key_revoked", 303)


# --- /admin/packages --------------------------------------------------------------------------


async def _packages_page(
    request: Request,
    db: AsyncSession,
    *,
    status_code: int = 200,
    chosen_sitting: int | None = None,
    **context: Any,
) -> HTMLResponse:
    room_keys = [k for k in await keys.list_keys(db) if k.role == "room" and not k.revoked_at]
    listed = await sittings.summaries(db)
    receipts = [
        {
            "receipt": receipt,
            "sitting": " — ".join(x for x in (code, title) if x)
            or str(receipt.sitting_external_id),
            "zone": zone,
            "sender": name or grouped(receipt.sender),
            "totals": overview.totals(dict(receipt.summary)),
        }
        for receipt, code, title, zone, name in await ReceiptListing(db).recent()
    ]
    page = {
        "identity": server_identity(request),
        "sittings": [
            {
                "id": s.id,
                "label": f"{s.code} — {s.title}",
                "scheduled": s.status == SittingStatus.SCHEDULED,
            }
            for s in listed
        ],
        "room_keys": room_keys,
        "grouped": grouped,
        "receipts": receipts,
        "chosen_sitting": chosen_sitting,
        "max_mib": PACKAGE_BODY_BYTES // 1024**2,
        **_labels(request),
        **context,
    }
    return admin_page(request, "packages.html", "packages", status_code=status_code, **page)


@router.get("/admin/packages")
async def packages_page(
    _: AdminUser, request: Request, db: DbSession, sitting: str = ""
) -> HTMLResponse:
    return await _packages_page(request, db, chosen_sitting=_number(sitting))


@router.post("/admin/packages/export")
async def packages_export(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    sitting_id: Annotated[str, Form()] = "",
    key_id: Annotated[str, Form()] = "",
) -> Response:
    """The wave package as a download (audited as package.exported)."""
    lang = request_language(request)
    chosen, key_number = _number(sitting_id), _number(key_id)
    actor = Actor.staff(admin, client_ip(request))

    async def export() -> tuple[str, bytes]:
        if chosen is None:
            raise InvalidInput("Pilih sesi. / Choose a sitting.")
        room_key = next(
            (k for k in await keys.list_keys(db) if k.id == key_number and not k.revoked_at),
            None,
        )
        if room_key is None or room_key.role != "room":
            raise InvalidInput(
                "Pilih kunci server ruang yang dipercaya. / Choose a trusted room server's key."
            )
        identity = _identity_or_raise(request)
        data = await export_wave(db, chosen, identity, keys.public_key_of(room_key), actor)
        detail = await sittings.detail(db, chosen)
        name = f"gelombang-{file_name(detail.code)}-{file_name(room_key.name)}.cactpkg"
        return name, data

    done = await attempt_value(db, export)
    if isinstance(done, CactError):
        return await _packages_page(
            request, db, status_code=done.status, chosen_sitting=chosen, error=say(done, lang)
        )
    name, data = done
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/admin/packages/preview", max_body_size=PACKAGE_BODY_BYTES + 64 * 1024)
async def packages_preview(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Upload → every check the import makes and what it would change; nothing is written."""
    lang = request_language(request)
    actor = Actor.staff(admin, client_ip(request))
    data = await file.read(PACKAGE_BODY_BYTES + 1) if file is not None and file.filename else b""
    try:
        digest = incoming.keep(_data_dir(request), data)
        identity = _identity_or_raise(request)
    except CactError as exc:
        return await _packages_page(request, db, status_code=exc.status, error=say(exc, lang))
    seen = await attempt_value(db, lambda: overview.preview(db, data, actor, identity))
    if isinstance(seen, CactError):
        incoming.discard(_data_dir(request), digest)
        return await _packages_page(request, db, status_code=seen.status, error=say(seen, lang))
    if seen.already_applied:
        incoming.discard(_data_dir(request), digest)
    name = file.filename if file is not None else ""
    return admin_page(
        request,
        "package_preview.html",
        "packages",
        seen=seen,
        digest=digest,
        name=name,
        **_labels(request),
    )


@router.post("/admin/packages/apply")
async def packages_apply(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    digest: Annotated[str, Form()] = "",
) -> Response:
    """ "Terapkan": the previewed file, all or nothing; then the result page."""
    lang = request_language(request)
    actor = Actor.staff(admin, client_ip(request))

    async def apply() -> overview.Overview:
        data = incoming.take(_data_dir(request), digest)
        return await overview.apply(db, data, actor, _identity_or_raise(request))

    done = await attempt_value(db, apply)
    if isinstance(done, CactError):
        return await _packages_page(request, db, status_code=done.status, error=say(done, lang))
    incoming.discard(_data_dir(request), digest)
    return admin_page(request, "package_result.html", "packages", seen=done, **_labels(request))
