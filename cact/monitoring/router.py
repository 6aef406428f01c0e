"""/metrics for the room's monitoring (Prometheus text format). No personal data in it.

Only the addresses in CACT_METRICS_ALLOW (default: this machine) or a scraper that sends
CACT_METRICS_TOKEN may read it; a scrape reads memory only, never the database.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cact.config import Settings
from cact.kit import metrics
from cact.kit.errors import Forbidden
from cact.kit.pg_supervisor import read_status

router = APIRouter(tags=["health"])


class MetricsForbidden(Forbidden):
    code = "metrics_forbidden"
    message = (
        "Metrik hanya untuk alamat yang diizinkan (CACT_METRICS_ALLOW) atau dengan token. / "
        "Metrics are for allowed addresses (CACT_METRICS_ALLOW) or with the token only."
    )


def _allowed(request: Request, settings: Settings) -> bool:
    if settings.metrics_token is not None:
        sent = request.headers.get("authorization", "")
        expected = "Bearer " + settings.metrics_token.get_secret_value()
        if hmac.compare_digest(sent.encode(), expected.encode()):
            return True
    host = request.client.host if request.client else ""
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_networks)


def _supervisor_values(settings: Settings) -> dict[str, tuple[str, float]]:
    status = read_status(settings.data_dir)
    if status is None:
        return {}
    return {
        "cact_embedded_pg_up": (
            "1 while the supervised embedded PostgreSQL runs.",
            1.0 if status.get("state") == "running" else 0.0,
        ),
        "cact_embedded_pg_restarts": (
            "Times the supervisor restarted the embedded PostgreSQL since the app started.",
            float(status.get("restarts", 0)),
        ),
    }


def _replication_values(request: Request) -> dict[str, tuple[str, float]]:
    replication = getattr(request.app.state, "replication", None)
    if replication is None:
        return {}
    return {
        "cact_ha_primary": (
            "1 when this server's database is the primary (0: the standby, or not reached).",
            1.0 if replication.role == "primary" else 0.0,
        ),
        "cact_ha_standby_synchronous": (
            "1 while commits wait for the standby (every answer on both disks).",
            1.0 if replication.synchronous else 0.0,
        ),
        "cact_ha_standby_lost": (
            "1 when the primary goes on alone: answers are on one disk only. Alert on it.",
            1.0 if replication.role == "primary" and replication.standby == "lost" else 0.0,
        ),
    }


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not _allowed(request, settings):
        raise MetricsForbidden()
    pool = request.app.state.engine.pool
    values = {
        "cact_db_pool_checked_out": (
            "Connections this worker is using now.",
            float(pool.checkedout()),
        ),
        "cact_db_pool_size": ("Connections this worker keeps open.", float(pool.size())),
        **_supervisor_values(settings),
        **_replication_values(request),
    }
    active = getattr(request.app.state, "active_kiosks", None)
    if active is not None:
        values["cact_active_kiosks"] = (
            "Attempts in progress heard from in the last minute (counted every 15 s).",
            float(active),
        )
    body, content_type = metrics.render(values)
    return Response(body, media_type=content_type)
