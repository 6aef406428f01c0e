"""Answer-save throughput of CACT against a bare FastAPI + asyncpg endpoint, same machine,
same run: `python bench/save_throughput.py [--clients 50] [--seconds 20]`.

Both servers run one uvicorn worker on the same PostgreSQL (embedded, in a temporary folder,
unless CACT_DATABASE_URL is set); the same load generator drives each with C concurrent
clients saving as fast as they can for S seconds. Prints saves/s, p50/p99 and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cact.models  # noqa: F401  every table mapped before the first query
from cact.audit.service import Actor
from cact.competencies.service import load_standard_dictionary
from cact.exam.events import asyncpg_dsn
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.rehearsal.prepare import prepare
from cact.rehearsal.stats import percentile

BIN = Path(sys.executable).parent
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The load generator on uvloop, for both servers alike: it must not be the bottleneck."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{command[0]} did not start")


async def _drive(
    base: str, targets: list[tuple[dict[str, str], str, list[int | None]]], seconds: float
) -> tuple[float, list[float]]:
    """Each target is one client: headers, a PUT path and the options to pick from. aiohttp:
    the load generator must not be the bottleneck on the machine it shares."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=len(targets) + 4)
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        stop = time.monotonic() + seconds

        async def client(headers: dict[str, str], path: str, options: list[int | None]) -> int:
            rng, seq, done = random.Random(path), 0, 0
            while time.monotonic() < stop:
                seq += 1
                started = time.perf_counter()
                body = {"option_id": rng.choice(options), "seq": seq}
                async with http.put(path, headers=headers, json=body) as response:
                    await response.read()
                    response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
                done += 1
            return done

        started = time.monotonic()
        counts = await asyncio.gather(*(client(*t) for t in targets))
        return sum(counts) / (time.monotonic() - started), latencies


async def _kiosk_targets(
    base: str, numbers: list[str], token: str
) -> list[tuple[dict[str, str], str, list[int | None]]]:
    targets = []
    async with httpx.AsyncClient(base_url=f"{base}/api/kiosk/v1", timeout=30) as http:
        for number in numbers:
            login = await http.post("/login", json={"participant_no": number, "token": token})
            headers = {"Authorization": f"Bearer {login.json()['kiosk_token']}"}
            attempt = (await http.post("/attempt/start", headers=headers)).json()
            section = (
                await http.get(f"/sections/{attempt['current_section_id']}", headers=headers)
            ).json()
            item = section["items"][0]
            options: list[int | None] = [o["option_id"] for o in item["options"]]
            targets.append((headers, f"/api/kiosk/v1/answers/{item['item_id']}", options))
    return targets


def main(clients: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("CACT_DATABASE_URL")
        embedded = None
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        migrate.upgrade(url)
        run_in_transaction(url, lambda db: load_standard_dictionary(db, Actor.system("bench")))

        async def make_sitting() -> tuple[str, list[str]]:
            engine = create_engine(url, pool_size=2, max_overflow=0)
            async with create_sessionmaker(engine)() as db, db.begin():
                rehearsal = await prepare(db, clients)
            await engine.dispose()
            return rehearsal.token, rehearsal.participant_nos

        token, numbers = asyncio.run(make_sitting())
        env = {
            "CACT_DATABASE_URL": url,
            "CACT_ENVIRONMENT": "test",
            "CACT_SECRET_KEY": "bench-" * 8,
            "CACT_LOG_LEVEL": "warning",
            "BARE_DSN": asyncpg_dsn(url),
        }
        bare_port, cact_port = _port(), _port()
        bare = _serve(
            [
                str(BIN / "uvicorn"),
                "bench.bare_app:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
            ],
            env,
            bare_port,
        )
        try:
            bare_targets = [({}, f"/save/{n}", [1, 2, 3, 4, None]) for n in range(clients)]
            bare_rate, bare_ms = _run(
                _drive(f"http://127.0.0.1:{bare_port}", bare_targets, seconds)
            )
        finally:
            bare.terminate()
            bare.wait()
        server = _serve([str(BIN / "cact"), "serve", "--port", str(cact_port)], env, cact_port)
        try:
            base = f"http://127.0.0.1:{cact_port}"
            targets = _run(_kiosk_targets(base, numbers, token))
            cact_rate, cact_ms = _run(_drive(base, targets, seconds))
        finally:
            server.terminate()
            server.wait()
        if embedded:
            embedded.stop()
    load = os.getloadavg()[0]
    print(f"clients {clients}, {seconds:.0f} s each, load average at the end {load:.2f}")
    for name, rate, ms in (
        ("bare FastAPI+asyncpg", bare_rate, bare_ms),
        ("CACT answer save", cact_rate, cact_ms),
    ):
        print(
            f"{name:<22} {rate:8.1f} saves/s   p50 {percentile(ms, 0.5):6.1f} ms"
            f"   p99 {percentile(ms, 0.99):6.1f} ms"
        )
    print(f"ratio CACT / bare: {cact_rate / bare_rate:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    arguments = parser.parse_args()
    main(arguments.clients, arguments.seconds)
