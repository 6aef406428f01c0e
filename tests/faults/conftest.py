"""A real server process that a test may kill, on a database the test owns."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import TEST_SECRET, load_reference_data
from tests.fixtures.sittings import OpenSitting, open_sitting

CACT = str(Path(sys.executable).with_name("cact"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    database_url: str | None  # None: the server starts (and supervises) its embedded one
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None  # the server's stderr (its logs), else the test's own

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if k != "CACT_DATABASE_URL"},
            "CACT_ENVIRONMENT": "test",
            "CACT_SECRET_KEY": TEST_SECRET,
            "CACT_LOG_LEVEL": "warning",
            "CACT_SAVE_GRACE_SECONDS": "2",
            "CACT_SWEEP_INTERVAL_SECONDS": "0.5",
            **self.extra_env,
        }
        if self.database_url is not None:
            env["CACT_DATABASE_URL"] = self.database_url
        log = self.log_path.open("ab") if self.log_path is not None else None
        self.process = subprocess.Popen(
            [CACT, "serve", "--port", str(self.port)], env=env, stderr=log
        )
        if log is not None:
            log.close()  # the child holds its own copy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("cact serve did not become ready")

    def kill_hard(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


async def prepared_database(url: str, participants: int) -> OpenSitting:
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            return await open_sitting(db, participants=participants)
    finally:
        await engine.dispose()
