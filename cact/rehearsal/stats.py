"""Latency and error bookkeeping for a rehearsal, and its report (a table and JSON)."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    figures: dict[str, Any] = field(default_factory=dict)
    # (monotonic time the call was sent, ms) of every answer save: the steady-state figure
    answer_times: list[tuple[float, float]] = field(default_factory=list)
    # monotonic time of every acknowledged save: the longest gap is a failover's cost
    acknowledged_at: list[float] = field(default_factory=list)
    # monotonic time every call was sent (answered, 5xx included): calls per window for
    # bench/room.py's CPU per kiosk call
    sent_at: list[float] = field(default_factory=list)
    # monotonic times of the run's phases ("ready": the last kiosk has its first section;
    # "answered": the last kiosk has given its last answer)
    marks: dict[str, float] = field(default_factory=dict)

    def longest_ack_gap(self) -> float:
        """Seconds of the longest stretch in which no kiosk had an answer acknowledged."""
        times = sorted(self.acknowledged_at)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    def record(self, call: str, seconds: float, sent_at: float | None = None) -> None:
        self.latencies[call].append(seconds * 1000)
        if sent_at is not None:
            self.sent_at.append(sent_at)
        if call == "answer" and sent_at is not None:
            self.answer_times.append((sent_at, seconds * 1000))

    def steady_answers(self, after: float) -> list[float]:
        """Latencies (ms) of the answer saves sent at or after ``after`` (monotonic)."""
        return [ms for sent_at, ms in self.answer_times if sent_at >= after]

    def calls_between(self, start: float, end: float) -> int:
        """How many calls were sent in [start, end) (monotonic)."""
        return sum(1 for sent in self.sent_at if start <= sent < end)

    def error(self, call: str, what: str) -> None:
        self.errors[f"{call}: {what}"] += 1

    def summary(self) -> dict[str, Any]:
        calls = {
            call: {
                "count": len(values),
                "p50_ms": round(percentile(values, 0.50), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
                "p99_ms": round(percentile(values, 0.99), 1),
                "max_ms": round(max(values), 1),
                "mean_ms": round(statistics.fmean(values), 1),
            }
            for call, values in sorted(self.latencies.items())
        }
        return {"calls": calls, "errors": dict(self.errors), **self.figures}

    def table(self) -> str:
        summary = self.summary()
        lines = [f"{'call':<24}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
        for call, row in summary["calls"].items():
            lines.append(
                f"{call:<24}{row['count']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
                f"{row['p99_ms']:>9}{row['max_ms']:>9}"
            )
        lines.append("")
        for key, value in self.figures.items():
            lines.append(f"{key:<42}{value}")
        if self.errors:
            lines.append("errors:")
            lines += [f"  {what}: {count}" for what, count in sorted(self.errors.items())]
        return "\n".join(lines)


def cpu_times() -> list[int] | None:
    """This machine's CPU time counters (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def busy_and_stolen(before: list[int] | None, after: list[int] | None) -> tuple[float, float]:
    """Shares (%) of the machine's CPU time between two snapshots that were busy, and that the
    hypervisor gave to other machines ("steal": a shared VM's figures are worse for it)."""
    if not before or not after:
        return 0.0, 0.0
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent) or 1
    idle = spent[3] + (spent[4] if len(spent) > 4 else 0)
    steal = spent[7] if len(spent) > 7 else 0
    return round(100 * (total - idle - steal) / total, 1), round(100 * steal / total, 1)
