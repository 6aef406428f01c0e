"""The worker's memory of the browser policies: one read for a herd of calls, read again after
its time or after this worker changed one, and a failed read retried by the next call."""

from __future__ import annotations

import asyncio

import pytest

from cact.lockdown.cache import PolicyCache
from cact.lockdown.policy import Enforced


class Loads:
    def __init__(self, fail: bool = False) -> None:
        self.count = 0
        self.fail = fail

    async def __call__(self) -> dict[int, Enforced]:
        self.count += 1
        await asyncio.sleep(0.05)  # a query that takes a while: the herd arrives meanwhile
        if self.fail:
            raise ConnectionError("database went away")
        return {}


async def test_a_herd_of_calls_is_one_read() -> None:
    cache, load = PolicyCache(ttl=60), Loads()
    results = await asyncio.gather(*(cache.policies(load) for _ in range(2000)))
    assert load.count == 1
    assert all(result == {} for result in results)
    await cache.policies(load)
    assert load.count == 1  # within its time: nothing read


async def test_the_policies_are_read_again_after_their_time_and_after_a_change() -> None:
    cache, load = PolicyCache(ttl=0.01), Loads()
    await cache.policies(load)
    await asyncio.sleep(0.02)
    await asyncio.gather(*(cache.policies(load) for _ in range(50)))
    assert load.count == 2
    cache.ttl = 60
    cache.forget()
    await cache.policies(load)
    assert load.count == 3


async def test_a_failed_read_fails_the_calls_waiting_for_it_and_the_next_call_reads_again() -> None:
    cache, load = PolicyCache(ttl=60), Loads(fail=True)
    results = await asyncio.gather(
        *(cache.policies(load) for _ in range(20)), return_exceptions=True
    )
    assert load.count == 1 and all(isinstance(r, ConnectionError) for r in results)
    load.fail = False
    assert await cache.policies(load) == {}
    assert load.count == 2


async def test_a_cancelled_call_does_not_cancel_the_read_others_wait_for() -> None:
    cache, load = PolicyCache(ttl=60), Loads()
    first = asyncio.create_task(cache.policies(load))
    second = asyncio.create_task(cache.policies(load))
    await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == {}
    assert load.count == 1
