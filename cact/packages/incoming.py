"""A package uploaded on the admin page waits in ``$CACT_DATA_DIR/packages/incoming/<sha256>``
between its preview and "Terapkan", so the file is sent once and applied exactly as previewed."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

from cact.kit.errors import InvalidInput, NotFound
from cact.kit.limits import UPLOAD_BODY_BYTES

# The uploads' limit, which nginx also sets (deploy/nginx): a 900-participant wave is a few MiB;
# a larger package (an item bank heavy with pictures) goes by `cact package import`.
PACKAGE_BODY_BYTES = UPLOAD_BODY_BYTES
KEEP_SECONDS = 24 * 3600
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadGone(NotFound):
    code = "package_upload_gone"
    message = (
        "Berkas unggahan tidak ada lagi; unggah paketnya sekali lagi. / "
        "The uploaded file is gone; upload the package again."
    )


class EmptyUpload(InvalidInput):
    code = "package_upload_empty"
    message = "Pilih berkas paket (.cactpkg). / Choose a package file (.cactpkg)."


class PackageTooLarge(InvalidInput):
    status = 413
    code = "package_too_large"
    message = (
        f"Berkas lebih dari {PACKAGE_BODY_BYTES // 1024**2} MiB. / "
        f"The file is over {PACKAGE_BODY_BYTES // 1024**2} MiB."
    )


def incoming_dir(data_dir: Path) -> Path:
    return data_dir / "packages" / "incoming"


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def keep(data_dir: Path, data: bytes) -> str:
    """Store the upload (mode 0600: it may be a wave's items, still encrypted); its SHA-256."""
    if not data:
        raise EmptyUpload()
    if len(data) > PACKAGE_BODY_BYTES:
        raise PackageTooLarge()
    folder = incoming_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _prune(folder)
    digest = hashlib.sha256(data).hexdigest()
    partial = folder / f".{digest}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.replace(partial, folder / digest)
    return digest


def take(data_dir: Path, digest: str) -> bytes:
    """The stored upload, checked against its name (a file changed on disk is refused)."""
    if not _SHA256.match(digest):
        raise UploadGone()
    try:
        data = (incoming_dir(data_dir) / digest).read_bytes()
    except OSError:
        raise UploadGone() from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise UploadGone()
    return data


def discard(data_dir: Path, digest: str) -> None:
    if _SHA256.match(digest):
        (incoming_dir(data_dir) / digest).unlink(missing_ok=True)
