"""create_app(): the lifespan builds the engine and session factory; routers are mounted here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from importlib.metadata import version as package_version
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import Receive, Scope, Send

from cact import sweeper
from cact.analysis.dif_pages import router as dif_pages
from cact.analysis.exposure_pages import router as exposure_pages
from cact.analysis.exposure_router import router as exposure_router
from cact.analysis.pages import router as analysis_pages
from cact.analysis.router import router as analysis_router
from cact.assessors.integration_pages import router as integration_pages
from cact.assessors.integration_router import router as integration_router
from cact.assessors.pages import router as assessors_pages
from cact.assessors.router import router as assessors_router
from cact.auditlog.pages import router as audit_pages
from cact.auditlog.router import router as audit_router
from cact.auth.pages import router as auth_pages
from cact.auth.router import router as auth_router
from cact.auth.router import users_router
from cact.auth.staff_pages import router as staff_pages
from cact.bank.pages import router as bank_pages
from cact.bank.router import media_router
from cact.bank.router import router as bank_router
from cact.blueprints.pages import router as blueprint_pages
from cact.blueprints.router import router as blueprints_router
from cact.competencies.router import router as competencies_router
from cact.config import Settings, get_settings
from cact.delivery import warmup
from cact.delivery.admission import LoginAdmission
from cact.delivery.hot_path import KioskHotPath
from cact.delivery.pages import router as kiosk_page
from cact.delivery.push import router as kiosk_push
from cact.delivery.router import router as kiosk_router
from cact.exam.events import EventHub, Touches, asyncpg_dsn
from cact.exports.pages import router as exports_pages
from cact.exports.router import router as exports_router
from cact.ha.guard import StandbyGuard
from cact.health.router import router as health_router
from cact.kit import rawdb
from cact.kit.database import resolve_database_url
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.errors import install_error_handlers
from cact.kit.limits import DEFAULT_BODY_BYTES, KIOSK_BODY_BYTES
from cact.kit.metrics import MetricsMiddleware
from cact.kit.migrate import head_revisions
from cact.kit.ratelimit import RateLimiter
from cact.kit.security_headers import SecurityHeadersMiddleware
from cact.kit.templates import UI_DIR
from cact.monitoring.router import router as monitoring_router
from cact.monitoring.service import keep_counting
from cact.packages.pages import router as packages_pages
from cact.packages.push_router import router as package_push_router
from cact.packages.results_router import router as results_refusals_router
from cact.packages.router import router as packages_router
from cact.packages.transfer_pages import router as transfer_pages
from cact.participants.router import router as participants_router
from cact.proctoring.pages import router as proctor_pages
from cact.proctoring.router import router as proctor_router
from cact.proctoring.stream import router as proctor_stream
from cact.programmes.pages import router as programmes_pages
from cact.programmes.router import router as programmes_router
from cact.reports.pages import router as reports_pages
from cact.reports.router import router as reports_router
from cact.rooms.pages import router as rooms_pages
from cact.rooms.router import router as rooms_router
from cact.rosters.pages import router as rosters_pages
from cact.rosters.router import router as rosters_router
from cact.scoring.router import router as scoring_router
from cact.sittings.browsers import pages as browser_pages
from cact.sittings.browsers import router as browser_router
from cact.sittings.pages import router as sittings_pages
from cact.sittings.router import router as sittings_router
from cact.standards.pages import router as standards_pages
from cact.standards.router import router as standards_router

API_DESCRIPTION = """Computer-assisted competency test delivery server.

