"""Liveness and readiness for the room's monitoring and the reverse proxy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cact.kit.errors import RETRY_AFTER_SECONDS
from cact.kit.migrate import current_revisions
from cact.kit.pg_supervisor import read_status

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    # The supervised embedded PostgreSQL's own view (restarts), whatever the answer below.
    supervised = read_status(request.app.state.settings.data_dir)
    extra: dict[str, object] = {"embedded_postgres": supervised} if supervised is not None else {}
    replication = getattr(request.app.state, "replication", None)
    if replication is not None:  # a room with a standby server (cact/ha/guard.py)
        extra["replication"] = replication.as_dict()
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await current_revisions(connection)
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse(
            {
                "status": "unavailable",
                "error": "database_unreachable",
                "detail": type(exc).__name__,
                **extra,
            },
            503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if replication is not None and replication.role == "standby":
        # Reads work, writes do not: no proxy or virtual address may send kiosks here.
        return JSONResponse(
            {"status": "unavailable", "error": "standby_read_only", **extra},
            503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    heads = request.app.state.migration_heads
    if current != heads:
        return JSONResponse(
            {
                "status": "unavailable",
                "error": "migrations_pending",
                "detail": f"database at {sorted(current)}, code expects {sorted(heads)}; "
                "run `cact db upgrade`",
            },
            503,
        )
    return JSONResponse({"status": "ready", "database": "ok", "migrations": sorted(heads), **extra})
