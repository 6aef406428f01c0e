"""``cact demo`` end to end: embedded PostgreSQL, migrations, demo data, serving, demo.json."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CACT = str(Path(sys.executable).with_name("cact"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[str], seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"cact demo exited early: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("cact demo did not become ready")


def test_demo_serves_prints_the_logins_and_writes_demo_json(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CACT_DATABASE_URL",)}
    env.update({"CACT_PORT": str(port), "CACT_DATA_DIR": str(tmp_path / "data")})
    process = subprocess.Popen(
        [CACT, "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = _wait_ready(base, process)
        assert ready.json()["status"] == "ready"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}

        demo = json.loads((tmp_path / "data" / "demo.json").read_text("utf-8"))
        assert set(demo) >= {"urls", "staff", "sitting", "participants"}
        assert set(demo["urls"]) >= {"kiosk", "dashboard", "admin"}
        assert {s["username"] for s in demo["staff"]} == {
            "admin",
            "editor",
            "proktor",
            "asesor",
            "ketua",
        }
        assert len(demo["competencies"]) >= 9

        admin = next(s for s in demo["staff"] if "admin" in s["roles"])
        with httpx.Client(base_url=base) as http:
            login = http.post(
                "/api/auth/login",
                json={"username": admin["username"], "password": admin["password"]},
            )
            assert login.status_code == 200, login.text
            competencies = http.get("/api/competencies").json()
            assert {c["code"] for c in competencies} >= {"M.01", "M.08", "SK.01"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "demo-admin-2026" in output  # the logins are printed
    assert "demo.json" in output
    # The embedded server was the demo's own: it stopped cleanly with it.
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists()
