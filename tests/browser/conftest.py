"""A real CACT server process on the test PostgreSQL, and Debian's Chromium driven by Playwright.

Under CI=true a missing browser fails the run; elsewhere the browser tests are skipped with the
command that installs it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.exam.models import SittingProctor
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import open_sitting

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CACT = str(Path(sys.executable).with_name("cact"))


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    engine: AsyncEngine
    token: str
    participant_nos: list[str]
    used: int = 0
    sitting_id: int = 0

    def next_participant(self) -> str:
        """Every test gets a participant of its own."""
        self.used += 1
        return self.participant_nos[self.used - 1]


def _free_port() -> int:
    """Any free port; within ``CACT_TEST_PORTS`` ("18100-18199") when a shared machine asks."""
    low, _, high = os.environ.get("CACT_TEST_PORTS", "0-0").partition("-")
    for candidate in range(int(low), int(high or low) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port
    raise RuntimeError(f"no free port in CACT_TEST_PORTS={os.environ['CACT_TEST_PORTS']}")


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("cact serve exited early")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("cact serve did not become ready")


def _start_server(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    env = {
        **os.environ,
        "CACT_DATABASE_URL": url,
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
        "CACT_SAVE_GRACE_SECONDS": "1",
        "CACT_SWEEP_INTERVAL_SECONDS": "0.5",
        "CACT_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen([CACT, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
    return f"http://127.0.0.1:{port}", process


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a stream still open keeps a graceful stop waiting
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
async def live_server(pg_server: TestServer) -> AsyncIterator[LiveServer]:
    url = await recreate_database(pg_server, "cact_live")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=2, max_overflow=2)
    async with create_sessionmaker(engine)() as db, db.begin():
        opened = await open_sitting(db, participants=30)
    base, process = _start_server(url)
    try:
        await asyncio.to_thread(_wait_ready, base, process)
        yield LiveServer(
            base, url, engine, opened.token, opened.participant_nos, sitting_id=opened.sitting.id
        )
    finally:
        _stop_server(process)
        await engine.dispose()


@pytest.fixture(scope="session")
async def second_server(live_server: LiveServer) -> AsyncIterator[str]:
    """Another `cact serve` process on the same database (a second worker or app server):
    its base URL."""
    base, process = _start_server(live_server.database_url)
    try:
        await asyncio.to_thread(_wait_ready, base, process)
        yield base
    finally:
        _stop_server(process)


@dataclass(frozen=True)
class LiveProctor:
    username: str
    password: str


@pytest.fixture(scope="session")
async def live_proctor(live_server: LiveServer) -> LiveProctor:
    """A proctor assigned to the live server's sitting."""
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        user = await create_staff(db, "proctor", username="pengawas-live")
        user.full_name = "Sri Wahyuni"
        db.add(SittingProctor(sitting_id=live_server.sitting_id, staff_user_id=user.id))
    return LiveProctor("pengawas-live", PASSWORD)


def _browser_missing() -> str | None:
    if Path(CHROMIUM).exists():
        return None
    return f"{CHROMIUM} is missing: apt-get install -y chromium"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def kiosk_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    yield context
    await context.close()


@pytest.fixture
async def proctor_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """The proctor's PC: a 1280×800 window, its clock set to another zone than the room's (the
    dashboard must show the room's time, never the browser's)."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="id-ID", timezone_id="America/Sao_Paulo"
    )
    yield context
    await context.close()
