from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor, record
from tests.fixtures.factories import create_staff, login


async def test_an_event_lives_and_dies_with_the_transaction_it_describes(
    db: AsyncSession,
) -> None:
    before = await db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(RuntimeError):
        async with db.begin_nested():
            await record(db, Actor.system(), "sitting.close", reason="the change failed")
            raise RuntimeError("the change failed")
    assert await db.scalar(select(func.count()).select_from(AuditEvent)) == before

    async with db.begin_nested():
        await record(db, Actor.system(), "sitting.close", reason="kept")
    assert await db.scalar(select(func.count()).select_from(AuditEvent)) == (before or 0) + 1


async def test_an_event_records_actor_action_target_reason_and_time(db: AsyncSession) -> None:
    user = await create_staff(db, "proctor", username="rina")
    event = await record(
        db,
        Actor.staff(user, "10.0.0.7"),
        "attempt.extra_time",
        target_type="attempt",
        target_id=42,
        reason="Listrik padam 5 menit",
        details={"minutes": 5},
    )
    await db.refresh(event)
    assert (event.actor_kind, event.actor_id, event.actor_name) == ("staff", user.id, "rina")
    assert (event.action, event.target_type, event.target_id) == (
        "attempt.extra_time",
        "attempt",
        "42",
    )
    assert event.reason == "Listrik padam 5 menit"
    assert event.ip == "10.0.0.7"
    assert abs(event.occurred_at - datetime.now(UTC)) < timedelta(minutes=5)


async def test_admin_lists_and_filters_the_audit_log(client: AsyncClient, db: AsyncSession) -> None:
    admin = await create_staff(db, "admin", username="kepala")
    await record(db, Actor.system(), "attempt.expire", target_type="attempt", target_id=1)
    await record(db, Actor.system(), "attempt.expire", target_type="attempt", target_id=2)
    await record(db, Actor.system(), "sitting.open", target_type="sitting", target_id=1)
    await login(client, admin)

    response = await client.get("/api/audit", params={"action": "attempt.expire"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert {item["target_id"] for item in body["items"]} == {"1", "2"}

    by_actor = await client.get("/api/audit", params={"actor": "kepala"})
    assert {item["action"] for item in by_actor.json()["items"]} == {"staff.login"}

    page = await client.get("/api/audit", params={"limit": 1, "actor_kind": "system"})
    assert page.json()["total"] >= 3
    assert len(page.json()["items"]) == 1

    bad = await client.get("/api/audit", params={"since": "kemarin"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "query.since"
