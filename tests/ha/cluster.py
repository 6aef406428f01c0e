"""A primary and a standby on this machine: two data directories, two PostgreSQL servers (run
by ``cact ha postgres``, so a pid is the postmaster's own) and an app server on each."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cact.ha.postgres import Node, psql, wait_ready
from tests.conftest import TEST_SECRET

CACT = str(Path(sys.executable).with_name("cact"))
PASSWORD = "replication-test-password-0123"
STANDBY = "cact_standby"


def free_port(env: str) -> int:
    """A free port, from ``$env`` ("8300-8399") when set (a shared machine's own range)."""
    low, _, high = os.environ.get(env, "").partition("-")
    candidates = range(int(low), int(high) + 1) if high else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            found: int = sock.getsockname()[1]
            return found
    raise RuntimeError(f"no free port in {env}")


def base_env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("CACT_")},
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
        "CACT_LOG_LEVEL": "warning",
        "CACT_HA_REPLICATION_PASSWORD": PASSWORD,
        "CACT_SAVE_GRACE_SECONDS": "2",
        "CACT_SWEEP_INTERVAL_SECONDS": "0.5",
    }


def cact(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(
        [CACT, *args],
        env={**base_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"cact {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


@dataclass
class Cluster:
    root: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    postgres: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.chmod(0o755)  # as root, PostgreSQL runs as its own user and must get in

    @property
    def primary(self) -> Node:
        return Node(self.root / "primary")

    @property
    def standby(self) -> Node:
        return Node(self.root / "standby")

    def start_postgres(self, node: Node) -> subprocess.Popen[bytes]:
        log = (self.root / f"{node.pgdata.name}-postgres.log").open("ab")
        process = subprocess.Popen(
            [CACT, "ha", "postgres", "--pgdata", str(node.pgdata)],
            env=base_env(),
            stdout=log,
            stderr=log,
        )
        log.close()
        self.processes.append(process)
        self.postgres[node.pgdata.name] = process
        wait_ready(node, 90)
        return process

    def kill_postgres(self, node: Node) -> int:
        """kill -9 the server (``cact ha postgres`` became the postmaster) and reap it, as
        systemd would: PostgreSQL refuses to start while the old pid exists, even as a zombie."""
        process = self.postgres[node.pgdata.name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return process.pid

    def set_up(self) -> None:
        """Primary (initdb, started, migrated), then a standby cloned from it, started."""
        primary_port = free_port("CACT_TEST_PG_PORTS")
        cact(
            "ha", "init-primary", "--pgdata", str(self.primary.pgdata),
            "--port", str(primary_port), "--listen", "127.0.0.1", "--allow", "127.0.0.1/32",
        )  # fmt: skip
        self.start_postgres(self.primary)
        cact(
            "ha", "clone", "--pgdata", str(self.standby.pgdata),
            "--primary", f"127.0.0.1:{primary_port}",
            "--port", str(free_port("CACT_TEST_PG_PORTS")), "--listen", "127.0.0.1",
        )  # fmt: skip
        self.start_postgres(self.standby)
        cact("db", "upgrade", env={"CACT_DATABASE_URL": self.primary.url()})
        # cact.service migrates before every start: on the standby that must do nothing.
        on_standby = cact("db", "upgrade", env={"CACT_DATABASE_URL": self.standby.url()})
        assert on_standby.startswith("standby: read-only"), on_standby

    def start_app(self, node: Node, **extra: str) -> tuple[str, subprocess.Popen[bytes]]:
        port = free_port("CACT_TEST_APP_PORTS")
        env = {
            **base_env(),
            "CACT_DATABASE_URL": node.url(),
            "CACT_HA_STANDBY_NAME": STANDBY,
            **extra,
        }
        log = (self.root / f"{node.pgdata.name}-app-{port}.log").open("ab")
        process = subprocess.Popen(
            [CACT, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        log.close()
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: readyz(base) is not None, 90, "the app answers /readyz")
        return base, process

    def kill_all(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)


def readyz(base: str) -> dict[str, Any] | None:
    try:
        answer = httpx.get(base + "/readyz", timeout=5)
    except httpx.TransportError:
        return None
    body: dict[str, Any] = answer.json()
    return body


def wait_for(check: Any, seconds: float, what: str, every: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def synchronous(base: str) -> bool:
    ready = readyz(base) or {}
    return bool((ready.get("replication") or {}).get("synchronous"))


def count(node: Node, sql: str) -> int:
    return int(psql(node, sql, database="cact") or 0)
