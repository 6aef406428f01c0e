"""The package file: ``CACT-PACKAGE/1\\n`` + one header JSON line + the payload encrypted with a
NaCl Box (sender X25519 → recipient X25519) + an Ed25519 signature (64 bytes, at the end) over
everything before it. Opening checks, in this order: the signer is trusted, the signature, the
recipient is this server, the decryption, the payload's SHA-256 and size."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import Box
from nacl.public import PublicKey as BoxPublicKey
from nacl.signing import VerifyKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cact.keys.identity import Identity, PublicKey, grouped
from cact.kit.errors import Forbidden, InvalidInput

MAGIC = b"CACT-PACKAGE/1\n"
SIGNATURE_BYTES = 64
MAX_HEADER_BYTES = 4096
MAX_PAYLOAD_BYTES = 2 * 1024**3  # decompressed JSON; a 900-participant wave is ~1 % of this

Kind = Literal["wave", "results"]


class NotAPackage(InvalidInput):
    code = "not_a_package"
    message = "Berkas ini bukan paket CACT. / This file is not a CACT package."


class PackageTampered(InvalidInput):
    code = "package_tampered"
    message = (
        "Paket rusak atau telah diubah (tanda tangan atau isi tidak cocok); minta paket baru. / "
        "The package is damaged or was altered (signature or content does not match); ask for "
        "a new one."
    )


class UnknownSigner(Forbidden):
    code = "unknown_signer"
    message = (
        "Paket ditandatangani oleh server yang tidak dipercaya di sini. / "
        "The package is signed by a server this one does not trust."
    )


class NotForThisServer(InvalidInput):
    code = "not_for_this_server"
    message = (
        "Paket ini dienkripsi untuk server lain. / This package is encrypted for another server."
    )


class Header(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    package_id: uuid.UUID
    kind: Kind
    sitting_external_id: uuid.UUID
    version: int = Field(ge=1)
    created_at: datetime
    sender: str = Field(pattern=r"^[0-9a-f]{16}$")
    recipient: str = Field(pattern=r"^[0-9a-f]{16}$")
    payload_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    payload_size: int = Field(ge=0)


@dataclass(frozen=True)
class OpenedPackage:
    header: Header
    payload: bytes  # the gzip-compressed JSON, as it was sealed
    sha256: str  # of the whole file (a receipt's identity of what arrived)

    def records(self) -> dict[str, Any]:
        return decode_payload(self.payload)


def encode_payload(records: Mapping[str, Any]) -> bytes:
    text = json.dumps(records, ensure_ascii=False, separators=(",", ":"), default=str)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def decode_payload(payload: bytes) -> dict[str, Any]:
    try:
        inflater = zlib.decompressobj(wbits=31)
        raw = inflater.decompress(payload, MAX_PAYLOAD_BYTES)
        if inflater.unconsumed_tail:
            raise NotAPackage("Isi paket terlalu besar. / The package content is too large.")
        body = json.loads(raw.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        raise PackageTampered() from None
    if not isinstance(body, dict):
        raise PackageTampered()
    return body


def _split(data: bytes) -> tuple[bytes, Header, bytes, bytes]:
    """(signed part, header, ciphertext, signature) — the header parsed, nothing verified."""
    if not data.startswith(MAGIC):
        raise NotAPackage()
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES)
    if end < 0 or len(data) < end + 1 + SIGNATURE_BYTES:
        raise PackageTampered()
    try:
        header = Header.model_validate_json(data[len(MAGIC) : end])
    except ValidationError:
        raise PackageTampered() from None
    signed, signature = data[:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    return signed, header, data[end + 1 : -SIGNATURE_BYTES], signature


def read_header(data: bytes) -> Header:
    """The header as written, not yet verified (to look up the signer before anything else)."""
    return _split(data)[1]


def seal(
    payload: bytes,
    *,
    kind: Kind,
    sitting_external_id: uuid.UUID,
    version: int,
    identity: Identity,
    recipient: PublicKey,
    package_id: uuid.UUID | None = None,
) -> bytes:
    header = Header(
        package_id=package_id or uuid.uuid4(),
        kind=kind,
        sitting_external_id=sitting_external_id,
        version=version,
        created_at=datetime.now(UTC),
        sender=identity.fingerprint,
        recipient=recipient.fingerprint,
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_size=len(payload),
    )
    box = Box(identity.encryption_key, BoxPublicKey(recipient.encryption_public))
    ciphertext = bytes(box.encrypt(payload))
    signed = MAGIC + header.model_dump_json().encode("utf-8") + b"\n" + ciphertext
    return signed + identity.signing_key.sign(signed).signature


def open_envelope(
    data: bytes, identity: Identity, trusted: Mapping[str, PublicKey]
) -> OpenedPackage:
    """Verify and decrypt; ``trusted`` maps fingerprints to the keys trusted (not revoked)."""
    signed, header, ciphertext, signature = _split(data)
    sender = trusted.get(header.sender)
    if sender is None:
        raise UnknownSigner(
            f"{UnknownSigner.message} ({grouped(header.sender)}; `cact keys trust`)"
        )
    try:
        VerifyKey(sender.signing_public).verify(signed, signature)
    except BadSignatureError:
        raise PackageTampered() from None
    if header.recipient != identity.fingerprint:
        raise NotForThisServer(
            f"{NotForThisServer.message} ({grouped(header.recipient)} ≠ "
            f"{grouped(identity.fingerprint)})"
        )
    try:
        box = Box(identity.encryption_key, BoxPublicKey(sender.encryption_public))
        payload = box.decrypt(ciphertext)
    except (CryptoError, ValueError):
        raise PackageTampered() from None
    if len(payload) != header.payload_size or (
        hashlib.sha256(payload).hexdigest() != header.payload_sha256
    ):
        raise PackageTampered()
    return OpenedPackage(header, payload, hashlib.sha256(data).hexdigest())
