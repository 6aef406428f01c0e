"""The embedded PostgreSQL: a real server in a folder, shared by processes, stopped cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cact.kit.embedded_pg import EmbeddedPostgres

SECOND_PROCESS = """
import sys
from pathlib import Path
from cact.kit.embedded_pg import EmbeddedPostgres
pg = EmbeddedPostgres(Path(sys.argv[1]))
pg.start()
print(pg.psql("SELECT pg_postmaster_start_time();").splitlines()[2].strip())
pg.stop()
"""


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().splitlines()[0]) if pid_file.exists() else None


def test_a_second_process_shares_the_running_server_and_the_last_one_stops_it(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / "pgdata"
    first = EmbeddedPostgres(pgdata)
    url = first.start()
    assert url.startswith("postgresql://postgres@/cact?host=")
    started = first.psql("SELECT pg_postmaster_start_time();").splitlines()[2].strip()
    pid = _postmaster_pid(pgdata)
    assert pid is not None

    second = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(pgdata)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert second.stdout.strip() == started  # the same server, not a new one
    assert _postmaster_pid(pgdata) == pid  # the second process left it running for us

    first.stop()
    assert _postmaster_pid(pgdata) is None  # a clean shutdown removes postmaster.pid
    log = (pgdata / "log").read_text()
    assert "database system is shut down" in log


def test_a_restarted_server_keeps_its_data(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pgdata")
    pg.start()
    pg.psql("CREATE TABLE answer (id int); INSERT INTO answer VALUES (7);")
    pg.stop()
    again = EmbeddedPostgres(tmp_path / "pgdata")
    again.start()
    try:
        assert "7" in again.psql("SELECT id FROM answer;")
        assert "300" in again.psql("SHOW max_connections;")
    finally:
        again.stop()


def test_a_process_killed_hard_does_not_keep_the_server_running_forever(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    first = EmbeddedPostgres(pgdata)
    first.start()
    handles = pgdata / ".handle_pids.json"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pids = json.loads(handles.read_text())
    handles.write_text(json.dumps([*pids, int(dead.stdout)]))  # as if killed with -9
    first.stop()
    # The last live process forgets the dead handle when it stops, and stops the server.
    assert not (pgdata / "postmaster.pid").exists()


def test_the_next_process_forgets_a_dead_handle_too(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    first = EmbeddedPostgres(pgdata)
    first.start()
    handles = pgdata / ".handle_pids.json"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    first._server = None  # this process leaves without releasing, like a kill -9
    handles.write_text(json.dumps([int(dead.stdout)]))
    subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(pgdata)],
        check=True,
        timeout=60,
        capture_output=True,
    )
    assert not (pgdata / "postmaster.pid").exists()
