"""The room benchmark of issue 16, relative to the machine of the day: `make bench-room`
(`python bench/room.py [--kiosks 2000] [--think-ms 8000] [--json FILE]`).

1. **The bare save limit of the day**: bench/bare_app.py (FastAPI + asyncpg, one upsert and one
   insert per request) under two uvicorn workers, driven by C clients saving as fast as they can;
   saves/s, and the CPU time per save of its processes and of PostgreSQL's.
2. **The rehearsal**: `cact demo` data, `cact serve` with two workers on the same PostgreSQL,
   `cact rehearsal`'s 2,000 kiosks (think 8 s, a common deadline) from this process.
3. **CPU per kiosk call**: the server's and PostgreSQL's process CPU time over the rehearsal's
   steady state (from 10 s after the start herd to the last answer), divided by the kiosk calls
   sent in it; beside it the bare figure, and their ratio (goal ≤ 1.25).

Both phases use one embedded PostgreSQL in a temporary folder (or CACT_DATABASE_URL, which
must then be an empty database). The load generator (this process, on uvloop) is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import asyncpg
import httpx
import psutil
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cact.config import Settings
from cact.exam.events import asyncpg_dsn
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.rehearsal.runner import SETTLE_SECONDS, Options, run
from cact.rehearsal.stats import Stats, percentile

BIN = Path(sys.executable).parent
BARE_WARMUP_SECONDS = 3.0
PACED_SECONDS, PACED_WARMUP_SECONDS = 60.0, 15.0
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_cpu(root: psutil.Process) -> float:
    """CPU seconds (user + system) of a process, its reaped children and its live ones."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _pg_processes(postmaster: psutil.Process) -> dict[int, tuple[str, float]]:
    """PostgreSQL's processes: pid → (what it is, CPU seconds so far)."""
    found = {}
    for process in [postmaster, *postmaster.children()]:
        try:
            title = " ".join(process.cmdline())
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        what = title.removeprefix("postgres: ")
        if "[local]" in what or "127.0.0.1" in what:
            what = "backend"
        found[process.pid] = (what[:40], times.user + times.system)
    return found


