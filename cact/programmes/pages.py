"""Admin pages of the programmes: list and create; one programme's waves, population import,
coverage and moving to a later wave; the analytics pages (heat map, training needs, nine-box,
position matching); a person's history; the printable A4 programme report."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language, translate
from cact.kit.pages import admin_page, attempt, error_page, invalid, say
from cact.kit.templates import render
from cact.programmes import analytics, charts, history, population, service
from cact.programmes.deps import position_by_code
from cact.programmes.repository import ProgrammeRepository
from cact.programmes.results import ResultRepository
from cact.programmes.schemas import Filters, MoveRequest, ProgrammeCreate
from cact.programmes.tables import TABLES
from cact.rooms.schemas import MAX_ID, PathId
from cact.sittings import service as sittings_admin
from cact.standards.repository import PositionRepository
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(include_in_schema=False)

MATCH_PAGE = 50
NEEDS_SHOWN = 25  # per competency on the page; the XLSX has everyone
NAMES_SHOWN = 40  # per nine-box cell on the page
MEMBERS_SHOWN = 300
POTENTIALS = ("low", "medium", "high")
RATINGS = ("below", "meets", "above")


def _id(text: str) -> int | None:
    value = int(text) if text.strip().isdigit() else None
    return value if value is not None and 1 <= value <= MAX_ID else None


def _filters(unit: str, group: str, sitting: str) -> Filters:
    clean = [v.replace("\x00", "").strip() for v in (unit, group)]
    return Filters(
        unit=clean[0][:200] or None, group=clean[1][:64] or None, sitting_id=_id(sitting)
    )


def _query(filters: Filters, **more: object) -> str:
    params = {
        "unit": filters.unit or "",
        "group": filters.group or "",
        "sitting": filters.sitting_id or "",
        **more,
    }
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


async def _analytics_context(
    db: AsyncSession, programme_id: int, filters: Filters, tab: str
) -> dict[str, Any]:
    programme = await service.get(db, programme_id)
    repo = ProgrammeRepository(db)
    units, groups = await ResultRepository(db).units_and_groups(programme_id)
    return {
        "programme": programme,
        "filters": filters,
        "units": units,
        "groups": groups,
        "waves": await repo.sittings(programme_id),
        "tab": tab,
        "query": _query(filters),
    }


# ------------------------------------------------------------------ list, create, overview


@router.get("/admin/programmes")
async def programme_list(_: AdminUser, request: Request, db: DbSession) -> HTMLResponse:
    return admin_page(
        request,
        "programmes/list.html",
        "programmes",
        programmes=await service.list_all(db),
        draft={},
    )


@router.post("/admin/programmes")
async def programme_create(
    admin: AdminUser,
    request: Request,
    db: DbSession,
    code: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    validity_months: Annotated[str, Form()] = "36",
) -> Response:
    draft = {"code": code, "title": title, "validity_months": validity_months}
    lang = request_language(request)
    try:
        data = ProgrammeCreate(
            code=code.strip(),
            title=title.strip(),
            validity_months=int(validity_months) if validity_months.strip().isdigit() else 0,
        )
    except ValidationError as exc:
        error = invalid(request, exc, "programmes.field")
        return admin_page(
            request,
            "programmes/list.html",
            "programmes",
            status_code=422,
            programmes=await service.list_all(db),
            draft=draft,
            error=error,
        )
    made: dict[str, int] = {}

    async def change() -> None:
        made["id"] = (await service.create(db, data, Actor.staff(admin, client_ip(request)))).id

    refused = await attempt(db, change)
    if refused is not None:
        return admin_page(
            request,
            "programmes/list.html",
            "programmes",
            status_code=refused.status,
            programmes=await service.list_all(db),
            draft=draft,
            error=say(refused, lang),
        )
    return RedirectResponse(f"/admin/programmes/{made['id']}?done=programme_created", 303)


async def _overview(
    request: Request, db: AsyncSession, programme_id: int, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    programme = await service.get(db, programme_id)
    read = await service.read(db, programme)
    counts = await service.coverage_counts(db, programme_id)
    shown = request.query_params.get("status", "")
    shown = shown if shown in service.STATUSES else ""
    members = await service.members(db, programme_id, shown or None, MEMBERS_SHOWN)
    free = [
        s for s in await sittings_admin.summaries(db) if s.id not in {w.id for w in read.sittings}
    ]
    context = {
        "programme": read,
        "coverage": counts,
        "members": members,
        "members_total": counts.population if not shown else getattr(counts, shown),
        "shown_status": shown,
        "attachable": free,
        "scheduled_waves": [w for w in read.sittings if w.status == "scheduled"],
        "kinds": ("responses", "results", "matrix"),
        "formats": ("csv", "xlsx", "jsonl"),
        "tables": TABLES,
        "report": None,
        **extra,
    }
    return admin_page(
        request, "programmes/programme.html", "programmes", status_code=status_code, **context
    )


@router.get("/admin/programmes/{programme_id}")
async def programme_page(
    programme_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        return await _overview(request, db, programme_id)
    except CactError as exc:
        return error_page(request, exc)


@router.post("/admin/programmes/{programme_id}/sittings")
async def attach_submit(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    sitting_id: Annotated[str, Form()] = "",
) -> Response:
    chosen = _id(sitting_id)
    actor = Actor.staff(admin, client_ip(request))

    async def change() -> None:
        if chosen is None:
            raise service.SittingNotFound()
        await service.attach_sitting(db, programme_id, chosen, actor)

    refused = await attempt(db, change)
    if refused is not None:
        return await _overview(
            request,
            db,
            programme_id,
            status_code=refused.status,
            error=say(refused, request_language(request)),
        )
    return RedirectResponse(f"/admin/programmes/{programme_id}?done=programme_wave_added", 303)


@router.post("/admin/programmes/{programme_id}/population")
async def population_submit(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile | None, File()] = None,
    action: Annotated[str, Form()] = "check",
) -> Response:
    lang = request_language(request)
    if file is None or not file.filename:
        return await _overview(
            request,
            db,
            programme_id,
            status_code=422,
            error=translate(lang, "admin.roster.no_file"),
        )
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    savepoint = await db.begin_nested()
    try:
        report = await population.import_population(
            db,
            programme_id,
            data,
            file.filename,
            actor=Actor.staff(admin, client_ip(request)),
            dry_run=action != "import",
        )
    except CactError as exc:
        await savepoint.rollback()
        return error_page(request, exc)
    await savepoint.commit()
    if report.valid and not report.dry_run:
        return RedirectResponse(
            f"/admin/programmes/{programme_id}?done=programme_population_imported", 303
        )
    return await _overview(
        request, db, programme_id, status_code=200 if report.valid else 422, report=report
    )


@router.post("/admin/programmes/{programme_id}/move")
async def move_submit(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    sitting_id: Annotated[str, Form()] = "",
    absent: Annotated[str, Form()] = "",
    unscheduled: Annotated[str, Form()] = "",
) -> Response:
    lang = request_language(request)
    which = [k for k, v in (("absent", absent), ("unscheduled", unscheduled)) if v]
    chosen = _id(sitting_id)
    if chosen is None or not which:
        return await _overview(
            request,
            db,
            programme_id,
            status_code=422,
            error=translate(lang, "programmes.move.choose"),
        )
    actor = Actor.staff(admin, client_ip(request))
    request_body = MoveRequest(sitting_id=chosen, which=which)

    async def change() -> None:
        await service.move_to_wave(db, programme_id, request_body, actor)

    refused = await attempt(db, change)
    if refused is not None:
        return await _overview(
            request, db, programme_id, status_code=refused.status, error=say(refused, lang)
        )
    return RedirectResponse(f"/admin/programmes/{programme_id}?done=programme_moved", 303)


# ------------------------------------------------------------------ analytics pages


@router.get("/admin/programmes/{programme_id}/heat-map")
async def heat_map_page(
    programme_id: PathId,
    _: AdminUser,
    request: Request,
    db: DbSession,
    unit: str = "",
    group: str = "",
    sitting: str = "",
) -> HTMLResponse:
    filters = _filters(unit, group, sitting)
    try:
        context = await _analytics_context(db, programme_id, filters, "heat-map")
    except CactError as exc:
        return error_page(request, exc)
    heat = await analytics.heat_map(db, programme_id, filters)
    lang = request_language(request)
    svg = charts.heat_map_svg(
        heat,
        all_label=translate(lang, "programmes.all_units"),
        title=translate(lang, "programmes.heat.title"),
    )
    return admin_page(
        request, "programmes/heat_map.html", "programmes", heat=heat, chart=Markup(svg), **context
    )


@router.get("/admin/programmes/{programme_id}/training-needs")
async def training_needs_page(
    programme_id: PathId,
    _: AdminUser,
    request: Request,
    db: DbSession,
    unit: str = "",
    group: str = "",
    sitting: str = "",
) -> HTMLResponse:
    filters = _filters(unit, group, sitting)
    try:
        context = await _analytics_context(db, programme_id, filters, "training-needs")
    except CactError as exc:
        return error_page(request, exc)
    needs = await analytics.training_needs_overview(db, programme_id, filters, NEEDS_SHOWN)
    return admin_page(
        request,
        "programmes/training_needs.html",
        "programmes",
        needs=needs,
        total=sum(g.count for g in needs),
        shown=NEEDS_SHOWN,
        **context,
    )


@router.get("/admin/programmes/{programme_id}/nine-box")
async def nine_box_page(
    programme_id: PathId,
    _: AdminUser,
    request: Request,
    db: DbSession,
    unit: str = "",
    group: str = "",
    sitting: str = "",
) -> HTMLResponse:
    filters = _filters(unit, group, sitting)
    try:
        context = await _analytics_context(db, programme_id, filters, "nine-box")
    except CactError as exc:
        return error_page(request, exc)
    pool = await analytics.talent_pool(db, programme_id, filters)
    lang = request_language(request)
    svg = charts.nine_box_svg(
        pool,
        analytics.ALL_UNITS,
        potentials=[translate(lang, f"reports.potential.{p}") for p in POTENTIALS],
        ratings=[translate(lang, f"reports.rating.{r}") for r in RATINGS],
        title=translate(lang, "programmes.nine_box.title"),
    )
    return admin_page(
        request,
        "programmes/nine_box.html",
        "programmes",
        pool=pool,
        chart=Markup(svg),
        grid=charts.NINE_BOX_GRID,
        names_shown=NAMES_SHOWN,
        all_units=analytics.ALL_UNITS,
        **context,
    )


@router.get("/admin/programmes/{programme_id}/matching")
async def matching_page(
    programme_id: PathId,
    _: AdminUser,
    request: Request,
    db: DbSession,
    unit: str = "",
    group: str = "",
    sitting: str = "",
    position: str = "",
    page: str = "1",
) -> HTMLResponse:
    filters = _filters(unit, group, sitting)
    try:
        context = await _analytics_context(db, programme_id, filters, "matching")
    except CactError as exc:
        return error_page(request, exc)
    positions = list(await PositionRepository(db).all(PositionRepository(db).ordered()))
    code = position.strip()[:64] or (positions[0].code if positions else "")
    found = None
    error = None
    if code:
        try:
            chosen = await position_by_code(db, code)
            found = await analytics.position_matching(db, programme_id, chosen, filters)
        except CactError as exc:
            error = say(exc, request_language(request))
    number = min(max(int(page), 1), 100_000) if page.isdigit() else 1
    rows = found.rows if found else []
    pages = max((len(rows) + MATCH_PAGE - 1) // MATCH_PAGE, 1)
    lang = request_language(request)
    chart = Markup(
        charts.jpm_bars_svg([r.jpm for r in rows], title=translate(lang, "programmes.match.chart"))
    )
    return admin_page(
        request,
        "programmes/matching.html",
        "programmes",
        status_code=404 if error else 200,
        positions=positions,
        position=code,
        matching=found,
        chart=chart,
        error=error,
        rows=[r.read() for r in rows[(number - 1) * MATCH_PAGE : number * MATCH_PAGE]],
        page=number,
        pages=pages,
        page_query=_query(filters, position=code),
        **context,
    )


# ------------------------------------------------------------------ person, report


@router.get("/admin/people/{participant_id}")
async def person_page(
    participant_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    try:
        found = await history.person_history(db, participant_id=participant_id)
    except CactError as exc:
        return error_page(request, exc)
    points: dict[str, list[tuple[str, int]]] = {}
    for r in found.results:
        day = history.local_date(r.assessed_at, r.time_zone).isoformat()
        for code, level in sorted(r.levels.items()):
            points.setdefault(code, []).append((day, level))
    lang = request_language(request)
    svg = charts.trend_svg(points, title=translate(lang, "programmes.person.trend"))
    return admin_page(
        request,
        "programmes/person.html",
        "programmes",
        person=found,
        chart=Markup(svg),
        local_date=history.local_date,
        codes=sorted(points),
    )


@router.get("/reports/programmes/{programme_id}", response_class=HTMLResponse)
async def programme_report(
    programme_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> HTMLResponse:
    filters = Filters()
    programme = await service.read(db, await service.get(db, programme_id))
    counts = await service.coverage_counts(db, programme_id)
    heat = await analytics.heat_map(db, programme_id, filters)
    pool = await analytics.talent_pool(db, programme_id, filters)
    needs = await analytics.training_needs_overview(db, programme_id, filters, 0)
    lang = request_language(request)
    heat_svg = charts.heat_map_svg(
        heat,
        all_label=translate(lang, "programmes.all_units"),
        title=translate(lang, "programmes.heat.title"),
    )
    box_svg = charts.nine_box_svg(
        pool,
        analytics.ALL_UNITS,
        potentials=[translate(lang, f"reports.potential.{p}") for p in POTENTIALS],
        ratings=[translate(lang, f"reports.rating.{r}") for r in RATINGS],
        title=translate(lang, "programmes.nine_box.title"),
    )
    return render(
        request,
        "reports/programme.html",
        {
            "programme": programme,
            "coverage": counts,
            "heat": heat,
            "heat_svg": Markup(heat_svg),
            "box_svg": Markup(box_svg),
            "pool": pool,
            "needs": needs,
        },
    )
