"""Keeps the embedded PostgreSQL running: when its server dies, start it again and say so.

The supervisor is a thread in the process that owns the embedded server (``cact serve`` /
``cact demo``; with several workers, their parent). It writes what it sees to a small status
file in the data directory, which every worker reads for ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from cact.kit.embedded_pg import EmbeddedPostgres

logger = logging.getLogger("cact.pg_supervisor")

STATUS_FILE = "pg-supervisor.json"


def status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_FILE


def read_status(data_dir: Path) -> dict[str, Any] | None:
    """What the supervisor last wrote, or None when no live supervisor watches this data dir."""
    try:
        status: dict[str, Any] = json.loads(status_path(data_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not psutil.pid_exists(int(status.get("supervisor_pid", 0))):
        return None  # left behind by a supervisor that was killed
    return status


class PostgresSupervisor:
    def __init__(self, embedded: EmbeddedPostgres, data_dir: Path, interval: float = 1.0) -> None:
        self.embedded = embedded
        self.path = status_path(data_dir)
        self.interval = interval
        self.restarts = 0
        self.last_restart_at: str | None = None
        self.last_error: str | None = None
        self.checked_at: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-supervisor", daemon=True)

    def start(self) -> None:
        self._write("running", self.embedded.postmaster_pid())
        self._thread.start()
        logger.info("supervising the embedded PostgreSQL in %s", self.embedded.pgdata)

    def stop(self) -> None:
        """Stop watching first, so that the app's own shutdown of PostgreSQL is not undone."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=40)  # a pg_ctl start under way ends within its 30 s
        self.path.unlink(missing_ok=True)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watcher must outlive any one failed look
                logger.exception("the PostgreSQL supervisor's check failed")

    def check(self) -> None:
        """One look; the status file says when it was taken, so a reader knows the next one is
        an interval away (the fault test kills PostgreSQL right after a look)."""
        self.checked_at = datetime.now(UTC).isoformat()
        pid = self.embedded.postmaster_pid()
        if pid is not None:
            self.last_error = None
            self._write("running", pid)
            return
        logger.error("embedded PostgreSQL is not running; restarting it")
        self._write("restarting", None)
        if self.embedded.clear_stale_lock():
            logger.warning("removed the lock file of the dead, unreaped postmaster")
        try:
            self.embedded.start_server()
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            # A killed postmaster's backends may hold its shared memory for a moment.
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            logger.error("PostgreSQL did not start (%s); trying again", self.last_error)
            self._write("down", None)
            return
        self.restarts += 1
        self.last_restart_at = datetime.now(UTC).isoformat()
        self.last_error = None
        pid = self.embedded.postmaster_pid()
        logger.warning("embedded PostgreSQL restarted (pid %s; restart %d)", pid, self.restarts)
        self._write("running", pid)

    def _write(self, state: str, pid: int | None) -> None:
        status = {
            "state": state,
            "restarts": self.restarts,
            "last_restart_at": self.last_restart_at,
            "last_error": self.last_error,
            "checked_at": self.checked_at,
            "postmaster_pid": pid,
            "supervisor_pid": os.getpid(),
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(status), "utf-8")
        temporary.replace(self.path)  # readers never see half a file
