"""deploy/systemd/cact.service run the way systemd runs it, step by step, with the embedded
PostgreSQL: every ExecStartPre in order, ExecStart with the unit's Environment=, then
`systemctl stop` as KillMode=mixed does it (SIGTERM to the main process only, at most
TimeoutStopSec), then ExecStopPost. The embedded PostgreSQL must be gone within 10 s of the
SIGTERM, before ExecStopPost has anything to do.

Why not a real systemd: this machine's PID 1 is not systemd, and `systemd-run --user` answers
"Failed to connect to bus: No medium found", so the unit is read from its file and its commands
are run by this test (as root, with the data folder in a temporary directory; /opt/cact is this
checkout). `tests/deploy/test_deploy_files.py` has systemd-analyze verify the unit itself."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.deploy.test_deploy_files import DEPLOY, ROOT, unit_entries
from tests.ha.cluster import free_port

pytestmark = pytest.mark.slow

CACT = str(Path(sys.executable).with_name("cact"))
STOPPED_WITHIN = 10.0


def _command(line: str, env: dict[str, str], data: Path) -> tuple[list[str], bool]:
    """A unit's command line as systemd runs it: '-' means a failure is ignored."""
    ignore = line.startswith("-")
    line = line.lstrip("-")
    line = line.replace("/opt/cact/.venv/bin/cact", CACT).replace("/opt/cact", str(ROOT))
    line = line.replace("/var/lib/cact", str(data))
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    return line.split(), ignore


def test_cact_service_starts_serves_and_stops_its_postgresql_like_systemd(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    data = tmp_path / "var-lib-cact"
    data.mkdir(mode=0o750)
    service = unit_entries(DEPLOY / "systemd" / "cact.service")["Service"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CACT_")}
    for key, value in service:
        if key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = setting.replace("/var/lib/cact", str(data))
    # What /etc/cact/cact.env would add (EnvironmentFile=).
    env.update(
        {
            "CACT_SECRET_KEY": "unit-test-secret-that-is-long-enough-0123456789",
            "CACT_PORT": str(free_port("CACT_TEST_APP_PORTS")),
            "CACT_WORKERS": "2",
        }
    )
    settings = dict(service)
    stop_timeout = float(settings["TimeoutStopSec"])
    assert settings["KillMode"] == "mixed"

    for key, value in service:
        if key == "ExecStartPre":
            argv, ignore = _command(value, env, data)
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
            assert ignore or done.returncode == 0, f"{argv}: {done.stderr[-1500:]}"

    argv, _ = _command(settings["ExecStart"], env, data)
    log_path = tmp_path / "journal.log"  # what journalctl -u cact would show
    with log_path.open("wb") as journal:
        main = subprocess.Popen(argv, env=env, cwd=data, stdout=journal, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['CACT_PORT']}"
    pid_file = data / "pgdata" / "postmaster.pid"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/readyz", timeout=3).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert main.poll() is None, log_path.read_text()[-2000:]
            time.sleep(0.3)
        else:
            raise AssertionError("cact.service's ExecStart did not become ready")
        assert httpx.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))

        main.send_signal(signal.SIGTERM)  # KillMode=mixed: the main process first
        sent = time.monotonic()
        gone, _ = psutil.wait_procs([postmaster], timeout=stop_timeout)
        stopped_after = time.monotonic() - sent
        assert gone, f"PostgreSQL still ran {stop_timeout:.0f} s after the SIGTERM"
        assert stopped_after <= STOPPED_WITHIN, f"PostgreSQL stopped after {stopped_after:.1f} s"
        main.wait(timeout=stop_timeout)
        assert main.returncode == 0, log_path.read_text()[-2000:]
        assert not pid_file.exists()

        argv, _ = _command(settings["ExecStopPost"], env, data)
        after = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert after.returncode == 0, after.stderr
    finally:
        if main.poll() is None:
            main.kill()
            main.wait(timeout=30)
        if pid_file.exists():  # never leave a server behind
            pid = int(pid_file.read_text().split()[0])
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGINT)
