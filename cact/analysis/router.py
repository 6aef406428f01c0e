"""Item analysis of a sitting: JSON, and the item / scale tables as files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.analysis import dif_service, service
from cact.analysis.calibration import CalibrationRepository
from cact.analysis.dif_service import Criterion
from cact.analysis.groups import Attribute
from cact.analysis.models import ItemCalibration
from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.exports.columns import MEDIA_TYPES, Format
from cact.exports.service import filename, sitting_code
from cact.kit.db import DbSession

router = APIRouter(prefix="/api/sittings", tags=["item analysis"])


@router.get("/{sitting_id}/item-analysis", responses={404: {"description": "no such sitting"}})
async def get_item_analysis(sitting_id: int, admin: AdminUser, db: DbSession) -> dict[str, Any]:
    """Per item: n, facility, item–rest discrimination, option distribution, flags, Rasch
    difficulty and fit; per competency scale: reliability on sampled forms, the Rasch
    calibration (docs/item-analysis.md). The first one after close stores the calibration."""
    return asdict(await service.calibrated_analysis(db, sitting_id))


@router.get(
    "/{sitting_id}/item-analysis/calibration",
    responses={404: {"description": "no such sitting"}},
)
async def get_calibration(sitting_id: int, admin: AdminUser, db: DbSession) -> dict[str, Any]:
    """The stored calibration: difficulty, SE, infit, outfit per item version."""
    await sitting_code(db, sitting_id)
    rows = await CalibrationRepository(db).of_sitting(sitting_id)
    return {"sitting_id": sitting_id, "items": [_calibration_row(r) for r in rows]}


@router.post(
    "/{sitting_id}/item-analysis/calibration",
    responses={404: {"description": "no such sitting"}, 409: {"description": "not closed"}},
)
async def recalibrate(
    sitting_id: int, admin: AdminUser, request: Request, db: DbSession
) -> dict[str, Any]:
    """Calibrate again and replace the stored calibration (audited)."""
    stored = await service.recalibrate(db, sitting_id, Actor.staff(admin, client_ip(request)))
    return {"sitting_id": sitting_id, "stored": stored}


def _calibration_row(row: ItemCalibration) -> dict[str, Any]:
    return {
        "item_version_id": row.item_version_id,
        "competency": row.competency_code,
        "difficulty": row.difficulty,
        "se": row.se,
        "infit": row.infit,
        "outfit": row.outfit,
        "n": row.n,
        "model": row.model,
        "calibrated_at": row.calibrated_at.isoformat(),
    }


async def _chunks(
    sessionmaker: async_sessionmaker[AsyncSession], sitting_id: int, table: str, fmt: str, bom: bool
) -> AsyncIterator[bytes]:
    async with sessionmaker() as session, session.begin():
        async for chunk in service.analysis_chunks(session, sitting_id, table, fmt, bom=bom):
            yield chunk


@router.get(
    "/{sitting_id}/item-analysis/{table}.{fmt}",
    response_class=StreamingResponse,
    responses={404: {"description": "no such sitting"}},
)
async def export_item_analysis(
    sitting_id: int,
    table: Literal["items", "scales"],
    fmt: Format,
    admin: AdminUser,
    request: Request,
    db: DbSession,
    bom: Annotated[bool, Query(description="start the CSV with a UTF-8 BOM (Excel)")] = False,
) -> StreamingResponse:
    name = filename(await sitting_code(db, sitting_id), f"item-analysis-{table}", fmt)
    return StreamingResponse(
        _chunks(request.app.state.sessionmaker, sitting_id, table, fmt, bom),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{sitting_id}/dif",
    responses={404: {"description": "no such sitting"}, 422: {"description": "bad groups"}},
)
async def get_dif(
    sitting_id: int,
    admin: AdminUser,
    db: DbSession,
    attribute: Annotated[Attribute, Query(description="the roster attribute to group by")],
    reference: Annotated[str | None, Query(max_length=200)] = None,
    focal: Annotated[str | None, Query(max_length=200)] = None,
    criterion: Annotated[Criterion, Query(description="what the matching total sums")] = "kind",
) -> dict[str, Any]:
    """Mantel–Haenszel DIF (keyed items) and Mantel / SMD (weighted items) with ETS A/B/C
    classes, for ``focal`` against ``reference`` (default: the two largest groups); see
    docs/item-analysis.md, "DIF"."""
    report = await dif_service.sitting_dif(db, sitting_id, attribute, reference, focal, criterion)
    body = asdict(report)
    for row, item in zip(body["items"], report.items, strict=True):
        row["flagged"] = item.flagged
    body["flagged"] = [item.item_id for item in report.flagged]
    return body
