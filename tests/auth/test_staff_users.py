from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.auth.models import StaffUser
from tests.fixtures.factories import create_staff, login

NEW_USER = {
    "username": "dewi.pengawas",
    "full_name": "Dewi Lestari",
    "roles": ["proctor", "editor"],
    "password": "panjang-sekali-123",
}


async def test_admin_creates_a_staff_user_with_several_roles_and_it_is_audited(
    client: AsyncClient, db: AsyncSession
) -> None:
    admin = await create_staff(db, "admin")
    await login(client, admin)
    response = await client.post("/api/staff-users", json=NEW_USER)
    assert response.status_code == 201, response.text
    assert response.json()["roles"] == ["editor", "proctor"]
    assert "password" not in response.text
    stored = await db.scalar(select(StaffUser).where(StaffUser.username == "dewi.pengawas"))
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "staff.create"))
    assert event is not None
    assert (event.actor_name, event.target_id) == (admin.username, str(stored.id))


async def test_duplicate_username_is_a_conflict(client: AsyncClient, db: AsyncSession) -> None:
    admin = await create_staff(db, "admin")
    await login(client, admin)
    assert (await client.post("/api/staff-users", json=NEW_USER)).status_code == 201
    again = await client.post("/api/staff-users", json=NEW_USER)
    assert again.status_code == 409
    assert again.json()["error"] == "username_taken"


async def test_bad_staff_user_fields_are_each_named(client: AsyncClient, db: AsyncSession) -> None:
    admin = await create_staff(db, "admin")
    await login(client, admin)
    response = await client.post(
        "/api/staff-users",
        json={"username": "A B", "full_name": "", "roles": ["kepala"], "password": "short"},
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["detail"]}
    assert fields == {"body.username", "body.full_name", "body.roles.0", "body.password"}


async def test_deactivating_a_user_ends_their_sessions(
    client: AsyncClient, db: AsyncSession, app: object
) -> None:
    from httpx import ASGITransport

    admin = await create_staff(db, "admin")
    proctor = await create_staff(db, "proctor")
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="http://testserver") as other:
        await login(other, proctor)
        assert (await other.get("/api/auth/me")).status_code == 200
        await login(client, admin)
        response = await client.patch(f"/api/staff-users/{proctor.id}", json={"is_active": False})
        assert response.status_code == 200
        assert response.json()["is_active"] is False
        assert (await other.get("/api/auth/me")).status_code == 401


async def test_updating_an_unknown_user_is_404(client: AsyncClient, db: AsyncSession) -> None:
    await login(client, await create_staff(db, "admin"))
    response = await client.patch("/api/staff-users/999999", json={"full_name": "X"})
    assert response.status_code == 404
    assert response.json()["error"] == "staff_user_not_found"