@dataclass
class CpuSampler:
    """Samples the server's and PostgreSQL's CPU seconds every half second, in a thread (the
    event loop of the load generator stays free)."""

    server: psutil.Process
    postgres: psutil.Process
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    # every PostgreSQL process's CPU at each sample (for the split by process)
    by_process: list[dict[int, tuple[str, float]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> CpuSampler:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        while True:
            at = time.monotonic()
            self.samples.append((at, _tree_cpu(self.server), _tree_cpu(self.postgres)))
            self.by_process.append(_pg_processes(self.postgres))
            if self._stop.wait(0.5):
                return

    def split(self, start: float, end: float, names: dict[int, str]) -> dict[str, float]:
        """PostgreSQL's CPU seconds between the samples nearest inside, by process (a backend
        by its connection's application_name, from ``names``)."""
        times = [sample[0] for sample in self.samples]
        first = self.by_process[min(bisect_left(times, start), len(times) - 1)]
        last = self.by_process[max(bisect_left(times, end) - 1, 0)]
        spent: dict[str, float] = {}
        for pid, (what, cpu) in last.items():
            if what == "backend":
                what = f"backend {names.get(pid) or '(no application_name)'}"
            before = first.get(pid, (what, 0.0))[1]
            spent[what] = spent.get(what, 0.0) + cpu - before
        return dict(sorted(spent.items(), key=lambda item: -item[1]))

    def between(self, start: float, end: float) -> tuple[float, float, float]:
        """(seconds, server CPU s, PostgreSQL CPU s) between the samples nearest inside."""
        times = [sample[0] for sample in self.samples]
        first = self.samples[min(bisect_left(times, start), len(times) - 1)]
        last = self.samples[max(bisect_left(times, end) - 1, 0)]
        return last[0] - first[0], last[1] - first[1], last[2] - first[2]


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"{command[0]} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def _bare_load(base: str, clients: int, seconds: float) -> list[float]:
    """The send times of every save (monotonic); clients save as fast as they can."""
    sent: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients + 4)
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        stop = time.monotonic() + seconds

        async def client(n: int) -> None:
            rng, seq = random.Random(n), 0
            while time.monotonic() < stop:
                seq += 1
                at = time.monotonic()
                body = {"option_id": rng.choice([1, 2, 3, 4, None]), "seq": seq}
                async with http.put(f"/save/{n}", json=body) as response:
                    await response.read()
                    response.raise_for_status()
                sent.append(at)

        await asyncio.gather(*(client(n) for n in range(clients)))
    return sent


@dataclass(frozen=True)
class PerCall:
    calls: int
    seconds: float
    server_ms: float
    postgres_ms: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @property
    def total_ms(self) -> float:
        return self.server_ms + self.postgres_ms

    def as_dict(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "seconds": round(self.seconds, 1),
            "per_second": round(self.rate, 1),
            "server_cpu_ms_per_call": round(self.server_ms, 3),
            "postgres_cpu_ms_per_call": round(self.postgres_ms, 3),
            "cpu_ms_per_call": round(self.total_ms, 3),
        }


def _per_call(sampler: CpuSampler, sent: list[float], start: float, end: float) -> PerCall:
    seconds, server, postgres = sampler.between(start, end)
    first, last = start, start + seconds
    calls = max(1, sum(1 for at in sent if first <= at < last))
    return PerCall(calls, seconds, 1000 * server / calls, 1000 * postgres / calls)


async def _bare_paced(base: str, clients: int, rate: float, seconds: float) -> list[float]:
    """As the room's kiosks load a server: ``clients`` connections, each saving after a think
    time (uniform around clients / rate), so that together they save ``rate`` times a second."""
    sent: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients + 4)
    think = clients / rate
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        stop = time.monotonic() + seconds

        async def client(n: int) -> None:
            rng, seq = random.Random(n), 0
            await asyncio.sleep(rng.random() * think)
            while time.monotonic() < stop:
                seq += 1
                at = time.monotonic()
                body = {"option_id": rng.choice([1, 2, 3, 4, None]), "seq": seq}
                async with http.put(f"/save/{10_000 + n}", json=body) as response:
                    await response.read()
                    response.raise_for_status()
                sent.append(at)
                await asyncio.sleep(think * (0.5 + rng.random()) - (time.monotonic() - at))

        await asyncio.gather(*(client(n) for n in range(clients)))
    return sent


def bare_phase(
    env: dict[str, str],
    postgres: psutil.Process,
    load: Callable[[str], Coroutine[Any, Any, list[float]]],
    warmup: float,
) -> PerCall:
    """The bare endpoint under two uvicorn workers, as ``load`` drives it."""
    port = _port()
    command = [str(BIN / "uvicorn"), "bench.bare_app:app", "--port", str(port)]
    server = _serve([*command, "--workers", "2", "--log-level", "warning"], env, port)
    try:
        with CpuSampler(psutil.Process(server.pid), postgres) as sampler:
            started = time.monotonic()
            sent = _run(load(f"http://127.0.0.1:{port}"))
            ended = time.monotonic()
    finally:
        _stop(server)
    return _per_call(sampler, sent, started + warmup, ended)


