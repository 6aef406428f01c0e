"""The start herd's admission: a worker lets only so many logins use the database at once.

Two thousand kiosks log in within seconds. Unchecked, every login takes a connection of the
kiosk pool for its few statements, the pool runs dry, the answers and heartbeats of the kiosks
already in wait behind the herd, and the logins that waited longest are refused (503) all
together and come back together. So a login first waits its turn here (a queue in memory,
costing nothing while it waits), ``limit`` at a time per worker, which leaves the rest of the
pool to the kiosks that are already working. A login still waiting after ``wait_seconds``
(the pool's time-out: the kiosk gives up on a request after 8 s) is answered 503 with a
Retry-After drawn around the time the queue ahead of it needs, so that refused kiosks come back
spread out, not as a second herd.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cact.kit.errors import CactError

MAX_RETRY_AFTER_SECONDS = 15


class LoginsBusy(CactError):
    status = 503
    code = "server_busy"
    message = (
        "Banyak peserta sedang masuk bersamaan; coba lagi dalam beberapa detik. / "
        "Many participants are logging in at once; try again in a few seconds."
    )


class LoginAdmission:
    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.waiting = 0
        self.refused = 0
        self._slots = asyncio.Semaphore(limit)
        self._mean_seconds = 0.05  # a login's time with a slot, as seen lately

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            self.refused += 1
            raise LoginsBusy(headers={"Retry-After": str(self.retry_after())}) from None
        finally:
            self.waiting -= 1
        started = time.monotonic()
        try:
            yield
        finally:
            self._slots.release()
            took = time.monotonic() - started
            self._mean_seconds += 0.05 * (took - self._mean_seconds)

    def retry_after(self) -> int:
        """Seconds until the queue ahead has had its turn, half to one and a half of it."""
        ahead = self.waiting * self._mean_seconds / self.limit
        drawn = ahead * (0.5 + random.random())
        return min(MAX_RETRY_AFTER_SECONDS, max(1, round(drawn)))
