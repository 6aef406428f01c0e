"""The receiving end of ``cact package push``: a resumable chunked upload.

1. ``declare``: the sender names the package (its header line, the file's size and SHA-256);
   the same package declared again resumes the same upload (a different file for the same
   package, while unfinished, starts it over).
2. ``store_chunk``: bytes at the offset the upload has reached; a chunk sent twice is stored
   once, a gap or any other offset is refused with the offset expected.
3. ``complete``: the whole file is checked (size, SHA-256, the declared header) and imported with
   ``import_package`` in the request's transaction; the receipt comes back signed by this server.

Every request is signed by a trusted server (``transport``); the declared header must name that
server as the signer and this one as the recipient, so nothing from anyone else is stored."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.keys.identity import Identity, grouped
from cact.keys.service import active_key, public_key_of
from cact.kit.errors import CactError, Conflict, Forbidden, InvalidInput, NotFound
from cact.packages.envelope import (
    MAGIC,
    MAX_HEADER_BYTES,
    SIGNATURE_BYTES,
    Header,
    NotForThisServer,
    UnknownSigner,
)
from cact.packages.models import PackageUpload
from cact.packages.push_repository import UploadRepository
from cact.packages.service import import_package
from cact.packages.transport import sign_acknowledgement, signer_of, verify_request

MAX_CHUNK_BYTES = 4 * 1024 * 1024  # the sender sends 1 MiB
CONTENT_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")


class UploadNotFound(NotFound):
    code = "upload_not_found"
    message = (
        "Unggahan tidak ditemukan (mungkin kedaluwarsa). / No such upload (it may have expired)."
    )


class PackageTooLarge(CactError):
    status = 413
    code = "package_too_large"
    message = (
        "Paket melebihi batas ukuran server ini. / The package exceeds this server's size limit."
    )


class SignerMismatch(Forbidden):
    code = "push_signer_mismatch"
    message = (
        "Paket ini ditandatangani oleh server lain daripada pengirimnya. / "
        "This package is signed by another server than the one sending it."
    )


class WrongOffset(Conflict):
    code = "upload_wrong_offset"
    message = (
        "Potongan tidak berada pada posisi yang ditunggu. / "
        "The chunk is not at the expected offset."
    )


class UploadIncomplete(Conflict):
    code = "upload_incomplete"
    message = "Unggahan belum lengkap. / The upload is not complete yet."


class UploadCorrupt(Conflict):
    code = "upload_corrupt"
    message = (
        "Berkas yang diterima tidak cocok dengan yang dinyatakan; unggahan dimulai ulang. / "
        "The file received does not match the one declared; the upload starts over."
    )


class UploadConflict(Conflict):
    code = "upload_conflict"
    message = (
        "Paket dengan id ini sudah diterima dengan isi lain. / "
        "A package with this id was already received with other content."
    )


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header_line: str = Field(min_length=2, max_length=MAX_HEADER_BYTES)
    size: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class UploadState:
    upload_id: uuid.UUID
    package_id: uuid.UUID
    size: int
    offset: int
    acknowledgement: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        return {
            "upload_id": str(self.upload_id),
            "package_id": str(self.package_id),
            "size": self.size,
            "offset": self.offset,
            "complete": self.acknowledgement is not None,
            "acknowledgement": self.acknowledgement,
        }


def _state(upload: PackageUpload) -> UploadState:
    return UploadState(
        upload.id, upload.package_id, upload.size, upload.received, upload.acknowledgement
    )


async def authenticate(
    session: AsyncSession, headers: Mapping[str, str], method: str, path: str, body: bytes
) -> str:
    """The fingerprint of the trusted server that signed this request, or a refusal."""
    signer = signer_of(headers)
    row = await active_key(session, signer)
    if row is None:
        raise UnknownSigner(f"{UnknownSigner.message} ({grouped(signer)}; `cact keys trust`)")
    verify_request(headers, method, path, body, public_key_of(row).signing_public)
    return signer


def parse_declaration(body: bytes) -> Declaration:
    try:
        return Declaration.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(
            f"Pernyataan unggahan tidak valid. / The upload declaration is not valid. ({problems})"
        ) from None


async def declare(
    session: AsyncSession,
    signer: str,
    declaration: Declaration,
    identity: Identity,
    *,
    max_bytes: int,
    stale_after: timedelta,
) -> UploadState:
    try:
        header = Header.model_validate_json(declaration.header_line)
    except ValidationError:
        raise InvalidInput(
            "header_line: bukan header paket CACT. / header_line: not a CACT package header."
        ) from None
    if header.sender != signer:
        raise SignerMismatch(f"{SignerMismatch.message} ({grouped(header.sender)})")
    if header.recipient != identity.fingerprint:
        raise NotForThisServer(
            f"{NotForThisServer.message} ({grouped(header.recipient)} ≠ "
            f"{grouped(identity.fingerprint)})"
        )
    if declaration.size > max_bytes:
        raise PackageTooLarge(f"{PackageTooLarge.message} ({declaration.size} > {max_bytes})")
    smallest = len(MAGIC) + len(declaration.header_line.encode()) + 1 + SIGNATURE_BYTES
    if declaration.size < smallest:
        raise InvalidInput(f"size: < {smallest}")
    uploads = UploadRepository(session)
    now = datetime.now(UTC)
    await uploads.drop_stale(now - stale_after)
    upload = await uploads.by_package_for_update(header.package_id)
    if upload is not None and upload.completed_at is not None:
        if upload.sha256 != declaration.sha256:
            raise UploadConflict()
        return _state(upload)
    if upload is None:
        upload = await uploads.add(
            PackageUpload(
                package_id=header.package_id,
                kind=header.kind,
                sender=signer,
                sitting_external_id=header.sitting_external_id,
                header_line=declaration.header_line,
                size=declaration.size,
                sha256=declaration.sha256,
                received=0,
            )
        )
    elif (upload.sha256, upload.size, upload.header_line) != (
        declaration.sha256,
        declaration.size,
        declaration.header_line,
    ) or upload.sender != signer:
        await uploads.drop_chunks(upload.id)
        upload.sender, upload.header_line = signer, declaration.header_line
        upload.size, upload.sha256, upload.received = declaration.size, declaration.sha256, 0
        upload.updated_at = now
        await session.flush()
    return _state(upload)


def upload_key(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise UploadNotFound() from None


async def _own_upload(session: AsyncSession, upload_id: uuid.UUID, signer: str) -> PackageUpload:
    upload = await UploadRepository(session).for_update(upload_id)
    if upload is None or upload.sender != signer:  # another server's upload does not exist
        raise UploadNotFound()
    return upload


async def status(session: AsyncSession, upload_id: uuid.UUID, signer: str) -> UploadState:
    return _state(await _own_upload(session, upload_id, signer))


def parse_content_range(value: str | None, length: int, size: int) -> int:
    """``bytes START-END/TOTAL`` → START, checked against the body and the declared size."""
    match = CONTENT_RANGE.match(value or "")
    if match is None:
        raise InvalidInput(
            "Content-Range: 'bytes AWAL-AKHIR/TOTAL'. / Content-Range: 'bytes START-END/TOTAL'."
        )
    start, end, total = (int(g) for g in match.groups())
    if length == 0 or end - start + 1 != length:
        raise InvalidInput(
            "Content-Range tidak cocok dengan panjang isi. / "
            "Content-Range does not match the body's length."
        )
    if total != size:
        raise InvalidInput(f"Content-Range: total {total} ≠ {size}")
    if end >= size:
        raise PackageTooLarge(f"{PackageTooLarge.message} ({end + 1} > {size})")
    return start


async def store_chunk(
    session: AsyncSession,
    upload_id: uuid.UUID,
    signer: str,
    content_range: str | None,
    data: bytes,
) -> UploadState:
    upload = await _own_upload(session, upload_id, signer)
    offset = parse_content_range(content_range, len(data), upload.size)
    uploads = UploadRepository(session)
    if offset == upload.received and upload.completed_at is None:
        await uploads.add_chunk(upload.id, offset, data)
        upload.received += len(data)
        upload.updated_at = datetime.now(UTC)
        await session.flush()
        return _state(upload)
    if offset < upload.received and await uploads.chunk_at(upload.id, offset) == data:
        return _state(upload)  # sent twice (its answer was lost): stored once
    if upload.completed_at is not None:
        return _state(upload)  # the chunks are gone once the package is in
    raise WrongOffset(
        f"{WrongOffset.message} ({offset} ≠ {upload.received})",
        headers={"Upload-Offset": str(upload.received)},
    )


@dataclass(frozen=True)
class Completion:
    state: UploadState
    corrupt: bool = False


async def complete(
    session: AsyncSession, upload_id: uuid.UUID, signer: str, identity: Identity
) -> Completion:
    """Import the whole file; a file that does not match its declaration is dropped (the caller
    commits that and answers ``UploadCorrupt``) so that the sender can send it again."""
    upload = await _own_upload(session, upload_id, signer)
    if upload.completed_at is not None:
        return Completion(_state(upload))
    if upload.received != upload.size:
        raise UploadIncomplete(
            f"{UploadIncomplete.message} ({upload.received} / {upload.size})",
            headers={"Upload-Offset": str(upload.received)},
        )
    uploads = UploadRepository(session)
    data = b"".join(chunk for _, chunk in await uploads.chunks(upload.id))
    expected_start = MAGIC + upload.header_line.encode() + b"\n"
    if (
        len(data) != upload.size
        or hashlib.sha256(data).hexdigest() != upload.sha256
        or not data.startswith(expected_start)
    ):
        await uploads.drop_chunks(upload.id)
        upload.received, upload.updated_at = 0, datetime.now(UTC)
        await session.flush()
        return Completion(_state(upload), corrupt=True)
    sender = await active_key(session, signer)
    actor = Actor.system(f"push: {sender.name if sender else grouped(signer)}")
    done = await import_package(session, data, actor, identity)
    now = datetime.now(UTC)
    upload.acknowledgement = sign_acknowledgement(
        identity,
        {
            "package_id": str(done.package_id),
            "kind": done.kind,
            "sitting_external_id": str(done.sitting_external_id),
            "version": done.version,
            "sha256": upload.sha256,
            "size": upload.size,
            "applied": done.applied,
            "already_applied": done.already_applied,
            "summary": done.summary,
            "acknowledged_at": now.isoformat(),
        },
    )
    upload.completed_at = upload.updated_at = now
    await uploads.drop_chunks(upload.id)
    await session.flush()
    return Completion(_state(upload))
