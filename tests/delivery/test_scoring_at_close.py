"""Every close path scores exactly once, in the close's transaction (SPEC §4)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact import sweeper
from cact.audit.service import Actor
from cact.exam.models import Attempt, AttemptSection
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.proctoring import service as proctoring
from cact.scoring.models import Result
from tests.conftest import load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

GRACE = timedelta(seconds=10)


async def _results(db: AsyncSession, attempt_id: int) -> list[Result]:
    return list((await db.scalars(select(Result).where(Result.attempt_id == attempt_id))).all())


async def _started(client: AsyncClient, opened: OpenSitting, n: int) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[n], opened.token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()
    for item in section["items"][:3]:
        await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    return kiosk


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=5)


async def test_finishing_scores_the_attempt_once(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    kiosk = await _started(client, opened, 0)
    assert (await kiosk.call("POST", "/finish")).json()["status"] == "submitted"
    results = await _results(db, kiosk.attempt_id)
    assert len(results) == 1 and results[0].is_current and results[0].version == 1
    attempt = await db.get(Attempt, kiosk.attempt_id, populate_existing=True)
    assert attempt is not None and attempt.scored_at is not None
    assert (await kiosk.call("POST", "/finish")).status_code == 409  # no second close
    assert len(await _results(db, kiosk.attempt_id)) == 1


async def test_the_deadline_terminate_and_close_sitting_paths_score_once_each(
    client: AsyncClient,
    db: AsyncSession,
    opened: OpenSitting,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    expiring, terminated, open_at_close = [await _started(client, opened, n) for n in range(3)]
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.attempt_id == expiring.attempt_id)
        .values(status="closed")
    )
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.attempt_id == expiring.attempt_id, AttemptSection.position == 3)
        .values(status="open", deadline_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await db.commit()
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 1
    now = datetime.now(UTC)
    await proctoring.terminate(db, terminated.attempt_id, "Curang", Actor.system("t"), now)
    _, closed = await proctoring.close_sitting(
        db, opened.sitting.id, "Selesai", Actor.system("t"), now
    )
    assert closed == [open_at_close.attempt_id]
    for kiosk, status in (
        (expiring, "expired"),
        (terminated, "terminated"),
        (open_at_close, "submitted"),
    ):
        attempt = await db.get(Attempt, kiosk.attempt_id, populate_existing=True)
        assert attempt is not None and attempt.status == status
        assert len(await _results(db, kiosk.attempt_id)) == 1, status
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 0  # nothing closes twice


async def test_a_scoring_failure_never_undoes_a_close_and_is_caught_up_later(
    client: AsyncClient,
    db: AsyncSession,
    opened: OpenSitting,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cact.scoring import service as scoring

    kiosk = await _started(client, opened, 0)
    real = scoring.score_attempts

    async def broken(*args: object, **kwargs: object) -> list[Result]:
        raise RuntimeError("a bug in scoring")

    monkeypatch.setattr(scoring, "score_attempts", broken)
    assert (await kiosk.call("POST", "/finish")).json()["status"] == "submitted"
    attempt = await db.get(Attempt, kiosk.attempt_id, populate_existing=True)
    assert attempt is not None and attempt.status == "submitted" and attempt.scored_at is None
    assert await _results(db, kiosk.attempt_id) == []

    monkeypatch.setattr(scoring, "score_attempts", real)
    assert await sweeper.score_left_over(sessionmaker) == 1
    assert len(await _results(db, kiosk.attempt_id)) == 1
    assert (
        await db.scalar(
            select(func.count())
            .select_from(Result)
            .where(Result.attempt_id == kiosk.attempt_id, Result.is_current)
        )
        == 1
    )


async def test_two_workers_racing_at_the_deadline_score_each_attempt_exactly_once(
    pg_server: TestServer,
) -> None:
    url = await recreate_database(pg_server, "cact_score_race")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engines = [create_engine(url, pool_size=4, max_overflow=0) for _ in range(3)]
    setup, worker_a, worker_b = (create_sessionmaker(e) for e in engines)
    try:
        async with setup() as db, db.begin():
            opened = await open_sitting(db, participants=30)
            in_sitting = select(Attempt.id).where(Attempt.sitting_id == opened.sitting.id)
            await db.execute(
                update(Attempt)
                .where(Attempt.id.in_(in_sitting))
                .values(status="in_progress", started_at=datetime.now(UTC))
            )
            await db.execute(
                update(AttemptSection)
                .where(AttemptSection.attempt_id.in_(in_sitting))
                .values(status="closed")
            )
            await db.execute(
                update(AttemptSection)
                .where(AttemptSection.attempt_id.in_(in_sitting), AttemptSection.position == 3)
                .values(status="open", deadline_at=datetime.now(UTC) - timedelta(minutes=5))
            )
        advanced = await asyncio.gather(
            sweeper.sweep_once(worker_a, GRACE), sweeper.sweep_once(worker_b, GRACE)
        )
        async with setup() as db:
            per_attempt = (
                await db.execute(
                    select(Result.attempt_id, func.count()).group_by(Result.attempt_id)
                )
            ).all()
            expired = await db.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.status == "expired")
            )
        assert sum(advanced) == 30 and expired == 30
        assert len(per_attempt) == 30 and {count for _, count in per_attempt} == {1}
    finally:
        for engine in engines:
            await engine.dispose()
