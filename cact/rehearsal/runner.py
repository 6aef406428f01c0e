"""`cact rehearsal`: prove before exam day that the room server holds a full sitting.

Prepares a rehearsal sitting with N synthetic participants (in the server's database), logs all
kiosks in at once, answers every item through kiosk protocol v1, lets a share of kiosks drop and
replay, runs into the deadline (or finishes), then checks every acknowledged save against what
the database holds.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.exam.models import Attempt, AttemptSection, Response
from cact.exam.statuses import AttemptStatus, SectionStatus
from cact.rehearsal import control
from cact.rehearsal.kiosk import Plan, SimKiosk
from cact.rehearsal.prepare import Rehearsal, prepare
from cact.rehearsal.stats import Stats, busy_and_stolen, cpu_times, percentile

# Steady state starts this long after the last kiosk of the start herd has its first section:
# the herd's queues have drained by then. The targets' p99 answer save is measured after it.
SETTLE_SECONDS = 10.0


@dataclass(frozen=True)
class Options:
    url: str
    kiosks: int
    think_seconds: float = 0.3
    heartbeat_seconds: float = 15.0
    drop_share: float = 0.1
    offline_items: int = 5
    deadline: bool = True
    deadline_wait_seconds: float = 120.0
    seed: int = 2026
    failover_urls: tuple[str, ...] = ()  # the standby's address(es), tried after ``url``
    retry_seconds: float | None = None  # each call retries this long (None: a few tries)
    one_address: bool = False  # every kiosk from this machine's address (else one each)


def kiosk_address(n: int) -> str:
    """The n-th simulated workstation's address (10.x.y.z, one per kiosk)."""
    number = n + 1
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


async def _verify(
    sessionmaker: async_sessionmaker[AsyncSession],
    sitting_id: int,
    kiosks: list[SimKiosk],
    stats: Stats,
) -> int:
    """Every acknowledged (applied) save must be what the database holds, item by item."""
    expected = {item: saved for kiosk in kiosks for item, saved in kiosk.acknowledged.items()}
    async with sessionmaker() as db:
        rows = await db.execute(
            select(Response.attempt_item_id, Response.seq, Response.option_id)
            .join(Attempt, Attempt.id == Response.attempt_id)
            .where(Attempt.sitting_id == sitting_id)
        )
        stored = {item: (seq, option) for item, seq, option in rows.all()}
    lost = sum(1 for item, saved in expected.items() if stored.get(item) != saved)
    stats.figures["acknowledged answers"] = len(expected)
    stats.figures["lost answers"] = lost
    return lost


async def _deadline_herd(
    sessionmaker: async_sessionmaker[AsyncSession],
    sitting_id: int,
    grace: float,
    wait: float,
) -> float | None:
    """Every open section gets one common deadline; how long until every attempt is closed
    (and scored) after it — counted from the deadline plus the server's save grace."""
    deadline = datetime.now(UTC) + timedelta(seconds=1)
    in_sitting = select(Attempt.id).where(Attempt.sitting_id == sitting_id)
    async with sessionmaker() as db, db.begin():
        await db.execute(
            update(AttemptSection)
            .where(
                AttemptSection.status == SectionStatus.OPEN,
                AttemptSection.attempt_id.in_(in_sitting),
            )
            .values(deadline_at=deadline)
        )
    due = deadline + timedelta(seconds=grace)
    limit = time.monotonic() + wait + 1 + grace
    while time.monotonic() < limit:
        async with sessionmaker() as db:
            running = await db.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(
                    Attempt.sitting_id == sitting_id, Attempt.status == AttemptStatus.IN_PROGRESS
                )
            )
        if not running:
            return max(0.0, (datetime.now(UTC) - due).total_seconds())
        await asyncio.sleep(0.2)
    return None


async def run(
    options: Options,
    sessionmaker: async_sessionmaker[AsyncSession],
    grace_seconds: float,
    stats: Stats | None = None,
) -> tuple[Stats, int]:
    """``stats``: the caller's, to watch the run's marks while it goes (bench/room.py)."""
    stats = Stats() if stats is None else stats
    rng = random.Random(options.seed)
    started = time.perf_counter()
    async with sessionmaker() as db, db.begin():
        rehearsal: Rehearsal = await prepare(db, options.kiosks)
    stats.figures["prepare (forms generated) s"] = round(time.perf_counter() - started, 2)
    droppers = set(rng.sample(range(options.kiosks), int(options.kiosks * options.drop_share)))
    connector = aiohttp.TCPConnector(limit=options.kiosks + 8)
    timeout = aiohttp.ClientTimeout(total=120)  # a 2,000-login herd queues for a while
    bases = (options.url, *options.failover_urls) if options.failover_urls else ()
    async with aiohttp.ClientSession(
        base_url=None if bases else options.url, connector=connector, timeout=timeout
    ) as http:
        kiosks = [
            SimKiosk(
                http,
                number,
                rehearsal.token,
                stats,
                Plan(
                    options.think_seconds,
                    options.heartbeat_seconds,
                    options.offline_items if n in droppers else 0,
                    not options.deadline,
                ),
                random.Random(options.seed + n),
                bases=bases,
                retry_seconds=options.retry_seconds,
                address=None if options.one_address else kiosk_address(n),
            )
            for n, number in enumerate(rehearsal.participant_nos)
        ]
        herd_start, cpu_before = time.monotonic(), cpu_times()
        stats.marks["herd"] = herd_start
        sections = await asyncio.gather(*(k.login_and_start() for k in kiosks))
        ready = max(k.first_section_at or herd_start for k in kiosks)
        stats.figures["start herd s"] = round(ready - herd_start, 2)
        stats.marks["ready"] = ready
        answering = time.monotonic()
        await asyncio.gather(*(k.run(s) for k, s in zip(kiosks, sections, strict=True)))
        stats.marks["answered"] = time.monotonic()
        answer_seconds = time.monotonic() - answering
        busy, stolen = busy_and_stolen(cpu_before, cpu_times())
        stats.figures["machine CPU busy %"] = busy
        stats.figures["machine CPU stolen by the hypervisor %"] = stolen
        saves = len(stats.latencies.get("answer", []))
        stats.figures["answer saves per second"] = round(saves / max(answer_seconds, 0.001), 1)
        steady = stats.steady_answers(after=ready + SETTLE_SECONDS)
        stats.figures["steady-state answers"] = len(steady)
        stats.figures["steady-state answer p50 ms"] = round(percentile(steady, 0.50), 1)
        stats.figures["steady-state answer p99 ms"] = round(percentile(steady, 0.99), 1)
        stats.figures["longest pause in acknowledged answers s"] = round(stats.longest_ack_gap(), 2)
        # The proctor's room pause and resume, timed to every kiosk (push channel + heartbeat).
        await control.measure(
            options.url, kiosks, sessionmaker, rehearsal.sitting_id, stats, options.seed
        )
    if options.deadline:
        stats.marks["deadline due"] = time.monotonic() + 1 + grace_seconds
        herd = await _deadline_herd(
            sessionmaker, rehearsal.sitting_id, grace_seconds, options.deadline_wait_seconds
        )
        stats.figures["deadline herd s"] = "did not finish" if herd is None else round(herd, 2)
    lost = await _verify(sessionmaker, rehearsal.sitting_id, kiosks, stats)
    stats.figures["kiosks"] = options.kiosks
    stats.figures["sitting id"] = rehearsal.sitting_id
    return stats, lost
