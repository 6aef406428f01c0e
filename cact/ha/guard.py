"""The replication guard: runs in every app worker when ``CACT_HA_STANDBY_NAME`` is set.

On the primary it makes commits wait for the standby while the standby streams (an answer is
acknowledged only once it is on both disks), and lets the primary go on alone when the standby
has been gone for ``CACT_HA_STANDBY_TIMEOUT_SECONDS``: the room keeps working, and the
dashboard, ``/readyz`` and ``/metrics`` say loudly that answers are on one disk only. On a
standby it only reports that this server is read-only until promoted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

logger = logging.getLogger("cact.ha")

LOST_WARNING = (
    "SERVER CADANGAN TERPUTUS: jawaban kini hanya tersimpan di disk server ini. Periksa server "
    "cadangan (cact ha status) dan sambungkan lagi. / STANDBY LOST: answers are now on this "
    "server's disk only. Check the standby (cact ha status) and bring it back."
)
STANDBY_WARNING = (
    "Ini server cadangan (standby): hanya-baca sampai dipromosikan dengan `cact ha promote`. / "
    "This is the standby server: read-only until promoted with `cact ha promote`."
)
WAITING_WARNING = (
    "Menunggu server cadangan; jawaban sementara hanya di disk server ini. / Waiting for the "
    "standby; answers are on this server's disk only for now."
)


@dataclass
class Replication:
    """What the guard last saw; read by /readyz, /metrics and every staff page."""

    name: str
    role: str = "unknown"  # primary | standby | unknown (database not reached)
    standby: str = "waiting"  # synchronous | lost | waiting (primary only)
    synchronous: bool = False  # commits wait for the standby now
    since: str | None = None  # when ``standby`` last changed
    checked_at: str | None = None

    @property
    def warning(self) -> str | None:
        if self.role == "standby":
            return STANDBY_WARNING
        if self.role == "primary" and self.standby == "lost":
            return LOST_WARNING
        if self.role == "primary" and self.standby == "waiting":
            return WAITING_WARNING
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "standby_name": self.name,
            "standby": self.standby if self.role == "primary" else None,
            "synchronous": self.synchronous,
            "since": self.since,
            "checked_at": self.checked_at,
            "warning": self.warning,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()


class StandbyGuard:
    def __init__(self, dsn: str, name: str, timeout: float, interval: float = 1.0) -> None:
        self.dsn = dsn
        self.state = Replication(name=name)
        self.timeout = timeout
        self.interval = interval
        self._last_streaming = time.monotonic()  # the standby gets ``timeout`` to connect
        self._connection: asyncpg.Connection | None = None

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.check()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    self.state.role = "unknown"
                    logger.warning("replication guard waits for the database: %s", exc)
                    await self._close()
                await asyncio.sleep(self.interval)
        finally:
            await self._close()

    async def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close(timeout=2)
            self._connection = None

    async def _connect(self) -> asyncpg.Connection:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(
                self.dsn, timeout=5, server_settings={"application_name": "cact-ha-guard"}
            )
        return self._connection

    async def check(self) -> None:
        db = await self._connect()
        self.state.checked_at = _now()
        if await db.fetchval("SELECT pg_is_in_recovery()", timeout=5):
            self.state.role, self.state.synchronous = "standby", False
            return
        self.state.role = "primary"
        configured = await db.fetchval("SHOW synchronous_standby_names", timeout=5)
        streaming = await db.fetchval(
            "SELECT count(*) FROM pg_stat_replication "
            "WHERE application_name = $1 AND state = 'streaming'",
            self.state.name,
            timeout=5,
        )
        if streaming:
            self._last_streaming = time.monotonic()
            if not configured:
                await self._set(db, f'"{self.state.name}"')
                logger.warning("standby %s streams: commits wait for it again", self.state.name)
            self._seen("synchronous")
            self.state.synchronous = True
            return
        gone_for = time.monotonic() - self._last_streaming
        if gone_for < self.timeout:
            return  # a moment's reconnect: commits keep waiting, nothing is said yet
        if configured:
            await self._set(db, "")
            logger.error(
                "STANDBY %s LOST for %.0f s: the primary goes on alone; answers are on one "
                "disk only until it is back",
                self.state.name,
                gone_for,
            )
        self.state.synchronous = False
        self._seen("lost")

    def _seen(self, standby: str) -> None:
        if self.state.standby != standby:
            self.state.standby, self.state.since = standby, _now()

    @staticmethod
    async def _set(db: asyncpg.Connection, names: str) -> None:
        # Not WAL-logged, so it never waits for the standby it is about to give up on.
        await db.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'", timeout=5)
        await db.execute("SELECT pg_reload_conf()", timeout=5)
