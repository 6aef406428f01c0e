"""Every staff route declares its role: a route added later without one fails this test.

The test walks the app's route table. A route is either on the short public list below, or
it must depend on ``require_role`` (or ``staff_context``); then an anonymous request gets 401,
a staff user without the role gets 403 ``wrong_role``, and a user with the role gets neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.app import ROUTERS, create_app
from cact.auth.models import ROLES
from cact.config import Settings
from tests.conftest import TEST_SECRET
from tests.fixtures.factories import create_staff, login

PUBLIC_ROUTES = {
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),  # counts and latencies only, for the room's monitoring
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/auth/login"),
}
# The kiosk authenticates participants with its own bearer token, not staff roles; item images
# are addressed by content hash so that kiosks' <img> tags (which send no token) can load them.
# A pushed package's upload is signed by a trusted server's key, not by a staff session
# (cact/packages/transport.py; tests/packages/test_push.py sends it every bad signature).
PUBLIC_PREFIXES = ("/api/kiosk/", "/kiosk", "/media/", "/api/packages/uploads")


def _declared_roles(dependant: Dependant) -> tuple[str, ...] | None:
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "__cact_roles__", None)
        if roles is not None:
            return tuple(roles)
        found = _declared_roles(sub)
        if found is not None:
            return found
    return None


def _api_routes() -> Iterator[APIRoute]:
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute), (
                f"{type(route).__name__} in a router: keep routers flat and add each one to "
                "cact.app.ROUTERS (no include_router inside a router)"
            )
            yield route


def _staff_routes() -> Iterator[tuple[str, str, tuple[str, ...] | None]]:
    for route in _api_routes():
        for method in sorted(route.methods):
            if (method, route.path) in PUBLIC_ROUTES or route.path.startswith(PUBLIC_PREFIXES):
                continue
            yield method, route.path, _declared_roles(route.dependant)


ROUTES = list(_staff_routes())


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_walk_covers_every_route_the_app_publishes() -> None:
    app = create_app(Settings(environment="test", secret_key=TEST_SECRET, database_url="x"))
    walked = {(m, r.path) for r in _api_routes() for m in r.methods}
    published = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert published <= walked


def test_every_staff_route_declares_a_role() -> None:
    undeclared = [f"{method} {path}" for method, path, roles in ROUTES if roles is None]
    assert undeclared == [], f"routes without a role: {undeclared}"
    assert len(ROUTES) >= 8  # the walk found the staff routes at all


@pytest.mark.parametrize(
    ("method", "path", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
async def test_staff_route_refuses_anonymous_and_wrong_role(
    client: AsyncClient, db: AsyncSession, method: str, path: str, roles: tuple[str, ...]
) -> None:
    url = _concrete(path)
    anonymous = await client.request(method, url)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"] in {"not_authenticated", "session_expired"}

    outsider_roles = [role for role in ROLES if role not in roles] if roles else []
    outsider = await create_staff(db, *outsider_roles)
    await login(client, outsider)  # roles=() routes: an account whose roles were all removed
    refused = await client.request(method, url)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "wrong_role"

    client.cookies.clear()
    insider = await create_staff(db, *(roles or ROLES[:1]))
    await login(client, insider)
    admitted = await client.request(method, url)
    assert admitted.status_code not in (401, 403), admitted.text
