"""``/api/programmes``: programmes, their population, waves, coverage, exports and analytics;
``/api/people/{nip}/history``: one person across programmes. Admin only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exports.columns import MEDIA_TYPES, Format
from cact.kit.db import DbSession
from cact.kit.errors import InvalidInput
from cact.programmes import analytics, exports, history, population, service, tables
from cact.programmes.deps import AnalyticsFilters, position_by_code
from cact.programmes.exports import ProgrammeKind
from cact.programmes.schemas import (
    Coverage,
    HeatCell,
    MatchRow,
    MoveReport,
    MoveRequest,
    NeedRow,
    NineBoxCell,
    PersonHistory,
    PopulationReport,
    ProgrammeCreate,
    ProgrammeRead,
    ProgrammeUpdate,
    SittingBrief,
)
from cact.rooms.schemas import PathId
from item_bank.safety import DEFAULT_LIMITS

router = APIRouter(tags=["programmes"])
XLSX = MEDIA_TYPES["xlsx"]
PositionCode = Annotated[str, Query(min_length=1, max_length=64, description="position code")]


class PopulationRejected(InvalidInput):
    code = "invalid_staff_list"
    message = (
        "Daftar pegawai tidak valid; tidak ada yang disimpan. / Invalid staff list; nothing saved."
    )


def _actor(admin: AdminUser, request: Request) -> Actor:
    return Actor.staff(admin, client_ip(request))


@router.get("/api/programmes", response_model=list[ProgrammeRead])
async def list_programmes(_: AdminUser, db: DbSession) -> list[ProgrammeRead]:
    return await service.list_all(db)


@router.post("/api/programmes", response_model=ProgrammeRead, status_code=201)
async def create_programme(
    data: ProgrammeCreate, admin: AdminUser, request: Request, db: DbSession
) -> ProgrammeRead:
    programme = await service.create(db, data, _actor(admin, request))
    return await service.read(db, programme)


@router.get("/api/programmes/{programme_id}", response_model=ProgrammeRead)
async def get_programme(programme_id: PathId, _: AdminUser, db: DbSession) -> ProgrammeRead:
    return await service.read(db, await service.get(db, programme_id))


@router.patch("/api/programmes/{programme_id}", response_model=ProgrammeRead)
async def update_programme(
    programme_id: PathId, data: ProgrammeUpdate, admin: AdminUser, request: Request, db: DbSession
) -> ProgrammeRead:
    programme = await service.update(db, programme_id, data, _actor(admin, request))
    return await service.read(db, programme)


@router.put("/api/programmes/{programme_id}/sittings/{sitting_id}", response_model=SittingBrief)
async def attach_sitting(
    programme_id: PathId, sitting_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> SittingBrief:
    """The sitting becomes a wave of the programme (409 when it belongs to another one)."""
    sitting = await service.attach_sitting(db, programme_id, sitting_id, _actor(admin, request))
    return SittingBrief.model_validate(sitting)


@router.delete("/api/programmes/{programme_id}/sittings/{sitting_id}", status_code=204)
async def detach_sitting(
    programme_id: PathId, sitting_id: PathId, admin: AdminUser, request: Request, db: DbSession
) -> None:
    await service.detach_sitting(db, programme_id, sitting_id, _actor(admin, request))


@router.post(
    "/api/programmes/{programme_id}/population",
    response_model=PopulationReport,
    responses={422: {"description": "every problem with its row and column; nothing saved"}},
)
async def import_population(
    programme_id: PathId,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile, File(description="the staff list, CSV or XLSX")],
    dry_run: Annotated[bool, Form(description="check and report; save nothing")] = False,
) -> PopulationReport:
    """The agency's staff list (nip, nama, kode_jabatan, unit_kerja, kelompok_jabatan …):
    people are registered or updated and become the target population. All or nothing."""
    data = await file.read(DEFAULT_LIMITS.max_file_bytes + 1)
    report = await population.import_population(
        db,
        programme_id,
        data,
        file.filename or "staff.csv",
        actor=_actor(admin, request),
        dry_run=dry_run,
    )
    if not report.valid:
        raise PopulationRejected([p.model_dump(exclude_none=True) for p in report.problems])
    return report


@router.get("/api/programmes/{programme_id}/coverage", response_model=Coverage)
async def coverage(programme_id: PathId, _: AdminUser, db: DbSession) -> Coverage:
    """Assessed / scheduled (on a wave to come) / absent / not yet scheduled, per person."""
    return await service.coverage(db, programme_id)


@router.post("/api/programmes/{programme_id}/move", response_model=MoveReport)
async def move_to_wave(
    programme_id: PathId, data: MoveRequest, admin: AdminUser, request: Request, db: DbSession
) -> MoveReport:
    """Enrol the absent and/or not yet scheduled into a later wave (a scheduled sitting of the
    programme), on free seats; 409 and nothing moved when the room is too small."""
    return await service.move_to_wave(db, programme_id, data, _actor(admin, request))


async def _export(
    sessionmaker: async_sessionmaker[AsyncSession],
    programme_id: int,
    kind: str,
    fmt: str,
    bom: bool,
) -> AsyncIterator[bytes]:
    # Its own session: the request's is closed before the response streams.
    async with sessionmaker() as session, session.begin():
        async for chunk in exports.export_chunks(session, programme_id, kind, fmt, bom=bom):
            yield chunk


@router.get(
    "/api/programmes/{programme_id}/exports/{kind}.{fmt}",
    response_class=StreamingResponse,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
async def export_programme(
    programme_id: PathId,
    kind: ProgrammeKind,
    fmt: Format,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    """responses, results or matrix of every sitting of the programme, one after the other
    (columns of docs/exports.md; the matrix over the union of the item columns)."""
    programme = await service.get(db, programme_id)
    await audit.record(
        db,
        _actor(admin, request),
        "programme.export",
        target_type="programme",
        target_id=programme_id,
        details={"kind": kind, "format": fmt},
    )
    chunks = _export(request.app.state.sessionmaker, programme_id, kind, fmt, bom)
    name = exports.filename(programme.code, kind, fmt)
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/programmes/{programme_id}/analytics/heat-map", response_model=list[HeatCell])
async def heat_map(
    programme_id: PathId, _: AdminUser, db: DbSession, filters: AnalyticsFilters
) -> list[HeatCell]:
    """Unit × competency: share below standard and mean gap; ``unit`` "" is everyone."""
    await service.get(db, programme_id)
    return (await analytics.heat_map(db, programme_id, filters)).cells


@router.get("/api/programmes/{programme_id}/analytics/training-needs", response_model=list[NeedRow])
async def training_needs(
    programme_id: PathId, _: AdminUser, db: DbSession, filters: AnalyticsFilters
) -> list[NeedRow]:
    await service.get(db, programme_id)
    return await analytics.training_needs(db, programme_id, filters)


@router.get("/api/programmes/{programme_id}/analytics/nine-box", response_model=list[NineBoxCell])
async def nine_box(
    programme_id: PathId, _: AdminUser, db: DbSession, filters: AnalyticsFilters
) -> list[NineBoxCell]:
    """Counts and names per unit and box; ``unit`` "" is everyone."""
    await service.get(db, programme_id)
    return (await analytics.talent_pool(db, programme_id, filters)).cells


@router.get("/api/programmes/{programme_id}/analytics/matching", response_model=list[MatchRow])
async def matching(
    programme_id: PathId,
    position: PositionCode,
    _: AdminUser,
    db: DbSession,
    filters: AnalyticsFilters,
) -> list[MatchRow]:
    """Everyone assessed, ranked by the JPM they would have against ``position``'s standard."""
    await service.get(db, programme_id)
    chosen = await position_by_code(db, position)
    found = await analytics.position_matching(db, programme_id, chosen, filters)
    return [r.read() for r in found.rows]


@router.get(
    "/api/programmes/{programme_id}/tables/{table}.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}}},
)
async def table_xlsx(
    programme_id: PathId,
    table: tables.Table,
    _: AdminUser,
    db: DbSession,
    filters: AnalyticsFilters,
    position: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """Any table of the programme's pages as XLSX (``matching`` needs ``position``)."""
    programme = await service.get(db, programme_id)
    names, rows = await tables.build(db, programme_id, table, filters, position)
    name = exports.filename(programme.code, table, "xlsx")
    return StreamingResponse(
        tables.xlsx(names, rows, table),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/people/{nip}/history", response_model=PersonHistory)
async def person_history(
    nip: Annotated[str, Path(pattern=r"^[0-9]{18}$")],
    _: AdminUser,
    db: DbSession,
    as_of: Annotated[datetime | None, Query(description="ISO 8601 with zone; default now")] = None,
) -> PersonHistory:
    """Every result of the person across programmes; the latest valid one is marked."""
    return await history.person_history(db, nip=nip, as_of=as_of)
