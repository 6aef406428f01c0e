"""Prometheus metrics at /metrics: request latencies, answer saves, active kiosks, pool use.

With several workers (``cact serve --workers N``) the counters and histograms live in
``PROMETHEUS_MULTIPROC_DIR`` (set by ``cact serve``), so any worker answers a scrape for all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "cact_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route", "status"],
    buckets=BUCKETS,
)
ANSWER_SAVES = Counter(
    "cact_answer_saves_total",
    "Answer saves acknowledged to kiosks (applied=false: an older or repeated seq).",
    ["applied"],
)


class MetricsMiddleware:
    """Times every request; the label is the route template, never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )


class ScrapeTimeCollector:
    """Values read when Prometheus scrapes: from this worker's engine and the database."""

    def __init__(self, values: Callable[[], dict[str, tuple[str, float]]]) -> None:
        self.values = values

    def collect(self) -> Iterable[Metric]:
        for name, (help_text, value) in self.values().items():
            family = GaugeMetricFamily(name, help_text)
            family.add_metric([], value)
            yield family


def render(extra: dict[str, tuple[str, float]]) -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUEST_SECONDS)
        registry.register(ANSWER_SAVES)
    registry.register(ScrapeTimeCollector(lambda: extra))
    return generate_latest(registry), CONTENT_TYPE_LATEST
