"""Load item files of any supported format, validate them and report every problem at once.

Uploads are all-or-nothing: use `LoadResult.ok` before storing anything. A file's set appears in
`item_sets` only when that file has no problem at all.
"""

import io
import zipfile
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from item_bank.checker import CheckContext, ItemSetChecker, SeenId, describe
from item_bank.dictionary import dictionary_codes
from item_bank.models import ItemSet
from item_bank.native import read_native
from item_bank.problems import Code, Problem, Report
from item_bank.qti import read_qti_item, read_qti_package
from item_bank.safety import DEFAULT_LIMITS, Limits
from item_bank.spreadsheet import read_csv, read_xlsx

EXTENSIONS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xml": "qti",
    ".zip": "qti-package",
}


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: its name (for the format and the report) and its bytes."""

    name: str
    data: bytes


@dataclass
class LoadResult:
    item_sets: list[ItemSet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Loaded:
    report: Report
    item_set: ItemSet | None = None
    seen_ids: list[SeenId] = field(default_factory=list)


def detect_format(name: str, data: bytes) -> str | None:
    """The reader for a file, from its content where that is decisive, else its extension."""
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        if "xl/workbook.xml" in names:
            return "xlsx"
        if names:
            return "qti-package"
    found = EXTENSIONS.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())
    if found is not None:
        return found
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "qti"
    if head.startswith((b"{", b"[")):
        return "json"
    return "yaml" if b"cact-items" in head else None


def read_document(upload: Upload, report: Report, need_competency: bool, limits: Limits) -> Any:
    kind = detect_format(upload.name, upload.data)
    if kind in ("yaml", "json"):
        return read_native(upload.data, report, is_json=kind == "json")
    if kind == "xlsx":
        return read_xlsx(upload.data, report, need_competency=need_competency, limits=limits)
    if kind == "csv":
        return read_csv(upload.data, report, need_competency=need_competency, limits=limits)
    if kind == "qti":
        return read_qti_item(upload.data, report)
    if kind == "qti-package":
        return read_qti_package(upload.data, report, limits)
    report.add(Code.UNSUPPORTED_FILE_TYPE, name=PurePosixPath(upload.name).name)
    return None


def _load_one(upload: Upload, context: CheckContext, limits: Limits) -> _Loaded:
    loaded = _Loaded(Report(upload.name))
    report = loaded.report
    if len(upload.data) > limits.max_file_bytes:
        report.add(Code.FILE_TOO_LARGE, size=len(upload.data), limit=limits.max_file_bytes)
        return loaded
    if not upload.data.strip():
        report.add(Code.EMPTY_FILE)
        return loaded
    document = read_document(upload, report, context.default_competency is None, limits)
    if document is None:
        return loaded
    native = detect_format(upload.name, upload.data) in ("yaml", "json")
    file_context = CheckContext(
        context.known_competencies, context.default_competency, native, limits.max_items_per_file
    )
    checker = ItemSetChecker(report, file_context)
    loaded.item_set = checker.check(document)
    loaded.seen_ids = checker.seen_ids
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


def load_items(
    uploads: Iterable[Upload],
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadResult:
    """Load and validate several files together (ids must be unique across all of them).

    `known_competencies` defaults to the bundled PermenPANRB dictionary; the server passes the
    dictionary codes plus the organisation's technical competencies. `default_competency` is used
    for items that name none (typical for QTI from other tools).
    """
    known = frozenset(dictionary_codes() if known_competencies is None else known_competencies)
    context = CheckContext(known, default_competency)
    loads = [_load_one(upload, context, limits) for upload in uploads]
    _cross_file_duplicates(loads)
    result = LoadResult()
    for loaded in loads:
        result.problems.extend(loaded.report.problems)
        if loaded.item_set is not None and not loaded.report.problems:
            result.item_sets.append(loaded.item_set)
    return result


def load_item_bytes(
    name: str,
    data: bytes,
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadResult:
    """One uploaded file (name + bytes)."""
    return load_items(
        [Upload(name, data)],
        default_competency=default_competency,
        known_competencies=known_competencies,
        limits=limits,
    )


def load_item_files(
    paths: Iterable[str | Path],
    *,
    default_competency: str | None = None,
    known_competencies: Collection[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadResult:
    """Files on disk; a missing, unreadable or oversized file is a problem, not an exception."""
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
    )
    result.problems[:0] = unreadable
    return result
