"""Load item files of any supported format, validate them and report every problem at once.

Uploads are all-or-nothing: use `LoadResult.ok` before storing anything. A file's set appears in
`item_sets` (and its images in `media`) only when that file has no problem at all.
"""

import io
import re
import zipfile
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from item_bank.aiken import looks_like_aiken, read_aiken
from item_bank.checker import CheckContext, ItemSetChecker, SeenId, describe
from item_bank.dictionary import dictionary_codes
from item_bank.docx_reader import read_docx
from item_bank.gift import looks_like_gift, read_gift
from item_bank.media import (
    EmbeddedImages,
    MediaBlob,
    MediaRef,
    MediaSource,
    UploadedImages,
    ZipImages,
    collect_media,
    is_image_upload,
)
from item_bank.models import ItemSet
from item_bank.moodle import is_moodle, read_moodle
from item_bank.native import read_native
from item_bank.problems import Code, Problem, Report
from item_bank.qti import find_manifest, read_qti_archive, read_qti_root
from item_bank.safety import DEFAULT_LIMITS, DamagedMember, Limits, SafeZip, open_zip, parse_xml
from item_bank.spreadsheet import read_csv, read_xlsx

EXTENSIONS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "text",
    ".xml": "qti",
    ".zip": "qti-package",
    ".docx": "docx",
    ".gift": "gift",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc and password-protected Office files
# Formats whose text may hold LaTeX `\( … \)` (QTI carries MathML itself).
LATEX_FORMATS = frozenset({"yaml", "json", "xlsx", "csv", "docx", "gift", "aiken", "moodle"})
NATIVE_SUFFIXES = (".yaml", ".yml", ".json")
BLUEPRINT_MARK = b"cact-blueprint/"


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: its name (for the format and the report) and its bytes."""

    name: str
    data: bytes


@dataclass
class LoadResult:
    """Valid item sets, every problem, and (when loaded `with_media`) the images the items use,
    keyed by the exact `media.src` of those items."""

    item_sets: list[ItemSet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    media: dict[str, MediaBlob] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Loaded:
    report: Report
    item_set: ItemSet | None = None
    seen_ids: list[SeenId] = field(default_factory=list)
    media_refs: list[MediaRef] = field(default_factory=list)
    media: dict[str, MediaBlob] = field(default_factory=dict)


@dataclass(frozen=True)
class _Job:
    context: CheckContext
    limits: Limits
    with_media: bool
    images: UploadedImages


def is_native_member(name: str) -> bool:
    """A YAML or JSON item file inside a zip (not a macOS resource fork or a hidden file)."""
    base = name.rsplit("/", 1)[-1]
    return (
        name.lower().endswith(NATIVE_SUFFIXES)
        and not name.startswith("__MACOSX/")
        and not base.startswith(".")
    )


def detect_format(name: str, data: bytes) -> str | None:
    """The reader for a file, from its content where that is decisive, else its extension."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            names = []
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        if names:
            native = find_manifest(frozenset(names)) is None and any(map(is_native_member, names))
            return "native-package" if native else "qti-package"
    if data.startswith(OLE2):
        return "legacy-office"
    if is_image_upload(name, data):
        return "image"
    found = EXTENSIONS.get(suffix)
    if found in ("xlsx", "docx") and not data.startswith(b"PK") and _is_text(data):
        return "renamed-csv" if found == "xlsx" else found
    if found == "text" or (found is None and _is_text(data)):
        found = _sniff_text(data) or ("csv" if found == "text" else None)
    if found == "qti" and _MOODLE_ROOT.search(data[:4096]):
        return "moodle"
    return found


