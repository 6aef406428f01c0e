"""One simulated kiosk speaking protocol v1, with the real kiosk's habits: every answer sent
at once with a rising seq, retried until acknowledged, queued while "offline" and replayed."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from cact.rehearsal.stats import Stats

API = "/api/kiosk/v1"
RETRIES = 8
ASKED_SECONDS = 120.0  # a 503 with Retry-After is tried again this long, as often as asked


@dataclass
class Plan:
    think_seconds: float
    heartbeat_seconds: float
    offline_items: int  # answers given "offline" (queued, then replayed); 0 for most kiosks
    finish: bool  # False: stop before the last submit and let the deadline close it


@dataclass(frozen=True)
class Reply:
    status_code: int
    body: Any
    text: str
    retry_after: float | None = None  # the server's Retry-After (seconds), if it sent one

    def json(self) -> Any:
        return self.body

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.text[:200]}")


@dataclass
class SimKiosk:
    """aiohttp, not httpx: a rehearsal of thousands of kiosks must not be limited by the
    simulator's own CPU (it shares the machine with the server it measures)."""

    http: aiohttp.ClientSession
    participant_no: str
    token: str
    stats: Stats
    plan: Plan
    rng: random.Random
    headers: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    acknowledged: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    first_section_at: float | None = None
    last_beat: float = 0.0
    # The room's addresses in turn (a primary and its standby): empty, the session's base_url.
    # A kiosk that cannot reach one, or is told it reached a standby, tries the next; this
    # stands in for the virtual address that keepalived moves (deploy/ha).
    bases: tuple[str, ...] = ()
    base: int = 0
    retry_seconds: float | None = None  # keep retrying this long (a failover), not RETRIES
    # The workstation's own address, as the room's reverse proxy passes it on (X-Forwarded-For,
    # which the server trusts from 127.0.0.1): a lab's kiosks do not share one address.
    address: str | None = None

    @property
    def base_url(self) -> str:
        return self.bases[self.base] if self.bases else ""

    def _next_base(self) -> None:
        if self.bases:
            self.base = (self.base + 1) % len(self.bases)

    def _may_retry(self, attempt: int, first_try: float) -> bool:
        if self.retry_seconds is None:
            return attempt < RETRIES
        return time.monotonic() - first_try < self.retry_seconds

    async def call(self, name: str, method: str, path: str, body: Any = None) -> Reply:
        """Retry network failures and 5xx with backoff, as the kiosk's outbox does."""
        attempt, first_try = 0, time.monotonic()
        while self._may_retry(attempt, first_try):
            started, sent_at = time.perf_counter(), time.monotonic()
            try:
                headers = self.headers
                if self.address is not None:
                    headers = {**headers, "X-Forwarded-For": self.address}
                async with self.http.request(
                    method, self.base_url + API + path, json=body, headers=headers
                ) as response:
                    text = await response.text()
                    wait = response.headers.get("Retry-After", "")
                    reply = Reply(
                        response.status,
                        _json(text),
                        text,
                        float(wait) if wait.isdigit() else None,
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.stats.error(name, type(exc).__name__)
                self._next_base()
            else:
                self.stats.record(name, time.perf_counter() - started, sent_at)
                if reply.status_code < 500:
                    return reply
                self.stats.error(name, f"HTTP {reply.status_code}")
                if isinstance(reply.body, dict) and reply.body.get("error") == "standby_read_only":
                    self._next_base()
                if reply.retry_after is not None and time.monotonic() - first_try < ASKED_SECONDS:
                    # As the server asks (it spreads the room out); not one of the RETRIES.
                    await asyncio.sleep(reply.retry_after + 0.5 * self.rng.random())
                    continue
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt) * (0.5 + self.rng.random()))
            attempt += 1
        raise RuntimeError(f"{name} failed {attempt} times")

    async def login_and_start(self) -> dict[str, Any]:
        """Log in, read the attempt, start it and load the first section, as the kiosk does
        when the participant confirms who they are; returns that section."""
        response = await self.call(
            "login", "POST", "/login", {"participant_no": self.participant_no, "token": self.token}
        )
        response.raise_for_status()
        self.headers = {"Authorization": f"Bearer {response.json()['kiosk_token']}"}
        (await self.call("attempt", "GET", "/attempt")).raise_for_status()
        started = await self.call("start", "POST", "/attempt/start")
        started.raise_for_status()
        section_id = int(started.json()["current_section_id"])
        section = await self.call("section", "GET", f"/sections/{section_id}")
        section.raise_for_status()
        self.first_section_at = time.monotonic()
        self.last_beat = time.monotonic()
        return dict(section.json())

    async def save(self, item_id: int, option_id: int | None, seq: int) -> None:
        response = await self.call(
            "answer",
            "PUT",
            f"/answers/{item_id}",
            {"option_id": option_id, "doubtful": False, "seq": seq},
        )
        if response.status_code == 200:
            body = response.json()
            # applied=false with our own seq stored: an earlier try got through before the
            # connection broke (a retried save); the answer is the server's either way.
            if body["applied"] or body["stored_seq"] == seq:
                self.acknowledged[item_id] = (seq, option_id)
                self.stats.acknowledged_at.append(time.monotonic())
        else:
            self.stats.error("answer", f"HTTP {response.status_code} {response.text[:60]}")

    async def heartbeat_if_due(self) -> None:
        if time.monotonic() - self.last_beat >= self.plan.heartbeat_seconds:
            self.last_beat = time.monotonic()
            await self.call("heartbeat", "POST", "/heartbeat")

    async def answer_section(self, section: dict[str, Any]) -> None:
        offline: list[tuple[int, int | None, int]] = []
        for index, item in enumerate(section["items"]):
            await asyncio.sleep(self.plan.think_seconds * (0.5 + self.rng.random()))
            option = self.rng.choice(item["options"])["option_id"]
            self.seq += 1
            if index < self.plan.offline_items:
                offline.append((item["item_id"], option, self.seq))  # the network is down
                continue
            if offline:  # back online: the queue replays in order
                for queued in offline:
                    await self.save(*queued)
                offline.clear()
            await self.save(item["item_id"], option, self.seq)
            await self.heartbeat_if_due()
        for queued in offline:
            await self.save(*queued)

    async def run(self, section: dict[str, Any]) -> None:
        """Answer the loaded section; then, like the kiosk, read the attempt and go on to the
        next section (loaded once: during the break between sections, loading it is the
        participant's click that starts it) until the last is submitted or left to the
        deadline."""
        while True:
            section_id = int(section["id"])
            await self.answer_section(section)
            attempt = (await self.call("attempt", "GET", "/attempt")).json()
            pending = [s for s in attempt["sections"] if s["status"] == "pending"]
            if not pending and not self.plan.finish:
                return  # leave the last section open: the deadline will close it
            submitted = await self.call("submit", "POST", f"/sections/{section_id}/submit")
            if submitted.status_code != 200:
                self.stats.error("submit", f"HTTP {submitted.status_code}")
                return
            after = submitted.json()
            if after["status"] != "in_progress" or after["current_section_id"] is None:
                return
            loaded = await self.call("section", "GET", f"/sections/{after['current_section_id']}")
            if loaded.status_code != 200:
                self.stats.error("section", f"HTTP {loaded.status_code}")
                return
            section = dict(loaded.json())


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
