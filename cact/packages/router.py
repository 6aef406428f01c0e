"""The JSON API beside the admin pages, for scripts: ``GET /api/keys``, and
``POST /api/packages/preview`` / ``/api/packages/import`` with the package file as the raw body
(``Content-Type: application/octet-stream``). Admin only; the session cookie needs the CSRF
header like every staff API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.keys import service as keys
from cact.keys.identity import IdentityMissing, load_identity
from cact.kit.db import DbSession
from cact.packages import overview
from cact.packages.incoming import PACKAGE_BODY_BYTES, EmptyUpload

router = APIRouter(prefix="/api", tags=["packages"])


async def _body(request: Request) -> bytes:
    data = await request.body()
    if not data:
        raise EmptyUpload()
    return data


@router.get("/keys")
async def list_keys(_: AdminUser, request: Request, db: DbSession) -> dict[str, Any]:
    """This server's identity (null before `cact keys init`) and the keys it trusts."""
    try:
        identity = load_identity(request.app.state.settings.data_dir)
        own: dict[str, Any] | None = {
            "name": identity.name,
            "fingerprint": identity.fingerprint,
            "public_key_file": identity.public.to_file(),
        }
    except IdentityMissing:
        own = None
    trusted = [
        {
            "id": row.id,
            "name": row.name,
            "role": row.role,
            "fingerprint": row.fingerprint,
            "trusted_at": row.trusted_at.isoformat(),
            "trusted_by": row.trusted_by,
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            "revoked_by": row.revoked_by,
        }
        for row in await keys.list_keys(db)
    ]
    return {"identity": own, "trusted": trusted}


@router.post("/packages/preview", max_body_size=PACKAGE_BODY_BYTES)
async def preview_package(admin: AdminUser, request: Request, db: DbSession) -> dict[str, Any]:
    """What importing the body would create and update; nothing is written."""
    data = await _body(request)
    identity = load_identity(request.app.state.settings.data_dir)
    actor = Actor.staff(admin, client_ip(request))
    return (await overview.preview(db, data, actor, identity)).as_json()


@router.post("/packages/import", max_body_size=PACKAGE_BODY_BYTES)
async def import_package(admin: AdminUser, request: Request, db: DbSession) -> dict[str, Any]:
    """Apply the body, all or nothing; ``already_applied`` when it was applied before."""
    data = await _body(request)
    identity = load_identity(request.app.state.settings.data_dir)
    actor = Actor.staff(admin, client_ip(request))
    return (await overview.apply(db, data, actor, identity)).as_json()
