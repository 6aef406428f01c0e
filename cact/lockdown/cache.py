"""Per-worker memory of the policies in force, so the check costs no query on the hot path.

The policies (a few rows: sittings that are open and ask for more than any browser) are read
again at most every ``ttl`` seconds, and at once after this worker changed one; another
worker's change is seen within ``ttl``. A kiosk token's attempt and sitting never change, so
they are remembered for as long as the token is used (bounded, oldest forgotten first).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from cact.lockdown.policy import Enforced

DEFAULT_TTL_SECONDS = 3.0
MAX_TOKENS = 20_000
WRITE_EVERY_SECONDS = 5.0  # a refused kiosk in a loop is written down this often at most


class PolicyCache:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._policies: dict[int, Enforced] = {}
        self._loaded_at = float("-inf")
        self._tokens: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._written: dict[tuple[int, str], float] = {}
        self._loading: asyncio.Future[dict[int, Enforced]] | None = None

    async def policies(
        self, load: Callable[[], Awaitable[dict[int, Enforced]]]
    ) -> dict[int, Enforced]:
        """The policies, read again when they are older than ``ttl``: by one read that every
        call arriving meanwhile waits for (a start herd of 2,000 logins is one query, not
        2,000 queries queueing for the pool)."""
        if time.monotonic() - self._loaded_at <= self.ttl:
            return self._policies
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load(load))
        return await asyncio.shield(self._loading)

    async def _load(
        self, load: Callable[[], Awaitable[dict[int, Enforced]]]
    ) -> dict[int, Enforced]:
        try:
            self._policies = await load()
            self._loaded_at = time.monotonic()
            return self._policies
        finally:
            self._loading = None

    def forget(self) -> None:
        """This worker changed a policy: read them again on the next call."""
        self._loaded_at = float("-inf")
        self._loading = None  # a read under way may be from before the change

    def attempt_of(self, token_hash: str) -> tuple[int, int] | None:
        found = self._tokens.get(token_hash)
        if found is not None:
            self._tokens.move_to_end(token_hash)
        return found

    def remember(self, token_hash: str, attempt_id: int, sitting_id: int) -> None:
        self._tokens[token_hash] = (attempt_id, sitting_id)
        while len(self._tokens) > MAX_TOKENS:
            self._tokens.popitem(last=False)

    def should_write(self, attempt_id: int, reason: str) -> bool:
        """Whether this refusal is worth a database write now (not again within seconds)."""
        now = time.monotonic()
        key = (attempt_id, reason)
        if now - self._written.get(key, float("-inf")) < WRITE_EVERY_SECONDS:
            return False
        if len(self._written) > MAX_TOKENS:
            self._written.clear()
        self._written[key] = now
        return True


def of_app(state: Any) -> PolicyCache:
    """The worker's cache, made on first use (the app's state lives as long as the worker)."""
    cache = getattr(state, "browser_policies", None)
    if cache is None:
        cache = state.browser_policies = PolicyCache()
    return cache
