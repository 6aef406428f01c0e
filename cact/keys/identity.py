"""This server's identity: an Ed25519 signing key and an X25519 encryption key (PyNaCl), kept
in ``$CACT_DATA_DIR/keys/identity.json`` (mode 0600), and the public-key file others trust."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey
from nacl.signing import SigningKey

from cact.kit.errors import CactError, Conflict, InvalidInput, NotFound

KEY_FORMAT = "cact-key/1"
IDENTITY_FORMAT = "cact-identity/1"
IDENTITY_FILE = "identity.json"
FINGERPRINT_HEX = 16
MAX_KEY_FILE_BYTES = 16_384


class IdentityMissing(NotFound):
    code = "identity_missing"
    message = (
        "Server ini belum punya kunci; jalankan `cact keys init`. / "
        "This server has no keys yet; run `cact keys init`."
    )


class IdentityExists(Conflict):
    code = "identity_exists"
    message = (
        "Server ini sudah punya kunci (ganti hanya dengan --force). / "
        "This server already has keys (replace them only with --force)."
    )


class InvalidKeyFile(InvalidInput):
    code = "invalid_key_file"
    message = "Berkas kunci publik tidak valid. / The public-key file is not valid."


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint_of(signing_public: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of the signing public key."""
    return hashlib.sha256(signing_public).hexdigest()[:FINGERPRINT_HEX]


def grouped(fingerprint: str) -> str:
    """``3f2a9c01b7e4d5a6`` → ``3f2a 9c01 b7e4 d5a6``: read aloud over the phone."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


@dataclass(frozen=True)
class PublicKey:
    """Another server's (or this one's) public half, as its key file carries it."""

    name: str
    signing_public: bytes
    encryption_public: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.signing_public)

    def to_file(self) -> str:
        body = {
            "format": KEY_FORMAT,
            "name": self.name,
            "fingerprint": self.fingerprint,
            "signing_public": b64(self.signing_public),
            "encryption_public": b64(self.encryption_public),
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Identity:
    name: str
    signing_key: SigningKey
    encryption_key: PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(
            self.name,
            bytes(self.signing_key.verify_key),
            bytes(self.encryption_key.public_key),
        )

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint


def identity_path(data_dir: Path) -> Path:
    return data_dir / "keys" / IDENTITY_FILE


def init_identity(data_dir: Path, name: str, *, force: bool = False) -> Identity:
    """Make a new identity; an existing one is kept unless ``force`` (trust in it is lost)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Nama server 1–200 karakter. / The server name takes 1–200 characters.")
    path = identity_path(data_dir)
    if path.exists() and not force:
        raise IdentityExists()
    identity = Identity(name, SigningKey.generate(), PrivateKey.generate())
    body = {
        "format": IDENTITY_FORMAT,
        "name": name,
        "signing_private": b64(bytes(identity.signing_key)),
        "encryption_private": b64(bytes(identity.encryption_key)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(json.dumps(body, indent=2) + "\n")
    return identity


def load_identity(data_dir: Path) -> Identity:
    path = identity_path(data_dir)
    try:
        body = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise IdentityMissing() from None
    except (OSError, ValueError) as exc:
        raise CactError(f"{path}: {exc}") from None
    if body.get("format") != IDENTITY_FORMAT:
        raise CactError(f"{path}: not a {IDENTITY_FORMAT} file")
    return Identity(
        str(body["name"]),
        SigningKey(base64.b64decode(body["signing_private"])),
        PrivateKey(base64.b64decode(body["encryption_private"])),
    )


def _key_bytes(body: dict[str, Any], field: str) -> bytes:
    value = body.get(field)
    try:
        raw = base64.b64decode(str(value), validate=True) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidKeyFile(
            f"{field}: bukan kunci 32 bita dalam base64. / {field}: not a 32-byte base64 key."
        )
    return raw


def parse_key_file(data: bytes) -> PublicKey:
    """A ``cact-key/1`` file, checked field by field; its fingerprint must match its key."""
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InvalidKeyFile("Berkas terlalu besar. / The file is too large.")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidKeyFile(
            "Bukan JSON; pilih berkas dari `cact keys export`. / "
            "Not JSON; choose the file written by `cact keys export`."
        ) from None
    if not isinstance(body, dict) or body.get("format") != KEY_FORMAT:
        raise InvalidKeyFile(f"format: harus {KEY_FORMAT}. / format: must be {KEY_FORMAT}.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidKeyFile("name: 1–200 karakter. / name: 1–200 characters.")
    key = PublicKey(
        name.strip(), _key_bytes(body, "signing_public"), _key_bytes(body, "encryption_public")
    )
    if body.get("fingerprint") != key.fingerprint:
        raise InvalidKeyFile(
            "fingerprint: tidak cocok dengan kuncinya (berkas rusak atau diubah). / "
            "fingerprint: does not match the key (the file is damaged or was altered)."
        )
    return key


def read_key_file(path: Path) -> PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidKeyFile(f"{path}: {exc.strerror}") from None
    return parse_key_file(data)
