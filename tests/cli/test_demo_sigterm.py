"""SIGTERM (`systemctl stop`, `kill`) to a `cact demo` that has served kiosks stops its embedded
PostgreSQL within 10 s: no server is left running after the app (issue 17 saw it outlive the
app by 30 s and more)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.cli.test_demo import CACT, _free_port, _wait_ready

pytestmark = pytest.mark.slow

STOPPED_WITHIN = 10.0


def test_sigterm_to_a_demo_that_served_a_rehearsal_stops_its_postgresql(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # as root, the embedded PostgreSQL runs as its own user
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CACT_")}
    env.update(
        {
            "CACT_PORT": str(port),
            "CACT_DATA_DIR": str(tmp_path / "data"),
            "CACT_WORKERS": "2",
            "CACT_SAVE_GRACE_SECONDS": "1",
            "CACT_LOG_LEVEL": "warning",
        }
    )
    demo = subprocess.Popen(
        [CACT, "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, demo)
        rehearsal = subprocess.run(
            [CACT, "rehearsal", "--url", base, "--kiosks", "20", "--think-ms", "20", "--finish"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rehearsal.returncode == 0, rehearsal.stdout + rehearsal.stderr
        assert "lost answers                              0" in rehearsal.stdout
        pid_file = tmp_path / "data" / "pgdata" / "postmaster.pid"
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        assert postmaster.is_running()

        demo.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        gone, _ = psutil.wait_procs([postmaster], timeout=STOPPED_WITHIN + 5)
        stopped_after = time.monotonic() - sent
        assert gone, "the embedded PostgreSQL outlived the SIGTERM by more than 15 s"
        assert stopped_after <= STOPPED_WITHIN, f"PostgreSQL stopped {stopped_after:.1f} s after"
        output, _ = demo.communicate(timeout=60)
        assert demo.returncode == 0, output
        assert not pid_file.exists()  # a clean ("fast") shutdown removes it
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate(timeout=30)
        leftover = tmp_path / "data" / "pgdata" / "postmaster.pid"
        if leftover.exists():  # never leave a server behind, even when the test failed
            pid = int(leftover.read_text().split()[0])
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGINT)
