"""Admin page for positions and their competency standards: the list, and the import with the
report by row and column (all or nothing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pages import admin_page, attempt_value
from cact.standards import service
from cact.standards.schemas import ImportReport, PositionDetail
from cact.standards.sheets import template_workbook
from item_bank.problems import Problem
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(include_in_schema=False)
ALL_POSITIONS = 1000


async def _page(
    request: Request,
    db: DbSession,
    *,
    problems: list[Problem] | None = None,
    report: ImportReport | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    positions, _ = await service.list_positions(db, limit=ALL_POSITIONS, offset=0)
    details: list[PositionDetail] = [await service.get_position(db, p.id) for p in positions]
    return admin_page(
        request,
        "standards.html",
        "standards",
        positions=details,
        problems=problems,
        report=report,
        status_code=status_code,
    )


@router.get("/admin/standards")
async def standards_page(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _page(request, db)


@router.post("/admin/standards", max_body_size=UPLOAD_BODY_BYTES)
async def import_standards_page(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    name = file.filename if file is not None and file.filename else "-"
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1) if file is not None else b""
    actor = Actor.staff(admin, client_ip(request))

    async def store() -> ImportReport:
        rows = await service.parse_file(db, name, data)
        return await service.import_standards(db, rows, actor, source=name)

    done = await attempt_value(db, store)
    if isinstance(done, service.StandardsRejected):
        return await _page(request, db, problems=done.problems, status_code=422)
    if isinstance(done, CactError):
        raise done
    return await _page(request, db, report=done)


STANDARD_CODES = ("M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08", "SK.01")
STANDARDS_HELP = (
    ("kolom / column", "keterangan", "description"),
    ("kode_jabatan", "Kode jabatan, unik (wajib)", "Position code, unique (required)"),
    ("nama_jabatan", "Nama jabatan (wajib)", "Position name (required)"),
    ("kelompok", "Kelompok jabatan, mis. fungsional (opsional)", "Position group (optional)"),
    (
        "M.01 … SK.01, T.…",
        "Level yang dipersyaratkan 1-5 per kompetensi; kosong = tidak dipersyaratkan",
        "Required level 1-5 per competency; empty = not required",
    ),
    (),
    (
        "#CONTOH",
        "Baris yang kolom pertamanya diawali # (baris contoh) dilewati saat impor.",
        "A row whose first cell starts with # (the example row) is skipped on import.",
    ),
)


@router.get("/admin/standards/template.xlsx")
async def standards_template(_: AdminUser) -> Response:
    """The standards template: header, one example row the import skips, a help sheet."""
    header = ("kode_jabatan", "nama_jabatan", "kelompok", *STANDARD_CODES)
    example = ("#CONTOH-JF-01", "Analis Kepegawaian Ahli Pertama", "fungsional", *([3] * 9))
    return Response(
        template_workbook("standar", header, example, STANDARDS_HELP),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="standar-kompetensi.xlsx"'},
    )
