"""/metrics for the room's monitoring (Prometheus text format). No personal data in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cact.exam.repository import AttemptRepository
from cact.kit import metrics

router = APIRouter(tags=["health"])
ACTIVE_WINDOW = timedelta(seconds=60)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    engine = request.app.state.engine
    since = datetime.now(UTC) - ACTIVE_WINDOW
    async with request.app.state.sessionmaker() as db:
        active = await AttemptRepository(db).heard_from(since)
    pool = engine.pool
    body, content_type = metrics.render(
        {
            "cact_active_kiosks": (
                "Attempts in progress heard from in the last minute.",
                float(active or 0),
            ),
            "cact_db_pool_checked_out": (
                "Connections this worker is using now.",
                float(pool.checkedout()),
            ),
            "cact_db_pool_size": ("Connections this worker keeps open.", float(pool.size())),
        }
    )
    return Response(body, media_type=content_type)
