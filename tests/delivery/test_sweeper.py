"""The server closes sections at the deadline by itself — exactly once, even with two workers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact import sweeper
from cact.audit.models import AuditEvent
from cact.exam.models import Attempt, AttemptSection
from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.sittings import KioskClient, open_sitting, without_breaks

GRACE = timedelta(seconds=10)


async def _expire_open_sections(db: AsyncSession) -> None:
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.status == "open")
        .values(deadline_at=datetime.now(UTC) - timedelta(minutes=1))
    )


async def test_an_overdue_section_is_closed_and_the_next_starts_with_no_kiosk(
    client: AsyncClient, db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    opened = await open_sitting(db, participants=1)
    await without_breaks(db, opened.sitting.id)  # breaks: tests/delivery/test_breaks.py
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    await kiosk.call("POST", "/attempt/start")
    await _expire_open_sections(db)
    await db.commit()  # releases the test's savepoint; the outer transaction still rolls back

    assert await sweeper.sweep_once(sessionmaker, GRACE) == 1
    statuses = (await kiosk.call("GET", "/attempt")).json()
    assert [s["status"] for s in statuses["sections"]] == ["closed", "open", "pending"]
    closed = await db.scalar(
        select(AttemptSection).where(
            AttemptSection.attempt_id == kiosk.attempt_id, AttemptSection.position == 1
        )
    )
    assert closed is not None and closed.close_reason == "deadline"

    for _ in range(2):
        await _expire_open_sections(db)
        await db.commit()
        await sweeper.sweep_once(sessionmaker, GRACE)
    final = (await kiosk.call("GET", "/attempt")).json()
    assert final["status"] == "expired"
    assert {s["status"] for s in final["sections"]} == {"closed"}


async def test_a_paused_section_is_not_closed_by_its_old_deadline(
    client: AsyncClient, db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    await kiosk.call("POST", "/attempt/start")
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.status == "open")
        .values(
            deadline_at=datetime.now(UTC) - timedelta(minutes=1),
            paused_at=datetime.now(UTC) - timedelta(minutes=5),
        )
    )
    await db.commit()
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 0
    statuses = (await kiosk.call("GET", "/attempt")).json()
    assert statuses["sections"][0]["status"] == "open"
    assert statuses["sections"][0]["remaining_ms"] > 200_000  # 4 minutes were left at the pause


async def test_two_workers_racing_close_every_section_exactly_once(pg_server: TestServer) -> None:
    url = await recreate_database(pg_server, "cact_sweep_race")
    from cact.kit import migrate

    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engines = [create_engine(url, pool_size=4, max_overflow=0) for _ in range(3)]
    setup, worker_a, worker_b = (create_sessionmaker(e) for e in engines)
    try:
        async with setup() as db, db.begin():
            opened = await open_sitting(db, participants=40)
            await db.execute(
                update(Attempt)
                .where(Attempt.sitting_id == opened.sitting.id)
                .values(status="in_progress", started_at=datetime.now(UTC))
            )
            await db.execute(
                update(AttemptSection)
                .where(AttemptSection.position == 1)
                .values(
                    status="open",
                    started_at=datetime.now(UTC) - timedelta(hours=1),
                    deadline_at=datetime.now(UTC) - timedelta(minutes=5),
                )
            )
        results = await asyncio.gather(
            sweeper.sweep_once(worker_a, GRACE), sweeper.sweep_once(worker_b, GRACE)
        )
        async with setup() as db:
            closed = await db.scalar(
                select(func.count())
                .select_from(AttemptSection)
                .where(AttemptSection.position == 1, AttemptSection.status == "closed")
            )
            resting = await db.scalar(
                select(func.count())
                .select_from(AttemptSection)
                .where(AttemptSection.position == 2, AttemptSection.break_ends_at.is_not(None))
            )
            events = await db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "section.expire")
            )
        assert (closed, resting, events) == (40, 40, 40)
        assert sum(results) == 40
        # The breaks end: each next section opens exactly once, with its clock from the end.
        ended = datetime.now(UTC) - timedelta(seconds=3)
        async with setup() as db, db.begin():
            await db.execute(
                update(AttemptSection)
                .where(AttemptSection.position == 2)
                .values(break_ends_at=ended)
            )
        results = await asyncio.gather(
            sweeper.sweep_once(worker_a, GRACE), sweeper.sweep_once(worker_b, GRACE)
        )
        async with setup() as db:
            started = list(
                await db.scalars(
                    select(AttemptSection.started_at).where(
                        AttemptSection.position == 2, AttemptSection.status == "open"
                    )
                )
            )
            events = await db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "section.start_after_break")
            )
        assert len(started) == 40 and set(started) == {ended}
        assert events == 40 and sum(results) == 40
    finally:
        for engine in engines:
            await engine.dispose()


async def test_each_second_one_statement_says_what_is_due(
    client: AsyncClient, db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    await kiosk.call("POST", "/attempt/start")
    await db.commit()
    assert await sweeper.what_is_due(sessionmaker, GRACE) == (False, False, False)

    await _expire_open_sections(db)
    await db.commit()
    assert await sweeper.what_is_due(sessionmaker, GRACE) == (True, False, False)

    await db.execute(
        update(Attempt)
        .where(Attempt.id == kiosk.attempt_id)
        .values(status="expired", closed_at=datetime.now(UTC), scored_at=None)
    )
    await db.execute(update(AttemptSection).values(status="closed"))
    await db.commit()
    assert await sweeper.what_is_due(sessionmaker, GRACE) == (False, True, False)
