"""The start belongs to the proctor: participants log in and wait; the proctor's start (or the
schedule's, when the sitting is set to start by itself) lets the clocks run (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.exam.models import SittingProctor
from cact.proctoring import autostart
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, open_sitting


async def test_participants_wait_until_the_proctor_starts_and_the_start_is_recorded(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, started=False)
    user = await create_staff(db, "proctor", username="pengawas1")
    db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=user.id))
    await db.flush()
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    before = (await kiosk.call("GET", "/attempt")).json()  # type: ignore[attr-defined]
    assert before["status"] == "not_started" and before["instructions_html"]
    early = await kiosk.call("POST", "/attempt/start")
    assert early.status_code == 409  # type: ignore[attr-defined]
    assert early.json()["error"] == "sitting_not_started"  # type: ignore[attr-defined]
    assert "tunggu" in early.json()["detail"]  # type: ignore[attr-defined]
    section_id = before["sections"][0]["id"]
    assert (await kiosk.call("GET", f"/sections/{section_id}")).status_code == 409  # type: ignore[attr-defined]

    await login(client, user)
    started = await client.post(f"/api/proctor/sittings/{opened.sitting.id}/start")
    assert started.status_code == 200, started.text
    assert started.json()["started_by"] == "pengawas1" and started.json()["started_at"]
    now_running = await kiosk.call("POST", "/attempt/start")
    assert now_running.status_code == 200  # type: ignore[attr-defined]
    assert now_running.json()["sections"][0]["status"] == "open"  # type: ignore[attr-defined]


async def test_a_sitting_set_to_start_by_itself_starts_at_its_time_once_and_audited(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, started=False)
    user = await create_staff(db, "proctor", username="pengawas2")
    db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=user.id))
    opened.sitting.starts_at = datetime.now(UTC) + timedelta(minutes=10)
    await db.flush()
    await login(client, user)
    setting = await client.put(
        f"/api/proctor/sittings/{opened.sitting.id}/auto-start",
        json={"enabled": True, "reason": "sesi pagi"},
    )
    assert setting.status_code == 200 and setting.json()["auto_start"] is True
    assert await autostart.start_due_in(db, datetime.now(UTC)) == []  # not yet its time
    later = opened.sitting.starts_at + timedelta(seconds=1)
    assert await autostart.start_due_in(db, later) == [opened.sitting.id]
    assert await autostart.start_due_in(db, later) == []  # exactly once
    await db.refresh(opened.sitting)
    assert opened.sitting.status == "running" and opened.sitting.started_by == "schedule"
    actions = (
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.sitting_id == opened.sitting.id)
        )
    ).all()
    assert "sitting.auto_start" in actions and "sitting.start" in actions
