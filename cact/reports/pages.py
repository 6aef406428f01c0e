"""The printable reports (A4, Bahasa Indonesia; ?lang=en), charts drawn on the server; their
PDFs; and a sitting's individual reports in bulk (one HTML document, a ZIP of PDFs).

Admin only (SPEC §1: scores and reports are the admin's; the proctor prints the daftar hadir
and berita acara). The bulk outputs stream person by person: see docs/reports.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.i18n import request_language
from cact.kit.templates import render
from cact.reports import documents, service
from cact.reports.pdf import render_pdf
from cact.reports.repository import ReportedAttempt
from cact.reports.schemas import IndividualReport

router = APIRouter(include_in_schema=False)
PDF = "application/pdf"
ZIP = "application/zip"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _safe(text: str) -> str:
    return documents.UNSAFE.sub("_", text).strip("._-") or "laporan"


@router.get("/reports/attempts/{attempt_id}", response_class=HTMLResponse)
async def attempt_report_page(
    attempt_id: int, request: Request, _: AdminUser, db: DbSession
) -> HTMLResponse:
    report = await service.individual_report(db, attempt_id)
    lang = request_language(request)
    return render(
        request,
        "reports/individual.html",
        {"report": report, "radar": documents.radar_for(report, lang)},
    )


@router.get("/reports/attempts/{attempt_id}/report.pdf", response_class=Response)
async def attempt_report_pdf(
    attempt_id: int, request: Request, _: AdminUser, db: DbSession
) -> Response:
    report = await service.individual_report(db, attempt_id)
    pdf = await render_pdf(documents.individual_html(report, request_language(request)))
    name = documents.pdf_names([_reported(report)])[0]
    return Response(pdf, media_type=PDF, headers=_attachment(name))


def _reported(report: IndividualReport) -> ReportedAttempt:
    p = report.participant
    return ReportedAttempt(report.attempt_id, p.participant_no, p.name, p.nip)


@router.get("/reports/sittings/{sitting_id}", response_class=HTMLResponse)
async def sitting_report_page(
    sitting_id: int, request: Request, _: AdminUser, db: DbSession
) -> HTMLResponse:
    report = await service.sitting_report(db, sitting_id)
    lang = request_language(request)
    return render(
        request,
        "reports/sitting.html",
        {"report": report, "bars": documents.bars_for(report, lang)},
    )


@router.get("/reports/sittings/{sitting_id}/report.pdf", response_class=Response)
async def sitting_report_pdf(
    sitting_id: int, request: Request, _: AdminUser, db: DbSession
) -> Response:
    report = await service.sitting_report(db, sitting_id)
    pdf = await render_pdf(documents.sitting_html(report, request_language(request)))
    name = f"laporan-sesi-{_safe(report.sitting.code)}.pdf"
    return Response(pdf, media_type=PDF, headers=_attachment(name))


@router.get("/reports/sittings/{sitting_id}/bundle", response_class=HTMLResponse)
async def bundle_page(
    sitting_id: int, request: Request, _: AdminUser, db: DbSession
) -> HTMLResponse:
    """The "print the whole sitting" page: what there is, and the ZIP with a progress bar."""
    report = await service.sitting_report(db, sitting_id)
    attempts = await documents.reported_attempts(db, sitting_id)
    return render(request, "reports/bundle_page.html", {"report": report, "count": len(attempts)})


async def _bulk(
    sitting_id: int, kind: str, admin: AdminUser, request: Request, db: DbSession
) -> list[ReportedAttempt]:
    attempts = await documents.reported_attempts(db, sitting_id)
    await audit.record(
        db,
        Actor.staff(admin, client_ip(request)),
        "sitting.report_bundle",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        details={"format": kind, "reports": len(attempts)},
    )
    return attempts


@router.get("/reports/sittings/{sitting_id}/individual", response_class=StreamingResponse)
async def individual_reports_document(
    sitting_id: int, request: Request, admin: AdminUser, db: DbSession
) -> StreamingResponse:
    """Every individual report of the sitting as one print-ready HTML document."""
    attempts = await _bulk(sitting_id, "html", admin, request, db)
    code = await service.sitting_report_code(db, sitting_id)
    chunks = documents.document_chunks(
        request.app.state.sessionmaker, attempts, code, request_language(request)
    )
    return StreamingResponse(chunks, media_type="text/html; charset=utf-8")


@router.get("/reports/sittings/{sitting_id}/individual.zip", response_class=StreamingResponse)
async def individual_reports_zip(
    sitting_id: int, request: Request, admin: AdminUser, db: DbSession
) -> StreamingResponse:
    """Every individual report of the sitting as a PDF named by NIP, in one ZIP."""
    attempts = await _bulk(sitting_id, "zip", admin, request, db)
    code = await service.sitting_report_code(db, sitting_id)
    chunks = documents.zip_chunks(
        request.app.state.sessionmaker, attempts, request_language(request)
    )
    headers = _attachment(f"laporan-individu-{_safe(code)}.zip")
    headers["X-Report-Count"] = str(len(attempts))  # the download page's progress total
    return StreamingResponse(chunks, media_type=ZIP, headers=headers)
