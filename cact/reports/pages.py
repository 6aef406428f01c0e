"""The printable reports (A4, Bahasa Indonesia; ?lang=en), charts drawn on the server."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from cact.auth.deps import AdminUser
from cact.kit.db import DbSession
from cact.kit.i18n import request_language, translate
from cact.kit.templates import render
from cact.reports import service
from cact.reports.charts import BarGroup, RadarAxis, bar_svg, radar_svg
from cact.reports.schemas import IndividualReport, SittingReport

router = APIRouter(include_in_schema=False)


def radar_for(report: IndividualReport, lang: str) -> Markup:
    axes = [
        RadarAxis(
            code=c.competency,
            name=c.name_en if lang == "en" else c.name_id,
            required=c.required_level,
            attained=c.attained_level,
        )
        for c in report.competencies
    ]
    svg = radar_svg(
        axes,
        required_label=translate(lang, "reports.required"),
        attained_label=translate(lang, "reports.attained"),
        title=translate(lang, "reports.radar.title"),
    )
    return Markup(svg)  # charts.py escapes every text it draws


def bars_for(report: SittingReport, lang: str) -> Markup:
    groups = [
        BarGroup(
            code=c.competency,
            name=c.name_en if lang == "en" else c.name_id,
            required=None if c.mean_required is None else float(c.mean_required),
            attained=float(c.mean_attained),
        )
        for c in report.competencies
    ]
    svg = bar_svg(
        groups,
        required_label=translate(lang, "reports.mean_required"),
        attained_label=translate(lang, "reports.mean_attained"),
        title=translate(lang, "reports.bars.title"),
    )
    return Markup(svg)  # charts.py escapes every text it draws


@router.get("/reports/attempts/{attempt_id}", response_class=HTMLResponse)
async def attempt_report_page(
    attempt_id: int, request: Request, _: AdminUser, db: DbSession
) -> HTMLResponse:
    report = await service.individual_report(db, attempt_id)
    lang = request_language(request)
    return render(
        request,
        "reports/individual.html",
        {"report": report, "radar": radar_for(report, lang)},
    )


@router.get("/reports/sittings/{sitting_id}", response_class=HTMLResponse)
async def sitting_report_page(
    sitting_id: int, request: Request, _: AdminUser, db: DbSession
) -> HTMLResponse:
    report = await service.sitting_report(db, sitting_id)
    lang = request_language(request)
    return render(
        request, "reports/sitting.html", {"report": report, "bars": bars_for(report, lang)}
    )
