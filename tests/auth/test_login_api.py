from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.auth.models import StaffSession
from tests.fixtures.factories import PASSWORD, create_staff, login


async def test_login_sets_an_httponly_session_cookie_and_returns_a_csrf_token(
    client: AsyncClient, db: AsyncSession
) -> None:
    user = await create_staff(db, "admin", username="siti")
    response = await client.post("/api/auth/login", json={"username": "siti", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "siti"
    assert body["user"]["roles"] == ["admin"]
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cact_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "password" not in response.text.lower()
    sessions = (await db.scalars(select(StaffSession).where(StaffSession.user_id == user.id))).all()
    assert len(sessions) == 1
    assert sessions[0].id not in cookie  # only the token's hash is stored


async def test_cookie_is_secure_when_served_over_https(app: object, db: AsyncSession) -> None:
    from httpx import ASGITransport

    await create_staff(db, "admin", username="https")
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="https://room.local") as http:
        response = await http.post(
            "/api/auth/login", json={"username": "https", "password": PASSWORD}
        )
    assert "Secure" in response.headers["set-cookie"]


async def test_wrong_password_is_refused_with_the_error_shape(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "admin", username="budi")
    response = await client.post("/api/auth/login", json={"username": "budi", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_credentials"
    assert "set-cookie" not in response.headers


async def test_unknown_user_and_inactive_user_get_the_same_answer(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "admin", username="pensiun", is_active=False)
    for username in ("pensiun", "tidakada"):
        response = await client.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_credentials"


async def test_login_is_rate_limited_per_username_after_repeated_failures(
    client: AsyncClient, db: AsyncSession
) -> None:
    await create_staff(db, "admin", username="target")
    limit = client._transport.app.state.settings.login_max_failures  # type: ignore[attr-defined]
    for _ in range(limit):
        response = await client.post(
            "/api/auth/login", json={"username": "target", "password": "wrong"}
        )
        assert response.status_code == 401
    blocked = await client.post(
        "/api/auth/login", json={"username": "target", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "too_many_login_tries"
    assert int(blocked.headers["Retry-After"]) > 0


async def test_logout_revokes_the_session(client: AsyncClient, db: AsyncSession) -> None:
    user = await create_staff(db, "admin")
    await login(client, user)
    assert (await client.get("/api/auth/me")).status_code == 200
    assert (await client.post("/api/auth/logout")).status_code == 204
    client.cookies.clear()
    assert (await client.get("/api/auth/me")).status_code == 401
    events = (
        await db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id))
    ).all()
    assert set(events) >= {"staff.login", "staff.logout"}


async def test_a_stolen_cookie_stops_working_after_logout(
    client: AsyncClient, db: AsyncSession
) -> None:
    user = await create_staff(db, "admin")
    await login(client, user)
    token = client.cookies["cact_session"]
    await client.post("/api/auth/logout")
    client.cookies.set("cact_session", token)
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"


async def test_a_change_without_the_csrf_token_is_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    user = await create_staff(db, "admin")
    await login(client, user)
    del client.headers["X-CSRF-Token"]
    response = await client.post("/api/auth/logout")
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_rejected"
    client.headers["X-CSRF-Token"] = "forged"
    assert (await client.post("/api/auth/logout")).status_code == 403


async def test_login_body_errors_name_the_field(client: AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    fields = {error["field"] for error in body["detail"]}
    assert fields == {"body.username", "body.password"}
