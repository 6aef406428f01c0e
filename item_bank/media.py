"""Item images: found in the upload or the package, judged by their bytes, returned for storage.

An item's `media.src` names an image relative to its item file. The image must come with the item
files (inside the same zip, or uploaded alongside), be PNG, JPEG, GIF or WebP by its magic bytes
and stay within `Limits.max_media_bytes`. SVG is never accepted: it can carry script.
"""

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

from item_bank.problems import Code, FieldPath, Report
from item_bank.safety import Limits, SafeZip

# Files of an upload that are images rather than item files (judged before any reader runs).
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".gif", ".webp", ".svg", ".svgz", ".bmp", ".tif", ".tiff"}
)


@dataclass(frozen=True)
class MediaBlob:
    """An accepted image: its file name, sniffed content type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MediaRef:
    """An item's `media.src` as the checker met it, with where to report a problem."""

    item_id: str | None
    src: str
    path: FieldPath


def sniff_image(data: bytes) -> str | None:
    """The content type of a PNG, JPEG, GIF or WebP image from its magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_image_upload(name: str, data: bytes) -> bool:
    suffix = posixpath.splitext(name.replace("\\", "/").lower())[1]
    return suffix in IMAGE_SUFFIXES or sniff_image(data) is not None


class MediaSource(Protocol):
    def find(self, src: str) -> tuple[str, bytes] | None:
        """The file `src` names, as (name, bytes), or None when there is no such file."""


class ZipImages:
    """Images inside a zip, `src` relative to the item file `base` (a member name)."""

    def __init__(self, archive: SafeZip, base: str = "") -> None:
        self.archive = archive
        self.base = base

    def find(self, src: str) -> tuple[str, bytes] | None:
        for candidate in dict.fromkeys((src, unquote(src))):
            name = SafeZip.normalise(self.base, candidate)
            if name is not None and name in self.archive.names:
                return name, self.archive.read(name)
        return None


class UploadedImages:
    """Images uploaded next to the item files: `src` matches the file's path or, failing that,
    its name alone (browsers send only the name), when exactly one image has that name."""

    def __init__(self, files: Iterable[tuple[str, bytes]]) -> None:
        self.files = [(_posix(name), name, data) for name, data in files]

    def find(self, src: str) -> tuple[str, bytes] | None:
        for candidate in dict.fromkeys((src, unquote(src))):
            wanted = posixpath.normpath(_posix(candidate))
            exact = [f for f in self.files if f[0] == wanted]
            inside = [f for f in self.files if f[0].endswith("/" + wanted)]
            by_name = [f for f in self.files if posixpath.basename(f[0]) == _basename(wanted)]
            for found in (exact, inside, by_name):
                if len(found) == 1:
                    return found[0][1], found[0][2]
        return None


class EmbeddedImages:
    """Images a document carries inside itself (Word pictures, Moodle XML `<file>`), by name;
    any other `src` is looked for among the uploaded images."""

    def __init__(self, files: dict[str, bytes], fallback: MediaSource) -> None:
        self.files = files
        self.fallback = fallback

    def find(self, src: str) -> tuple[str, bytes] | None:
        if src in self.files:
            return src, self.files[src]
        return self.fallback.find(src)


def _posix(name: str) -> str:
    return name.replace("\\", "/")


def _basename(name: str) -> str:
    return posixpath.basename(_posix(name))


def collect_media(
    report: Report, refs: Iterable[MediaRef], source: MediaSource, limits: Limits
) -> dict[str, MediaBlob]:
    """The images `refs` name, keyed by `src`; each one missing or refused is a problem."""
    judged: dict[str, MediaBlob | tuple[Code, dict[str, Any]]] = {}
    media: dict[str, MediaBlob] = {}
    for ref in refs:
        if ref.src not in judged:
            judged[ref.src] = _judge(source.find(ref.src), limits)
        outcome = judged[ref.src]
        if isinstance(outcome, MediaBlob):
            media[ref.src] = outcome
        else:
            code, params = outcome
            report.add(code, ref.path, item_id=ref.item_id, value=ref.src, **params)
    return media


def _judge(
    found: tuple[str, bytes] | None, limits: Limits
) -> MediaBlob | tuple[Code, dict[str, Any]]:
    if found is None:
        return Code.MISSING_MEDIA, {}
    name, data = found
    content_type = sniff_image(data)
    if content_type is None:
        return Code.UNSUPPORTED_MEDIA_TYPE, {}
    if len(data) > limits.max_media_bytes:
        return Code.MEDIA_TOO_LARGE, {"size": len(data), "limit": limits.max_media_bytes}
    return MediaBlob(_basename(name), content_type, data)
