"""The embedded PostgreSQL killed under a running `cact serve`: every route answers 503, the
app's supervisor starts PostgreSQL again, logs it, shows it on /readyz and /metrics, and every
route answers as before within 10 s, without a restart of the app."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from cact.kit.embedded_pg import EmbeddedPostgres
from cact.kit.pg_supervisor import read_status
from tests.faults.conftest import ServerProcess
from tests.faults.routes import Call, Credentials, calls, send
from tests.faults.test_database_down import (
    NO_DATABASE,
    assert_as_before_or_unavailable,
    assert_unavailable,
    credentials,
    prepared,
)

CHECK_SECONDS = 8.0  # the supervisor's look interval here (default 1 s): longer than a walk
BACK_WITHIN = 10.0 + CHECK_SECONDS - 1.0  # 10 s at the default 1 s look; this test looks slower


async def walk_at_once(
    http: httpx.AsyncClient, who: Credentials, ids: dict[str, int], todo: list[Call]
) -> dict[Call, httpx.Response]:
    answers = await asyncio.gather(*(send(http, call, who, ids) for call in todo))
    return dict(zip(todo, answers, strict=True))


async def walk_timed(
    http: httpx.AsyncClient, who: Credentials, ids: dict[str, int], todo: list[Call]
) -> dict[Call, tuple[httpx.Response, float]]:
    """Each answer with the moment (monotonic) it arrived: a route was as it answered then."""

    async def one(call: Call) -> tuple[httpx.Response, float]:
        response = await send(http, call, who, ids)
        return response, time.monotonic()

    answers = await asyncio.gather(*(one(call) for call in todo))
    return dict(zip(todo, answers, strict=True))


async def just_after_a_look(data_dir: Path) -> None:
    """Return as soon as the supervisor has taken a new look (bounded: two intervals)."""
    seen = (read_status(data_dir) or {}).get("checked_at")
    deadline = time.monotonic() + 2 * CHECK_SECONDS + 5
    while time.monotonic() < deadline:
        now = (read_status(data_dir) or {}).get("checked_at")
        if now is not None and now != seen:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the supervisor took no look in {2 * CHECK_SECONDS + 5:.0f} s")


async def test_a_killed_postgresql_is_restarted_by_the_app_and_every_route_serves_again() -> None:
    with tempfile.TemporaryDirectory(prefix="cact-supervised-") as tmp:
        data_dir = Path(tmp) / "data"
        embedded = EmbeddedPostgres(data_dir / "pgdata")
        url = embedded.start()
        log_path = Path(tmp) / "server.log"
        server = ServerProcess(
            None,  # no CACT_DATABASE_URL: the server joins the embedded PostgreSQL it supervises
            extra_env={
                "CACT_DATA_DIR": str(data_dir),
                "CACT_EMBEDDED_PG_CHECK_SECONDS": str(CHECK_SECONDS),
                "CACT_LOG_LEVEL": "info",
            },
            log_path=log_path,
        )
        try:
            opened, username = await prepared(url)
            ids = {"sitting_id": opened.sitting.id}
            await asyncio.to_thread(server.start)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=15) as http:
                who = await credentials(http, opened, username)
                reads = [c for c in calls(("GET",))]
                await walk_at_once(http, who, ids, reads)  # a first read may create a default
                before = await walk_at_once(http, who, ids, reads)
                assert not [c for c, r in before.items() if r.status_code >= 500]
                ready = (await http.get("/readyz")).json()
                assert ready["embedded_postgres"]["state"] == "running"
                assert ready["embedded_postgres"]["restarts"] == 0

                # The outage must outlast the walk: each kill comes just after one of the
                # supervisor's looks (the status file says when it looked), so the walk has a
                # whole interval before the next look; a try is repeated if it was quicker still.
                for kill in range(1, 4):
                    await just_after_a_look(data_dir)
                    pid = embedded.postmaster_pid()
                    assert pid is not None
                    os.kill(pid, signal.SIGKILL)
                    killed_at = time.monotonic()
                    killed_wall = datetime.now(UTC)
                    timed = await walk_timed(http, who, ids, reads)
                    during = {c: r for c, (r, _) in timed.items()}
                    walked = datetime.now(UTC)
                    walk_seconds = time.monotonic() - killed_at
                    # Back = the arrival of the last answer that was not as before: a walk takes
                    # seconds on a busy machine, so "the first walk that is all as before" would
                    # count up to two walks after the routes were back.
                    last_off = max(
                        (
                            at
                            for c, (r, at) in timed.items()
                            if r.status_code != before[c].status_code
                        ),
                        default=killed_at,
                    )
                    while True:
                        again = await walk_timed(http, who, ids, reads)
                        off = {
                            c: r
                            for c, (r, _) in again.items()
                            if r.status_code != before[c].status_code
                        }
                        if not off:
                            break
                        last_off = max(at for c, (_, at) in again.items() if c in off)
                        assert time.monotonic() - killed_at < BACK_WITHIN + 30, (
                            "not back: "
                            + str({c.path: r.status_code for c, r in off.items()})
                            + log_path.read_text("utf-8", "replace")[-3000:]
                        )
                        await asyncio.sleep(0.2)
                    back_seconds = last_off - killed_at
                    status = (await http.get("/readyz")).json()["embedded_postgres"]
                    assert status["restarts"] == kill
                    if datetime.fromisoformat(status["last_restart_at"]) > walked:
                        break
                else:
                    raise AssertionError(
                        f"the supervisor was always quicker than the walk ({walk_seconds:.1f} s)"
                    )
                metrics = (await http.get("/metrics")).text
        finally:
            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(embedded.stop_server)  # the supervisor's new postmaster
            embedded.stop()
        log = log_path.read_text("utf-8", "replace")
    assert server.process is not None and server.process.returncode == 0  # never restarted
    for call, response in during.items():
        if (call.method, call.path) in NO_DATABASE:
            assert_as_before_or_unavailable(call, response, before[call])
        else:
            assert_unavailable(call, response)
    restarted_after = datetime.fromisoformat(status["last_restart_at"]) - killed_wall
    assert back_seconds < BACK_WITHIN, (
        f"back after {back_seconds:.1f} s; PostgreSQL restarted after "
        f"{restarted_after.total_seconds():.1f} s; walk took {walk_seconds:.1f} s"
    )
    assert status["state"] == "running" and status["postmaster_pid"] not in (None, pid)
    assert f"cact_embedded_pg_restarts {float(kill)}" in metrics
    assert "cact_embedded_pg_up 1.0" in metrics
    assert "embedded PostgreSQL is not running; restarting it" in log
    assert "embedded PostgreSQL restarted" in log
    assert "Traceback" not in log
