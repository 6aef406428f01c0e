"""deploy/bin/cact-embedded-pg on a real embedded PostgreSQL of its own: after a cact process is
killed (power cut, kill -9) the server would never be stopped again by CACT; the service's
ExecStopPost stops it cleanly and its ExecStartPre forgets the dead process. And cact-restore.sh
starts the embedded server itself when CACT is stopped, restores, and stops it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CARE = ROOT / "deploy" / "bin" / "cact-embedded-pg"
BACKUP = ROOT / "deploy" / "backup" / "cact-backup.sh"
RESTORE = ROOT / "deploy" / "backup" / "cact-restore.sh"

# A cact process that starts (or joins) the embedded server and then waits to be killed.
HOLDER = """
import sys, time
from pathlib import Path
from cact.kit.embedded_pg import EmbeddedPostgres
EmbeddedPostgres(Path(sys.argv[1])).start()
print("started", flush=True)
time.sleep(600)
"""


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACT_", "PG"))}
    return {**env, "CACT_DATA_DIR": str(data_dir), "CACT_ENV_FILE": os.devnull}


def care(action: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CARE), action], env=env_for(data_dir), capture_output=True, text=True, timeout=120
    )


def postmaster_pid(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text().split()[0])
    comm = Path(f"/proc/{pid}/comm")
    return pid if comm.exists() and comm.read_text().strip() == "postgres" else None


def kill(holder: subprocess.Popen[str]) -> None:
    """As the kernel does to a process at a power cut or an OOM kill: no atexit, no cleanup."""
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert holder.stdout is not None
    holder.stdout.close()


def start_holder(pgdata: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "started"
    return holder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # A short path: PostgreSQL's socket lives in pgdata and socket paths are limited in length.
    folder = tmp_path_factory.mktemp("epg")
    folder.chmod(0o755)
    yield folder
    if postmaster_pid(folder / "pgdata") is not None:
        care("stop", folder)


def test_a_killed_cact_leaves_the_server_to_the_service_which_stops_it_cleanly(
    data_dir: Path,
) -> None:
    pgdata = data_dir / "pgdata"
    holder = start_holder(pgdata)
    kill(holder)  # the server stays up, the dead pid stays listed
    assert postmaster_pid(pgdata) is not None
    assert str(holder.pid) in (pgdata / ".handle_pids.json").read_text()
    assert "running" in care("status", data_dir).stdout

    tidied = care("tidy", data_dir)  # while it runs, the list is left alone
    assert tidied.returncode == 0 and (pgdata / ".handle_pids.json").exists()

    stopped = care("stop", data_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert "shutting it down cleanly" in stopped.stdout
    assert postmaster_pid(pgdata) is None
    assert "database system is shut down" in (pgdata / "log").read_text()
    assert "stopped" in care("status", data_dir).stdout
    assert care("stop", data_dir).stdout == ""  # nothing to do the second time


def start_and_exit(pgdata: Path) -> None:
    """A cact command: joins or starts the server, exits normally (atexit runs)."""
    subprocess.run(
        [sys.executable, "-c", HOLDER.replace("time.sleep(600)", ""), str(pgdata)],
        check=True,
        timeout=120,
        capture_output=True,
    )


def wait_stopped(pgdata: Path, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while postmaster_pid(pgdata) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    return postmaster_pid(pgdata) is None


def test_tidy_forgets_dead_cact_processes_so_the_last_one_stops_the_server(
    data_dir: Path,
) -> None:
    pgdata = data_dir / "pgdata"
    start_and_exit(pgdata)  # the cluster exists (this test may run alone)
    assert wait_stopped(pgdata)
    dead = "[999999]"  # a cact that died long ago
    (pgdata / ".handle_pids.json").write_text(dead)
    start_and_exit(pgdata)
    assert wait_stopped(pgdata), "cact forgets a dead process itself: the server still stops"

    (pgdata / ".handle_pids.json").write_text(dead)
    tidied = care("tidy", data_dir)
    assert tidied.returncode == 0 and "cleared" in tidied.stdout
    assert not (pgdata / ".handle_pids.json").exists()
    start_and_exit(pgdata)
    assert wait_stopped(pgdata), "after tidy the last cact process stops the server again"


def test_with_a_database_url_there_is_nothing_to_look_after(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CARE), "stop"],
        env={**env_for(tmp_path), "CACT_DATABASE_URL": "postgresql://cact@127.0.0.1/cact"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "CACT_DATABASE_URL is set" in result.stdout


def test_restore_starts_the_stopped_embedded_server_and_stops_it_again(
    data_dir: Path, tmp_path: Path
) -> None:
    pgdata = data_dir / "pgdata"
    holder = start_holder(pgdata)
    try:
        made = subprocess.run(
            [str(BACKUP), "--dir", str(tmp_path)],
            env=env_for(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        kill(holder)
        care("stop", data_dir)  # CACT is now stopped, as the restore procedure asks
    assert made.returncode == 0, made.stderr
    refused = subprocess.run(
        [str(BACKUP), "--dir", str(tmp_path)],
        env=env_for(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "not running" in refused.stderr

    restored = subprocess.run(
        [str(RESTORE), "--yes", "--wipe", made.stdout.strip()],
        env=env_for(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restored.returncode == 0, restored.stderr
    assert "starting the embedded PostgreSQL" in restored.stderr
    assert "stopping the embedded PostgreSQL again" in restored.stderr
    assert postmaster_pid(pgdata) is None