_MOODLE_ROOT = re.compile(rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<quiz[\s>]", re.S)


def _is_text(data: bytes) -> bool:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut at the end of the sample
    return b"\x00" not in head


def _sniff_text(data: bytes) -> str | None:
    """Aiken, GIFT, XML, JSON or YAML told apart by their first few kilobytes."""
    head = data[:65536]
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "qti"
    if text.startswith(("{", "[")) and not looks_like_gift(text):
        return "json"
    if looks_like_aiken(text):
        return "aiken"
    if looks_like_gift(text):
        return "gift"
    return "yaml" if "cact-items" in text[:1024] else None


def read_document(
    upload: Upload, report: Report, need_competency: bool, limits: Limits, images: dict[str, bytes]
) -> Any:
    """The file as the native structure (None when unreadable); embedded pictures go to
    `images`, by the `src` the items use."""
    kind = detect_format(upload.name, upload.data)
    base = PurePosixPath(upload.name.replace("\\", "/")).name
    if kind in ("yaml", "json"):
        return read_native(upload.data, report, is_json=kind == "json")
    if kind == "renamed-csv":
        report.note(Code.READ_AS_CSV, name=base)
        kind = "csv"
    if kind == "xlsx":
        return read_xlsx(upload.data, report, need_competency=need_competency, limits=limits)
    if kind == "csv":
        return read_csv(upload.data, report, need_competency=need_competency, limits=limits)
    if kind == "docx":
        return read_docx(upload.data, report, images, limits)
    if kind == "gift":
        return read_gift(upload.data, report)
    if kind == "aiken":
        return read_aiken(upload.data, report)
    if kind in ("qti", "moodle"):
        root = parse_xml(upload.data, report)
        if root is None:
            return None
        return read_moodle(root, report, images) if is_moodle(root) else read_qti_root(root, report)
    if kind == "legacy-office":
        report.add(Code.LEGACY_XLS, name=base)
        return None
    report.add(Code.UNSUPPORTED_FILE_TYPE, name=base)
    return None


def _load_upload(upload: Upload, job: _Job) -> list[_Loaded]:
    """One uploaded file; a native package gives one result per item file inside it."""
    report = Report(upload.name)
    if len(upload.data) > job.limits.max_file_bytes:
        report.add(Code.FILE_TOO_LARGE, size=len(upload.data), limit=job.limits.max_file_bytes)
        return [_Loaded(report)]
    if not upload.data.strip():
        report.add(Code.EMPTY_FILE)
        return [_Loaded(report)]
    try:
        return _read_upload(upload, report, job)
    except DamagedMember as error:
        report.add(Code.DAMAGED_ZIP_MEMBER, member=error.member)
        return [_Loaded(report)]


def _read_upload(upload: Upload, report: Report, job: _Job) -> list[_Loaded]:
    kind = detect_format(upload.name, upload.data)
    if kind in ("qti-package", "native-package"):
        archive = open_zip(upload.data, report, job.limits)
        if archive is None:
            return [_Loaded(report)]
        if kind == "native-package":
            return _load_native_package(upload.name, archive, job)
        document = read_qti_archive(archive, report)
        return [_check(report, document, "qti", job, ZipImages(archive))]
    images: dict[str, bytes] = {}
    need_competency = job.context.default_competency is None
    document = read_document(upload, report, need_competency, job.limits, images)
    media = EmbeddedImages(images, job.images) if images else job.images
    return [_check(report, document, kind or "", job, media)]


def _load_native_package(name: str, archive: SafeZip, job: _Job) -> list[_Loaded]:
    loads = []
    for member in sorted(filter(is_native_member, archive.names)):
        report = Report(f"{name}!{member}")
        try:
            data = archive.read(member)
        except DamagedMember as error:
            report.add(Code.DAMAGED_ZIP_MEMBER, member=error.member)
            loads.append(_Loaded(report))
            continue
        if BLUEPRINT_MARK in data[:4096]:
            continue  # a zipped bank folder may hold its blueprint; it is not an item set
        if len(data) > job.limits.max_file_bytes:
            report.add(Code.FILE_TOO_LARGE, size=len(data), limit=job.limits.max_file_bytes)
            loads.append(_Loaded(report))
            continue
        is_json = member.lower().endswith(".json")
        document = read_native(data, report, is_json=is_json)
        kind = "json" if is_json else "yaml"
        try:
            loads.append(_check(report, document, kind, job, ZipImages(archive, member)))
        except DamagedMember as error:
            report.add(Code.DAMAGED_ZIP_MEMBER, member=error.member)
            loads.append(_Loaded(report))
    if not loads:
        package = Report(name)
        package.add(Code.NO_ITEMS)
        loads.append(_Loaded(package))
    return loads


def _check(report: Report, document: Any, kind: str, job: _Job, media: MediaSource) -> _Loaded:
    loaded = _Loaded(report)
    if document is None:
        return loaded
    context = job.context
    file_context = CheckContext(
        context.known_competencies,
        context.default_competency,
        require_format=kind in ("yaml", "json"),
        max_items=job.limits.max_items_per_file,
        latex=kind in LATEX_FORMATS,
    )
    checker = ItemSetChecker(report, file_context)
    loaded.item_set = checker.check(document)
    loaded.seen_ids = checker.seen_ids
    loaded.media_refs = checker.media_refs
    if job.with_media:
        loaded.media = collect_media(report, checker.media_refs, media, job.limits)
    return loaded


def _cross_file_duplicates(loads: list[_Loaded]) -> None:
    first: dict[str, tuple[str, SeenId]] = {}
    for loaded in loads:
        own: dict[str, tuple[str, SeenId]] = {}
        for seen in loaded.seen_ids:
            earlier = first.get(seen.item_id)
            if earlier is not None:
                where = describe(earlier[0], earlier[1].location)
                loaded.report.add(
                    Code.DUPLICATE_ID,
                    seen.path,
                    item_id=seen.item_id,
                    value=seen.item_id,
                    first=where,
                )
            own.setdefault(seen.item_id, (loaded.report.file, seen))
        for item_id, origin in own.items():
            first.setdefault(item_id, origin)


def _media_conflicts(loads: list[_Loaded]) -> None:
    """One `src` must name one image across the whole load (two packages may both hold
    `images/1.png`); `LoadResult.media` has one entry per `src`."""
    first: dict[str, tuple[bytes, str]] = {}
    for loaded in loads:
        for ref in loaded.media_refs:
            blob = loaded.media.get(ref.src)
            if blob is None:
                continue
            where = describe(loaded.report.file, loaded.report.source.locate(ref.path))
            data, origin = first.setdefault(ref.src, (blob.data, where))
            if data != blob.data:
                loaded.report.add(
                    Code.MEDIA_CONFLICT, ref.path, item_id=ref.item_id, value=ref.src, first=origin
                )


def load_items(
    uploads: Iterable[Upload],
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    with_media: bool = False,
) -> LoadResult:
    """Load and validate several files together (ids must be unique across all of them).

    `known_competencies` defaults to the bundled PermenPANRB dictionary; the server passes the
    dictionary codes plus the organisation's technical competencies. `default_competency` is used
    for items that name none (typical for QTI from other tools).

    `with_media`: image files may be uploaded alongside the item files; every item's `media.src`
    must name an image in its package or among those uploads (PNG, JPEG, GIF or WebP within
    `limits.max_media_bytes`), and `LoadResult.media` returns them. Without it image files are
    not item files, and `media.src` is only checked to be a safe relative path.
    """
    known = frozenset(dictionary_codes() if known_competencies is None else known_competencies)
    files: list[Upload] = []
    images: list[Upload] = []
    for upload in uploads:
        is_image = with_media and detect_format(upload.name, upload.data) == "image"
        (images if is_image else files).append(upload)
    job = _Job(
        CheckContext(known, default_competency),
        limits,
        with_media,
        UploadedImages((i.name, i.data) for i in images),
    )
    loads = [loaded for upload in files for loaded in _load_upload(upload, job)]
    _cross_file_duplicates(loads)
    _media_conflicts(loads)
    result = LoadResult()
    for loaded in loads:
        result.problems.extend(loaded.report.problems)
        result.notes.extend(loaded.report.notes)
        if loaded.item_set is not None and not loaded.report.problems:
            result.item_sets.append(loaded.item_set)
            result.media.update(loaded.media)
    return result


def load_item_bytes(
    name: str,
    data: bytes,
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    with_media: bool = False,
) -> LoadResult:
    """One uploaded file (name + bytes); `with_media` makes a package's images required."""
    return load_items(
        [Upload(name, data)],
        default_competency=default_competency,
        known_competencies=known_competencies,
        limits=limits,
        with_media=with_media,
    )


def load_item_files(
    paths: Iterable[str | Path],
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    with_media: bool = False,
) -> LoadResult:
    """Files on disk; a missing, unreadable or oversized file is a problem, not an exception.

    With `with_media`, images are among `paths` (or inside the packages) as for `load_items`.
    """
    uploads: list[Upload] = []
    unreadable: list[Problem] = []
    for path in map(Path, paths):
        report = Report(str(path))
        try:
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                report.add(Code.FILE_TOO_LARGE, size=size, limit=limits.max_file_bytes)
            else:
                uploads.append(Upload(str(path), path.read_bytes()))
        except OSError as error:
            report.add(Code.UNREADABLE_FILE, reason=error.strerror or type(error).__name__)
        unreadable.extend(report.problems)
    result = load_items(
        uploads,
        default_competency=default_competency,
        known_competencies=known_competencies,
        limits=limits,
        with_media=with_media,
    )
    result.problems[:0] = unreadable
    return result