def _spy(server: psutil.Process, folder: Path, name: str, seconds: float) -> None:
    workers = [p for p in server.children(recursive=True) if "python" in p.name().lower()]
    spies = [
        subprocess.Popen(
            [
                str(BIN / "py-spy"),
                "record",
                "--pid",
                str(worker.pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "200",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(folder / f"{name}-{worker.pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for worker in workers or [server]
    ]
    for spy in spies:
        spy.wait()


def _wait_for(stats: Stats, mark: str, after: float = 0.0) -> None:
    while mark not in stats.marks:
        time.sleep(0.05)
    time.sleep(max(0.0, stats.marks[mark] + after - time.monotonic()))


def _profile(server: psutil.Process, stats: Stats, folder: Path) -> None:
    """py-spy on every worker, as collapsed stacks: the start herd's first 8 s
    (folder/herd-PID.txt), 30 s of the steady state from 10 s after it (steady-PID.txt) and
    the deadline herd's first 8 s (deadline-PID.txt)."""
    _wait_for(stats, "herd")
    _spy(server, folder, "herd", 8)
    _wait_for(stats, "ready", SETTLE_SECONDS)
    _spy(server, folder, "steady", 30)
    _wait_for(stats, "deadline due")
    _spy(server, folder, "deadline", 8)


async def _application_names(url: str) -> dict[int, str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT pid, application_name FROM pg_stat_activity")
        return {row["pid"]: row["application_name"] for row in rows}
    finally:
        await connection.close()


def room_phase(
    env: dict[str, str],
    postgres: psutil.Process,
    url: str,
    kiosks: int,
    think_ms: int,
    profile: Path | None = None,
) -> tuple[Stats, int, PerCall]:
    port = _port()
    server = _serve([str(BIN / "cact"), "serve", "--port", str(port)], env, port)
    options = Options(url=f"http://127.0.0.1:{port}", kiosks=kiosks, think_seconds=think_ms / 1000)
    grace = Settings().save_grace_seconds

    stats = Stats()

    async def rehearse() -> tuple[Stats, int]:
        engine = create_engine(url, pool_size=4, max_overflow=4)
        try:
            return await run(options, create_sessionmaker(engine), grace, stats)
        finally:
            await engine.dispose()

    root = psutil.Process(server.pid)
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        spy = threading.Thread(target=_profile, args=(root, stats, profile), daemon=True)
        spy.start()
    try:
        with CpuSampler(root, postgres) as sampler:
            stats, lost = _run(rehearse())
            names = asyncio.run(_application_names(url))
    finally:
        _stop(server)
    herd = _per_call(sampler, stats.sent_at, stats.marks["herd"], stats.marks["ready"])
    stats.figures["start herd CPU ms per call (server + PG)"] = _ms(herd)
    stats.figures["start herd calls"] = herd.calls
    stats.figures["start herd PostgreSQL CPU ms per call, by process"] = {
        what: round(1000 * seconds / herd.calls, 3)
        for what, seconds in sampler.split(stats.marks["herd"], stats.marks["ready"], names).items()
        if seconds > 0
    }
    window = stats.marks["ready"] + SETTLE_SECONDS, stats.marks["answered"]
    steady = _per_call(sampler, stats.sent_at, *window)
    stats.figures["steady-state PostgreSQL CPU ms per call, by process"] = {
        what: round(1000 * seconds / steady.calls, 3)
        for what, seconds in sampler.split(*window, names).items()
        if seconds > 0
    }
    return stats, lost, steady


def _count(errors: dict[str, int], match: Callable[[str], bool]) -> int:
    return sum(count for what, count in errors.items() if match(what))


def _ms(per: PerCall) -> str:
    return f"{per.total_ms:.2f} ({per.server_ms:.2f} + {per.postgres_ms:.2f})"


def report(
    load: tuple[float, float, float],
    bare: PerCall,
    paced: PerCall,
    stats: Stats,
    lost: int,
    steady: PerCall,
) -> dict[str, Any]:
    answers = stats.steady_answers(after=stats.marks["ready"] + SETTLE_SECONDS)
    unavailable = _count(stats.errors, lambda what: "HTTP 503" in what)
    return {
        "load average before (1, 5, 15 min)": [round(x, 2) for x in load],
        "bare save limit /s": round(bare.rate, 1),
        "bare CPU ms per save at its limit (server + PG)": _ms(bare),
        f"bare CPU ms per save at {paced.rate:.0f}/s (server + PG)": _ms(paced),
        "start herd s (goal <= 10)": stats.figures["start herd s"],
        "steady-state save p50 / p99 ms (goal p99 <= 50)": (
            f"{percentile(answers, 0.5):.1f} / {percentile(answers, 0.99):.1f}"
        ),
        "deadline herd s (goal <= 10)": stats.figures.get("deadline herd s"),
        "503 answers (of them logins)": (
            f"{unavailable} ({_count(stats.errors, lambda w: w.startswith('login: HTTP 503'))})"
        ),
        "machine CPU busy %": stats.figures["machine CPU busy %"],
        "machine CPU stolen %": stats.figures["machine CPU stolen by the hypervisor %"],
        "acknowledged answers lost": f"{lost} of {stats.figures['acknowledged answers']}",
        "steady-state kiosk calls /s": round(steady.rate, 1),
        "CPU ms per kiosk call (server + PG)": _ms(steady),
        "ratio to the bare save at the same rate (goal <= 1.25)": round(
            steady.total_ms / paced.total_ms, 2
        ),
        "ratio to the bare save at its limit": round(steady.total_ms / bare.total_ms, 2),
        "bare": bare.as_dict(),
        "bare_paced": paced.as_dict(),
        "steady": steady.as_dict(),
        "rehearsal": stats.summary(),
    }


def main(
    kiosks: int,
    profile: Path | None,
    think_ms: int,
    bare_clients: int,
    bare_seconds: float,
    json_file: Path | None,
    paced_seconds: float = PACED_SECONDS,
) -> int:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("CACT_DATABASE_URL")
        embedded = None
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        env = {
            "CACT_DATABASE_URL": url,
            "CACT_ENVIRONMENT": "development",
            "CACT_DATA_DIR": str(Path(tmp) / "data"),
            "CACT_SECRET_KEY": "bench-room-" * 4,
            "CACT_LOG_LEVEL": "warning",
            "CACT_WORKERS": "2",
            "BARE_DSN": asyncpg_dsn(url),
        }
        try:
            subprocess.run(
                [str(BIN / "cact"), "demo", "--no-serve"],
                env={**os.environ, **env},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            postgres = _postgres_process(url)
            bare = bare_phase(
                env,
                postgres,
                lambda base: _bare_load(base, bare_clients, bare_seconds),
                BARE_WARMUP_SECONDS,
            )
            stats, lost, steady = room_phase(env, postgres, url, kiosks, think_ms, profile)
            paced = bare_phase(
                env,
                postgres,
                lambda base: _bare_paced(base, kiosks, steady.rate, paced_seconds),
                PACED_WARMUP_SECONDS,
            )
        finally:
            if embedded:
                embedded.stop()
    figures = report(load, bare, paced, stats, lost, steady)
    for key, value in figures.items():
        if not isinstance(value, dict):
            print(f"{key:<52}{value}")
    if json_file is not None:
        json_file.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    return 1 if lost else 0


def _postgres_process(url: str) -> psutil.Process:
    """The postmaster (its backends are its children): the parent of this connection's."""

    async def postmaster() -> psutil.Process | None:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:  # asked while the backend lives
            return psutil.Process(await connection.fetchval("SELECT pg_backend_pid()")).parent()
        finally:
            await connection.close()

    parent = asyncio.run(postmaster())
    if parent is None:
        raise RuntimeError("PostgreSQL must run on this machine to be measured")
    return parent


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=2000)
    parser.add_argument("--think-ms", type=int, default=8000)
    parser.add_argument("--bare-clients", type=int, default=50)
    parser.add_argument("--bare-seconds", type=float, default=20)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--paced-seconds", type=float, default=PACED_SECONDS)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy stacks to this folder")
    arguments = parser.parse_args()
    sys.exit(
        main(
            arguments.kiosks,
            arguments.profile,
            arguments.think_ms,
            arguments.bare_clients,
            arguments.bare_seconds,
            arguments.json,
            arguments.paced_seconds,
        )
    )
