"""Uploaded files → validated item sets and their images, or every problem with its location
(nothing stored)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import UploadFile
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.service import MediaFile
from cact.competencies.service import known_codes
from cact.kit.errors import InvalidInput, NotFound
from item_bank.docx_writer import write_docx_template
from item_bank.loader import Upload, load_items
from item_bank.media import MediaBlob
from item_bank.models import ItemSet
from item_bank.problems import Problem
from item_bank.safety import DEFAULT_LIMITS
from item_bank.sheet_writer import write_template

MAX_FILES = 50
FILENAME_LENGTH = 255  # media.filename


class ItemSetRejected(InvalidInput):
    code = "invalid_item_set"
    message = (
        "Berkas soal tidak valid; tidak ada yang disimpan. / Invalid item files; nothing saved."
    )


class TooManyFiles(InvalidInput):
    code = "too_many_files"
    message = (
        f"Paling banyak {MAX_FILES} berkas sekali unggah. / At most {MAX_FILES} files at once."
    )


class ValidationReport(BaseModel):
    valid: bool
    item_count: int
    problems: list[Problem]
    notes: list[Problem] = []  # what a reader did for the editor (a title row skipped): told only


@dataclass
class LoadedUpload:
    item_sets: list[ItemSet] = field(default_factory=list)
    media: dict[str, MediaFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def report(self) -> ValidationReport:
        return ValidationReport(
            valid=not self.problems,
            item_count=sum(len(s.items) for s in self.item_sets),
            problems=self.problems,
            notes=self.notes,
        )

    def raise_for_problems(self) -> None:
        if self.problems:
            raise ItemSetRejected([p.model_dump(exclude_none=True) for p in self.problems])


async def _read(files: Sequence[UploadFile]) -> list[Upload]:
    if len(files) > MAX_FILES:
        raise TooManyFiles()
    uploads = []
    for file in files:
        # Read one byte past the limit: enough to know it is too large without holding more.
        data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
        uploads.append(Upload(file.filename or "upload", data))
    return uploads


async def load(
    db: AsyncSession, files: Sequence[UploadFile], *, default_competency: str | None
) -> LoadedUpload:
    """Item files and the images their items use, uploaded together or inside zip packages."""
    uploads = await _read(files)
    known = await known_codes(db)
    result = load_items(
        uploads,
        default_competency=default_competency or None,
        known_competencies=known,
        with_media=True,
    )
    return LoadedUpload(
        item_sets=result.item_sets,
        media={src: media_file(blob) for src, blob in result.media.items()},
        problems=result.problems,
        notes=result.notes,
    )


def media_file(blob: MediaBlob) -> MediaFile:
    # Keep the end of an over-long name: it holds the extension.
    return MediaFile(blob.filename[-FILENAME_LENGTH:], blob.content_type, blob.data)


class UnknownTemplateFormat(NotFound):
    code = "unknown_template_format"
    message = (
        "Templat tersedia sebagai .xlsx, .csv atau .docx. / Templates come as .xlsx, .csv or .docx."
    )


def template_response(fmt: str) -> Response:
    if fmt == "docx":
        return Response(
            write_docx_template("id"),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": 'attachment; filename="cact-template-soal.docx"'},
        )
    if fmt == "xlsx":
        return Response(
            write_template("xlsx"),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="cact-template-soal.xlsx"'},
        )
    if fmt == "csv":
        return Response(
            write_template("csv"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cact-template-soal.csv"'},
        )
    raise UnknownTemplateFormat()
