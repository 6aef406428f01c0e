"""Admin pages for the participant register: search, and roster import (CSV/XLSX) with the
report by row and column, into the register or straight onto a sitting's roster."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exam.statuses import SittingStatus
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pages import admin_page, attempt_value, error_page, say
from cact.participants import service
from cact.participants.roster_file import COLUMNS
from cact.participants.schemas import ParticipantFilter, RosterReport
from cact.rooms.schemas import MAX_ID, PathId
from cact.rosters import service as roster
from cact.sittings import service as sittings
from cact.sittings.pages import render_sitting
from cact.standards.sheets import template_workbook
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_PAGE = 100_000  # keeps a typed-in page number inside PostgreSQL's OFFSET range
# The example's number starts with "#": the import skips it (item_bank.tables.is_example).
EXAMPLE = (
    "#CONTOH-0001",
    "198503302010011002",
    "Siti Rahmawati",
    "JF-AK-AP",
    "BKPSDM",
    "Pemerintah Kabupaten Contoh",
    "30-03-1985",
    "",
    "sesuai ekspektasi",
    "A01",
)
TEMPLATE_ORDER = (
    "participant_no",
    "nip",
    "name",
    "position_code",
    "unit",
    "agency",
    "birth_date",
    "pin",
)
TEMPLATE_COLUMNS = sorted(
    COLUMNS, key=lambda c: TEMPLATE_ORDER.index(c.name) if c.name in TEMPLATE_ORDER else 99
)
TEMPLATE_ROWS = (
    ",".join(c.indonesian for c in TEMPLATE_COLUMNS) + "\r\n" + ",".join(EXAMPLE) + "\r\n"
)


def _page_href(filters: ParticipantFilter, page: int) -> str:
    params = {k: v for k, v in filters.model_dump().items() if v}
    return "/admin/participants?" + urlencode({**params, "page": page})


async def scheduled_sittings(db: AsyncSession) -> list[dict[str, Any]]:
    """The sittings a roster can still go to."""
    return [
        {"id": s.id, "label": f"{s.code} — {s.title}"}
        for s in await sittings.summaries(db)
        if s.status == SittingStatus.SCHEDULED
    ]


async def _register_page(
    request: Request,
    db: AsyncSession,
    *,
    q: str = "",
    position: str = "",
    page: str = "1",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    q, position = (text.replace("\x00", "").strip() for text in (q, position))
    filters = ParticipantFilter(q=q[:200] or None, position=position[:64] or None)
    number = min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1
    found, total = await service.search(
        db, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page_context = {
        "filters": filters,
        "participants": found,
        "total": total,
        "page": number,
        "pages": last,
        "prev_href": _page_href(filters, number - 1) if number > 1 else None,
        "next_href": _page_href(filters, number + 1) if number < last else None,
        "sittings": await scheduled_sittings(db),
        "columns": COLUMNS,
        "report": None,
        "chosen_sitting": None,
        **context,
    }
    return admin_page(
        request, "participants.html", "participants", status_code=status_code, **page_context
    )


@router.get("/admin/participants")
async def register(
    _: AdminUser,
    request: Request,
    db: DbSession,
    q: str = "",
    position: str = "",
    page: str = "1",
) -> HTMLResponse:
    return await _register_page(request, db, q=q, position=position, page=page)


@router.get("/admin/participants/template.csv")
async def roster_template(_: AdminUser) -> Response:
    """An example roster with the Indonesian headers (UTF-8 with BOM so Excel reads it)."""
    return Response(
        "\ufeff" + TEMPLATE_ROWS,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="daftar-peserta.csv"'},
    )


@router.get("/admin/participants/template.xlsx")
async def roster_template_xlsx(_: AdminUser) -> Response:
    """The roster template as a workbook: the example row and a help sheet per column."""
    help_rows = [
        ("kolom / column", "keterangan", "description"),
        *(
            (
                f"{c.indonesian} / {c.name}",
                translate("id", f"admin.roster.column.{c.name}"),
                translate("en", f"admin.roster.column.{c.name}"),
            )
            for c in TEMPLATE_COLUMNS
        ),
        (),
        (
            EXAMPLE[0],
            translate("id", "admin.roster.example_row"),
            translate("en", "admin.roster.example_row"),
        ),
    ]
    return Response(
        template_workbook("peserta", [c.indonesian for c in TEMPLATE_COLUMNS], EXAMPLE, help_rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="daftar-peserta.xlsx"'},
    )


async def run_import(
    request: Request,
    db: AsyncSession,
    actor: Actor,
    file: UploadFile | None,
    sitting_id: int | None,
    *,
    dry_run: bool,
) -> RosterReport | str:
    """The report, or the sentence saying why nothing could be read at all."""
    lang = request_language(request)
    if file is None or not file.filename:
        return translate(lang, "admin.roster.no_file")
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    name = file.filename
    report = await attempt_value(
        db,
        lambda: roster.import_roster(
            db, data, name, sitting_id=sitting_id, actor=actor, dry_run=dry_run
        ),
    )
    return say(report, lang) if isinstance(report, CactError) else report


def sitting_choice(value: str) -> int | None:
    number = int(value) if value.strip().isdigit() else None
    return number if number is not None and number <= MAX_ID else None


@router.post("/admin/participants/import", max_body_size=UPLOAD_BODY_BYTES)
async def import_submit(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
    sitting_id: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "check",
) -> Response:
    chosen = sitting_choice(sitting_id)
    outcome = await run_import(
        request,
        db,
        Actor.staff(admin, client_ip(request)),
        file,
        chosen,
        dry_run=action != "import",
    )
    if isinstance(outcome, str):
        return await _register_page(
            request, db, status_code=422, error=outcome, chosen_sitting=chosen
        )
    if outcome.valid and not outcome.dry_run and chosen is not None:
        return RedirectResponse(f"/admin/sittings/{chosen}?done=roster_imported", 303)
    return await _register_page(
        request,
        db,
        status_code=200 if outcome.valid else 422,
        report=outcome,
        chosen_sitting=chosen,
    )


@router.post("/admin/sittings/{sitting_id}/roster", max_body_size=UPLOAD_BODY_BYTES)
async def roster_import(
    sitting_id: PathId,
    user: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
    action: Annotated[str, Form()] = "check",
) -> Response:
    try:
        await sittings.detail(db, sitting_id)
    except CactError as exc:
        return error_page(request, exc)
    actor = Actor.staff(user, client_ip(request))
    outcome = await run_import(request, db, actor, file, sitting_id, dry_run=action != "import")
    if isinstance(outcome, str):
        return await render_sitting(request, db, sitting_id, status_code=422, error=outcome)
    report: RosterReport = outcome
    if report.valid and not report.dry_run:
        return RedirectResponse(f"/admin/sittings/{sitting_id}?done=roster_imported", 303)
    status = 200 if report.valid else 422
    return await render_sitting(request, db, sitting_id, status_code=status, report=report)
