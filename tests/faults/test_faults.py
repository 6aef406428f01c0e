"""Faults on exam day: the app killed mid-save, PostgreSQL restarted under load.
Every acknowledged save survives; timers continue; nobody restarts the app by hand."""

from __future__ import annotations

import asyncio
import random
import tempfile
from pathlib import Path

import aiohttp
from sqlalchemy import select

from cact.exam.models import Response
from cact.kit.db import create_engine
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.rehearsal.kiosk import Plan, SimKiosk
from cact.rehearsal.stats import Stats
from tests.conftest import recreate_database
from tests.faults.conftest import ServerProcess, prepared_database
from tests.fixtures.database import TestServer


async def _stored(url: str, items: list[int]) -> dict[int, tuple[int, int | None]]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Response.attempt_item_id, Response.seq, Response.option_id).where(
                    Response.attempt_item_id.in_(items)
                )
            )
            return {item: (seq, option) for item, seq, option in rows.all()}
    finally:
        await engine.dispose()


def _kiosks(http: aiohttp.ClientSession, numbers: list[str], token: str) -> list[SimKiosk]:
    plan = Plan(think_seconds=0.1, heartbeat_seconds=1.0, offline_items=0, finish=True)
    return [
        SimKiosk(http, n, token, Stats(), plan, random.Random(i)) for i, n in enumerate(numbers)
    ]


async def test_an_app_killed_mid_save_keeps_every_acknowledged_answer_and_its_timers(
    pg_server: TestServer,
) -> None:
    url = await recreate_database(pg_server, "cact_fault_kill")
    opened = await prepared_database(url, participants=7)
    server = ServerProcess(url)
    await asyncio.to_thread(server.start)
    try:
        async with aiohttp.ClientSession(
            base_url=server.base_url, timeout=aiohttp.ClientTimeout(total=10)
        ) as http:
            kiosks = _kiosks(http, opened.participant_nos[:6], opened.token)
            sections = [await k.login_and_start() for k in kiosks]
            idle = _kiosks(http, opened.participant_nos[6:], opened.token)[0]  # watches its clock
            await idle.login_and_start()
            before = (await idle.call("heartbeat", "POST", "/heartbeat")).json()
            before_at = asyncio.get_running_loop().time()
            answering = [
                asyncio.create_task(k.run(s)) for k, s in zip(kiosks, sections, strict=True)
            ]
            await asyncio.sleep(1.0)
            assert not any(task.done() for task in answering)  # still answering
            await asyncio.to_thread(server.kill_hard)  # kill -9, in the middle of saves
            await asyncio.sleep(1.0)
            await asyncio.to_thread(server.start)  # the service manager restarts it
            await asyncio.gather(*answering)  # the kiosks' queues drain into the new process
            after = (await idle.call("heartbeat", "POST", "/heartbeat")).json()
            elapsed_ms = (asyncio.get_running_loop().time() - before_at) * 1000
        acknowledged = {i: s for k in kiosks for i, s in k.acknowledged.items()}
        assert len(acknowledged) == 6 * 29
        assert await _stored(url, list(acknowledged)) == acknowledged
        # The timer continued across the crash from its stored deadline: not reset, not stopped.
        assert after["status"] == "in_progress"
        assert abs((before["remaining_ms"] - elapsed_ms) - after["remaining_ms"]) < 2_000
    finally:
        await asyncio.to_thread(server.stop)


async def test_postgresql_restarted_under_load_the_app_recovers_and_queued_saves_drain() -> None:
    with tempfile.TemporaryDirectory(prefix="cact-fault-pg-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
        url = embedded.start()
        server = ServerProcess(url)
        try:
            opened = await prepared_database(url, participants=6)
            await asyncio.to_thread(server.start)
            async with aiohttp.ClientSession(
                base_url=server.base_url, timeout=aiohttp.ClientTimeout(total=10)
            ) as http:
                kiosks = _kiosks(http, opened.participant_nos, opened.token)
                sections = [await k.login_and_start() for k in kiosks]
                answering = [
                    asyncio.create_task(k.run(s)) for k, s in zip(kiosks, sections, strict=True)
                ]
                await asyncio.sleep(1.0)
                assert not any(task.done() for task in answering)
                await asyncio.to_thread(embedded.restart)  # PostgreSQL goes down and back
                await asyncio.gather(*answering)
                async with http.get("/readyz") as ready_response:
                    ready_status = ready_response.status
            assert server.process is not None and server.process.poll() is None  # no restart
            assert ready_status == 200
            acknowledged = {i: s for k in kiosks for i, s in k.acknowledged.items()}
            assert len(acknowledged) == 6 * 29
            assert await _stored(url, list(acknowledged)) == acknowledged
        finally:
            await asyncio.to_thread(server.stop)
            embedded.stop()
