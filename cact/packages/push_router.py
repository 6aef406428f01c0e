"""``/api/packages/uploads``: where another server pushes a package (``cact package push``).
No staff session: every request is signed by a server this one trusts (``transport``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cact.config import Settings
from cact.keys.identity import Identity, load_identity
from cact.kit.db import DbSession
from cact.kit.errors import error_body
from cact.packages import uploads

router = APIRouter(prefix="/api/packages/uploads", tags=["packages"])


# The upload id is read after the signature (a str in the path): an unsigned request is
# refused the same whatever it names, before any query.


def _path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _identity(request: Request) -> Identity:
    return load_identity(_settings(request).data_dir)


async def _signer(request: Request, db: DbSession, body: bytes) -> str:
    return await uploads.authenticate(db, request.headers, request.method, _path(request), body)


@router.post("", status_code=200)
async def declare(request: Request, db: DbSession) -> dict[str, Any]:
    """Declare a package (header line, size, SHA-256); answers the upload and its offset."""
    body = await request.body()
    signer = await _signer(request, db, body)
    settings = _settings(request)
    state = await uploads.declare(
        db,
        signer,
        uploads.parse_declaration(body),
        _identity(request),
        max_bytes=settings.push_max_bytes,
        stale_after=timedelta(hours=settings.push_stale_hours),
    )
    return state.body()


@router.get("/{upload_id}")
async def upload_status(upload_id: str, request: Request, db: DbSession) -> dict[str, Any]:
    signer = await _signer(request, db, b"")
    return (await uploads.status(db, uploads.upload_key(upload_id), signer)).body()


@router.put("/{upload_id}", max_body_size=uploads.MAX_CHUNK_BYTES)
async def upload_chunk(upload_id: str, request: Request, db: DbSession) -> dict[str, Any]:
    """A chunk at ``Content-Range: bytes START-END/TOTAL``; START must be the upload's offset."""
    body = await request.body()
    signer = await _signer(request, db, body)
    state = await uploads.store_chunk(
        db, uploads.upload_key(upload_id), signer, request.headers.get("Content-Range"), body
    )
    return state.body()


@router.post("/{upload_id}/complete", response_model=None)
async def complete(
    upload_id: str, request: Request, db: DbSession
) -> dict[str, Any] | JSONResponse:
    """Check and import the whole file; answers the signed acknowledgement."""
    signer = await _signer(request, db, b"")
    done = await uploads.complete(db, uploads.upload_key(upload_id), signer, _identity(request))
    if done.corrupt:  # the reset is committed: the sender starts over
        error = uploads.UploadCorrupt()
        return JSONResponse(
            error_body(error.code, error.detail), error.status, headers={"Upload-Offset": "0"}
        )
    return done.state.body()
