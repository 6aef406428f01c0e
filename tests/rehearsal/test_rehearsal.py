"""`cact rehearsal` against a real server process: a small full sitting loses no answer."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cact.kit import migrate
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer

CACT = str(Path(sys.executable).with_name("cact"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def server(pg_server: TestServer) -> AsyncIterator[tuple[str, dict[str, str]]]:
    url = await recreate_database(pg_server, "cact_rehearsal")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    env = {
        **os.environ,
        "CACT_DATABASE_URL": url,
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
        "CACT_SAVE_GRACE_SECONDS": "1",
        "CACT_SWEEP_INTERVAL_SECONDS": "0.5",
        "CACT_LOG_LEVEL": "warning",
    }
    port = _free_port()
    process = subprocess.Popen([CACT, "serve", "--port", str(port), "--workers", "2"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("ending", ["--deadline", "--finish"])
async def test_a_small_rehearsal_loses_no_answer(
    server: tuple[str, dict[str, str]], tmp_path: Path, ending: str
) -> None:
    base, env = server
    out = tmp_path / "rehearsal.json"
    result = await asyncio.to_thread(
        subprocess.run,
        [
            CACT,
            "rehearsal",
            "--url",
            base,
            "--kiosks",
            "12",
            "--think-ms",
            "10",
            "--drop-share",
            "0.25",
            ending,
            "--json",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text("utf-8"))
    assert figures["lost answers"] == 0
    assert figures["acknowledged answers"] == 12 * 29
    assert figures["calls"]["answer"]["count"] >= 12 * 29
    assert figures["calls"]["login"]["count"] == 12
    # Like the kiosk, each section is loaded once: three sections, three loads per kiosk.
    assert figures["calls"]["section"]["count"] == 12 * 3
    steady = figures["steady-state answers"]
    assert 0 <= steady <= figures["calls"]["answer"]["count"]
    assert figures["steady-state answer p99 ms"] >= figures["steady-state answer p50 ms"] >= 0
    assert isinstance(figures["start herd s"], float)
    if ending == "--deadline":
        assert isinstance(figures["deadline herd s"], float)
    assert "lost answers" in result.stdout and "p99 ms" in result.stdout
