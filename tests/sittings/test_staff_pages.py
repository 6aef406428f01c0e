"""The staff accounts page: list, create, change roles, deactivate — never oneself."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.auth.repository import StaffUserRepository
from tests.fixtures.factories import create_staff, login
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, untranslated


async def test_admins_manage_staff_accounts_on_the_page(
    client: AsyncClient, db: AsyncSession
) -> None:
    admin = await create_staff(db, "admin", username="kepala")
    await login(client, admin)
    page = await client.get("/admin/staff", headers=HTML)
    assert page.status_code == 200 and untranslated(page.text) == []
    assert [r[0] for r in table_rows(page.text, "staff")] == ["kepala"]

    short = await client.post(
        "/admin/staff",
        headers=HTML,
        data={"username": "rina", "full_name": "Rina", "password": "pendek", "roles": ["proctor"]},
    )
    assert short.status_code == 422 and "Kata sandi" in short.text
    created = await client.post(
        "/admin/staff",
        headers=HTML,
        data={
            "username": "Rina",
            "full_name": "Rina Wulandari",
            "password": "kata-sandi-rina-2026",
            "roles": ["proctor", "editor"],
        },
    )
    assert created.status_code == 303
    rina = await StaffUserRepository(db).by_username("rina")
    assert rina is not None and rina.roles == ["editor", "proctor"]
    taken = await client.post(
        "/admin/staff",
        headers=HTML,
        data={
            "username": "rina",
            "full_name": "R",
            "password": "kata-sandi-rina-2026",
            "roles": ["admin"],
        },
    )
    assert taken.status_code == 409 and "Nama pengguna sudah dipakai." in taken.text

    changed = await client.post(
        f"/admin/staff/{rina.id}",
        headers=HTML,
        data={"full_name": "Rina W.", "roles": ["proctor"], "is_active": ""},
    )
    assert changed.status_code == 303
    await db.refresh(rina)
    assert (rina.full_name, rina.roles, rina.is_active) == ("Rina W.", ["proctor"], False)

    myself = await client.post(
        f"/admin/staff/{admin.id}",
        headers=HTML,
        data={"full_name": "Kepala", "roles": ["proctor"], "is_active": "on"},
    )
    assert myself.status_code == 409 and "sendiri" in myself.text
    await db.refresh(admin)
    assert admin.roles == ["admin"]
