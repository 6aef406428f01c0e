"""What the sender and the receiver of a pushed package agree on, with no database: every
request signed by the sender's Ed25519 key, and the acknowledgement signed by the receiver's.

A request carries ``X-Cact-Signer`` (the sender's fingerprint), ``X-Cact-Timestamp`` (Unix
seconds) and ``X-Cact-Signature`` (base64 Ed25519) over ``CACT-PUSH/1``, the method, the path
with its query, the timestamp and the SHA-256 of the body. No password crosses the wire; a
replayed request can only repeat what every step already makes idempotent."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from cact.keys.identity import Identity, b64, fingerprint_of, grouped
from cact.kit.errors import CactError, Unauthorized
from cact.packages.envelope import MAGIC, MAX_HEADER_BYTES, NotAPackage, PackageTampered

SIGNER = "X-Cact-Signer"
TIMESTAMP = "X-Cact-Timestamp"
SIGNATURE = "X-Cact-Signature"
CLOCK_SKEW_SECONDS = 3600  # a room server without internet may drift; replays are harmless
ACK_FORMAT = "cact-ack/1"


class PushUnauthorized(Unauthorized):
    code = "push_not_signed"
    message = (
        "Permintaan tidak ditandatangani dengan benar oleh server pengirim. / "
        "The request is not correctly signed by the sending server."
    )


class AckInvalid(CactError):
    status = 502
    code = "acknowledgement_invalid"
    message = (
        "Tanda terima dari server tujuan tidak sah (tanda tangan atau isi tidak cocok). / "
        "The receiving server's acknowledgement is not valid (signature or content mismatch)."
    )


def request_message(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"CACT-PUSH/1\n{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()


def sign_request(identity: Identity, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = identity.signing_key.sign(request_message(method, path, timestamp, body))
    return {
        SIGNER: identity.fingerprint,
        TIMESTAMP: timestamp,
        SIGNATURE: b64(signature.signature),
    }


def signer_of(headers: Mapping[str, str]) -> str:
    """The fingerprint the request names (not yet verified)."""
    signer = headers.get(SIGNER, "")
    if len(signer) != 16 or any(c not in "0123456789abcdef" for c in signer):
        raise PushUnauthorized(f"{PushUnauthorized.message} ({SIGNER})")
    return signer


def verify_request(
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    signing_public: bytes,
    now: float | None = None,
) -> None:
    timestamp = headers.get(TIMESTAMP, "")
    try:
        moment = int(timestamp)
        signature = base64.b64decode(headers.get(SIGNATURE, ""), validate=True)
    except (ValueError, binascii.Error):
        raise PushUnauthorized() from None
    if abs((time.time() if now is None else now) - moment) > CLOCK_SKEW_SECONDS:
        raise PushUnauthorized(
            "Jam server pengirim dan penerima berselisih lebih dari 1 jam; setel jamnya. / "
            "The sender's and receiver's clocks differ by more than an hour; set the clock."
        )
    try:
        VerifyKey(signing_public).verify(request_message(method, path, timestamp, body), signature)
    except (BadSignatureError, ValueError):
        raise PushUnauthorized() from None


def header_line(data: bytes) -> str:
    """The package's header JSON line, as the file carries it."""
    if not data.startswith(MAGIC):
        raise NotAPackage()
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES)
    if end < 0:
        raise PackageTampered()
    return data[len(MAGIC) : end].decode("utf-8")


def _canonical(body: Mapping[str, Any]) -> bytes:
    fields = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_acknowledgement(identity: Identity, fields: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "format": ACK_FORMAT,
        **fields,
        "receiver": identity.fingerprint,
        "receiver_name": identity.name,
        "receiver_signing_public": b64(bytes(identity.signing_key.verify_key)),
    }
    body["signature"] = b64(identity.signing_key.sign(_canonical(body)).signature)
    return body


def verify_acknowledgement(
    ack: Mapping[str, Any],
    *,
    package_id: str,
    sha256: str,
    recipient: str,
    trusted_signing_public: bytes | None = None,
) -> None:
    """The receiver is the server the package was encrypted to (its fingerprint, and the key
    this server trusts under it if any), it signed this acknowledgement, for this very file."""
    try:
        public = base64.b64decode(str(ack["receiver_signing_public"]), validate=True)
        signature = base64.b64decode(str(ack["signature"]), validate=True)
        fields_match = (
            ack["format"] == ACK_FORMAT
            and ack["receiver"] == recipient
            and ack["package_id"] == package_id
            and ack["sha256"] == sha256
        )
    except (KeyError, ValueError, binascii.Error):
        raise AckInvalid() from None
    if not fields_match or len(public) != 32 or fingerprint_of(public) != recipient:
        raise AckInvalid(f"{AckInvalid.message} ({grouped(recipient)})")
    if trusted_signing_public is not None and public != trusted_signing_public:
        raise AckInvalid(f"{AckInvalid.message} ({grouped(recipient)})")
    try:
        VerifyKey(public).verify(_canonical(ack), signature)
    except (BadSignatureError, ValueError):
        raise AckInvalid() from None