Staff endpoints use the session cookie from `POST /api/auth/login` and, for every call that
changes something, the `X-CSRF-Token` header with the `csrf_token` that login returned.
Errors always have the shape `{"error": "<code>", "detail": ...}`."""


# Every router the app serves; the route-role test walks this table. Routes are matched in
# this order, so the kiosk protocol (most of the requests in an exam) comes first.
ROUTERS: tuple[APIRouter, ...] = (
    kiosk_router,
    kiosk_push,
    health_router,
    monitoring_router,
    auth_router,
    users_router,
    audit_router,
    competencies_router,
    bank_router,
    media_router,
    blueprints_router,
    standards_router,
    standards_pages,
    scoring_router,
    kiosk_page,
    proctor_router,
    proctor_stream,
    proctor_pages,
    auth_pages,
    bank_pages,
    blueprint_pages,
    rooms_router,
    participants_router,
    rosters_router,
    browser_router,
    sittings_router,
    staff_pages,
    rooms_pages,
    rosters_pages,
    browser_pages,
    sittings_pages,
    audit_pages,
    reports_router,
    reports_pages,
    exports_router,
    analysis_router,
    exports_pages,
    analysis_pages,
    dif_pages,
    exposure_router,
    exposure_pages,
    programmes_router,
    programmes_pages,
    packages_router,
    packages_pages,
    results_refusals_router,
    assessors_router,
    assessors_pages,
    integration_router,
    integration_pages,
    package_push_router,
    transfer_pages,
)


def attach_database(
    app: FastAPI, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings: Settings = app.state.settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    # The hot path's raw connections: the sessions' own until the lifespan opens a pool.
    app.state.raw_connections = rawdb.session_connections(sessionmaker)
    app.state.login_limiter = _limiter(settings, settings.login_max_failures)
    app.state.kiosk_limiter = _limiter(settings, settings.kiosk_login_max_failures)
    app.state.touches = Touches()
    app.state.logins = LoginAdmission(
        settings.kiosk_login_concurrency, settings.db_pool_timeout_seconds
    )


def _limiter(settings: Settings, free_failures: int) -> RateLimiter:
    return RateLimiter(
        limit=free_failures,
        window_seconds=settings.login_window_seconds,
        backoff_base_seconds=settings.login_backoff_base_seconds,
        backoff_max_seconds=settings.login_backoff_max_seconds,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url, embedded = resolve_database_url(settings)
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    sessionmaker = create_sessionmaker(engine)
    attach_database(app, engine, sessionmaker)
    kiosk_pool = await rawdb.create_pool(asyncpg_dsn(url), settings.kiosk_pool_size)
    app.state.raw_connections = rawdb.pool_connections(kiosk_pool, settings.db_pool_timeout_seconds)
    app.state.events = EventHub(asyncpg_dsn(url))
    app.state.events.start()
    sweeping = asyncio.create_task(
        sweeper.run(
            sessionmaker,
            timedelta(seconds=settings.save_grace_seconds),
            settings.sweep_interval_seconds,
            # The staff and kiosk limiters share one window: one forgets for both.
            (app.state.login_limiter,),
        ),
        name="deadline-sweeper",
    )
    counting = asyncio.create_task(keep_counting(app.state), name="active-kiosks")
    touching = asyncio.create_task(
        app.state.touches.run(app.state.raw_connections), name="room-touches"
    )
    warming = asyncio.create_task(
        warmup.warm(kiosk_pool, settings.kiosk_pool_size), name="kiosk-pool-warm-up"
    )
    tasks = [sweeping, counting, touching, warming]
    if settings.ha_standby_name:
        guard = StandbyGuard(
            asyncpg_dsn(url), settings.ha_standby_name, settings.ha_standby_timeout_seconds
        )
        app.state.replication = guard.state
        tasks.append(asyncio.create_task(guard.run(), name="replication-guard"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await app.state.events.stop()
        await rawdb.close_pool(kiosk_pool)
        await engine.dispose()
        if embedded is not None:
            embedded.stop()


class CactApp(FastAPI):
    """FastAPI, with the kiosk's answer save and heartbeat answered before its layers
    (cact/delivery/hot_path.py: they are nearly every call of an exam room)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hot_path = KioskHotPath(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            rest = await self.hot_path(scope, receive, send)
            if rest is None:
                return
            receive = rest
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = CactApp(
        title="CACT",
        version=package_version("cact"),
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the room's LAN has no internet for Swagger's CDN assets
        redoc_url=None,
        max_body_size=DEFAULT_BODY_BYTES,  # uploads and the kiosk set their own (kit/limits.py)
    )
    app.state.settings = settings or get_settings()
    app.state.migration_heads = head_revisions()
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=app.state.settings.hsts_seconds)
    app.mount("/static", StaticFiles(directory=UI_DIR / "static"), name="static")
    for router in ROUTERS:
        limit = KIOSK_BODY_BYTES if router is kiosk_router else None
        app.include_router(router, max_body_size=limit)
    return app
