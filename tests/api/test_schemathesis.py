"""Fuzzing the published API from its OpenAPI schema (schemathesis's own runner): no
generated input makes a 5xx.

Every call carries an admin's session and CSRF token and a live kiosk token, so that the
generated requests reach the handlers rather than stopping at authentication."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import recreate_database
from tests.faults.conftest import ServerProcess, prepared_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff


@dataclass
class LiveApi:
    base_url: str
    headers: dict[str, str]


@pytest.fixture(scope="session")
async def live_api(pg_server: TestServer) -> AsyncIterator[LiveApi]:
    url = await recreate_database(pg_server, "cact_fuzz")
    opened = await prepared_database(url, participants=3)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        admin = await create_staff(db, "admin", "editor", "proctor", username="fuzzer")
        username = admin.username
    await engine.dispose()
    server = ServerProcess(url)
    await asyncio.to_thread(server.start)
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            staff = await http.post(
                "/api/auth/login", json={"username": username, "password": PASSWORD}
            )
            kiosk = await http.post(
                "/api/kiosk/v1/login",
                json={"participant_no": opened.participant_nos[0], "token": opened.token},
            )
        headers = {
            "Cookie": f"cact_session={staff.cookies['cact_session']}",
            "X-CSRF-Token": staff.json()["csrf_token"],
            "Authorization": f"Bearer {kiosk.json()['kiosk_token']}",
        }
        yield LiveApi(server.base_url, headers)
    finally:
        await asyncio.to_thread(server.stop)


def test_no_generated_request_makes_a_server_error(live_api: LiveApi, tmp_path: Path) -> None:
    """Bounded: a fixed seed and a few examples per operation keep CI quick and repeatable."""
    examples = os.environ.get("CACT_FUZZ_EXAMPLES", "8")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{live_api.base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        examples,
        "--seed",
        "2026",
        # One worker: with two threads, CPython 3.11.7's ast.parse inside the fuzzer once
        # failed with "AST constructor recursion depth mismatch" (the tool, not the server).
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    for name, value in live_api.headers.items():
        command += ["--header", f"{name}: {value}"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=1200, env={**os.environ, "NO_COLOR": "1"}
    )
    report = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, report
    junit = ElementTree.parse(next(tmp_path.glob("*.xml"))).getroot()
    cases = junit.findall(".//testcase")
    assert len(cases) >= 30, report  # every published operation was exercised
    assert not junit.findall(".//failure") and not junit.findall(".//error"), report
