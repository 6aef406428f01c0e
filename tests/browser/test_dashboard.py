"""The proctor's live dashboard against real server processes: events cross processes through
PostgreSQL, and the proctor's clicks reach a participant's kiosk in a real Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update

from cact.exam.models import Attempt, Response
from tests.browser.conftest import LiveProctor, LiveServer

SSE = {"Accept": "text/event-stream"}


async def _sse(response: httpx.Response) -> AsyncIterator[tuple[str, str, dict[str, Any]]]:
    """(event, id, data) of a text/event-stream, one event at a time."""
    event, event_id, data = "message", "", []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield event, event_id, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


class Kiosk:
    """A participant's kiosk speaking protocol v1 over HTTP to one server process."""

    def __init__(self, http: httpx.AsyncClient, number: str, token: str) -> None:
        self.http, self.number, self.token = http, number, token
        self.headers: dict[str, str] = {}
        self.attempt_id = 0
        self.seq = 0

    async def login(self, *, expect_status: int = 200) -> None:
        response = await self.http.post(
            "/api/kiosk/v1/login", json={"participant_no": self.number, "token": self.token}
        )
        assert response.status_code == expect_status, response.text
        if expect_status == 200:
            body = response.json()
            self.headers = {"Authorization": f"Bearer {body['kiosk_token']}"}
            self.attempt_id = int(body["attempt_id"])

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(
            method, f"/api/kiosk/v1{path}", headers=self.headers, **kwargs
        )

    async def start(self) -> list[dict[str, Any]]:
        assert (await self.call("POST", "/attempt/start")).status_code == 200
        attempt = (await self.call("GET", "/attempt")).json()
        section = (await self.call("GET", f"/sections/{attempt['current_section_id']}")).json()
        items: list[dict[str, Any]] = section["items"]
        return items

    async def answer(self, item: dict[str, Any], n: int = 0) -> None:
        self.seq += 1
        body = {"option_id": item["options"][n]["option_id"], "doubtful": False, "seq": self.seq}
        response = await self.call("PUT", f"/answers/{item['item_id']}", json=body)
        assert response.status_code == 200 and response.json()["applied"], response.text


async def _staff(http: httpx.AsyncClient, proctor: LiveProctor) -> None:
    response = await http.post(
        "/api/auth/login", json={"username": proctor.username, "password": proctor.password}
    )
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def test_a_save_through_one_process_reaches_a_dashboard_on_another_within_2s(
    live_server: LiveServer, second_server: str, live_proctor: LiveProctor
) -> None:
    number = live_server.next_participant()
    url = f"/api/proctor/sittings/{live_server.sitting_id}/events"
    async with (
        httpx.AsyncClient(base_url=live_server.base_url, timeout=10) as a,
        httpx.AsyncClient(base_url=second_server, timeout=10) as b,
    ):
        await _staff(b, live_proctor)
        kiosk = Kiosk(a, number, live_server.token)
        await kiosk.login()
        items = await kiosk.start()
        async with b.stream("GET", url, headers=SSE) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _sse(response)
            async with asyncio.timeout(10):
                name, _, first = await anext(events)
            assert name == "snapshot"
            tile = next(t for t in first["data"]["tiles"] if t["number"] == number)
            assert tile["answered"] == 0 and tile["status"] == "working"

            saved = time.monotonic()
            await kiosk.answer(items[0])
            arrived: float | None = None
            async with asyncio.timeout(5):
                while arrived is None:
                    name, _, message = await anext(events)
                    changed = message["data"].get("tiles", []) if name == "tiles" else []
                    if any(t["number"] == number and t["answered"] == 1 for t in changed):
                        arrived = time.monotonic()
            assert arrived - saved < 2.0, f"the tile took {arrived - saved:.2f} s"


async def test_a_dashboard_resumes_after_a_reconnect_and_another_process_sends_a_snapshot(
    live_server: LiveServer, second_server: str, live_proctor: LiveProctor
) -> None:
    number = live_server.next_participant()
    url = f"/api/proctor/sittings/{live_server.sitting_id}/events"
    async with (
        httpx.AsyncClient(base_url=live_server.base_url, timeout=10) as a,
        httpx.AsyncClient(base_url=second_server, timeout=10) as b,
    ):
        await _staff(a, live_proctor)
        await _staff(b, live_proctor)
        kiosk = Kiosk(a, number, live_server.token)
        await kiosk.login()
        items = await kiosk.start()
        async with b.stream("GET", url, headers=SSE) as response:
            async with asyncio.timeout(10):
                name, last_id, _ = await anext(_sse(response))
            assert name == "snapshot" and ":" in last_id
        await kiosk.answer(items[0])  # while the dashboard is away
        await asyncio.sleep(1.5)
        async with b.stream("GET", url, headers={**SSE, "Last-Event-ID": last_id}) as response:
            async with asyncio.timeout(10):
                name, _, message = await anext(_sse(response))
            assert name == "tiles"  # only what it missed, not the whole room again
            assert any(
                t["number"] == number and t["answered"] == 1 for t in message["data"]["tiles"]
            )
        async with a.stream("GET", url, headers={**SSE, "Last-Event-ID": last_id}) as response:
            async with asyncio.timeout(10):
                name, _, message = await anext(_sse(response))
            assert name == "snapshot"  # another process cannot resume this one's stream
        outsider = await b.get(f"/api/proctor/sittings/{live_server.sitting_id + 999}/tiles")
        assert outsider.status_code == 404


async def _proctor_page(context: BrowserContext, live: LiveServer, proctor: LiveProctor) -> Page:
    page = await context.new_page()
    await page.goto(f"{live.base_url}/login?next=/proctor/sittings/{live.sitting_id}")
    await page.locator('input[name="username"]').fill(proctor.username)
    await page.locator('input[name="password"]').fill(proctor.password)
    await page.locator('main button[type="submit"]').click()
    await expect(page.get_by_test_id("dashboard")).to_be_visible()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    return page


async def _kiosk_login(page: Page, live: LiveServer, number: str, *, start: bool) -> None:
    await page.goto(f"{live.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(number)
    await page.get_by_test_id("login-token").fill(live.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    if start:
        await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()


async def _act(page: Page, number: str, action: str, reason: str, **fields: str) -> None:
    await page.get_by_test_id(f"tile-{number}").click()
    await page.get_by_test_id(f"act-{action}").click()
    for name, value in fields.items():
        await page.get_by_test_id(f"dialog-{name}").fill(value)
    await page.get_by_test_id("dialog-reason").fill(reason)
    await page.get_by_test_id("dialog-submit").click()
    await expect(page.get_by_test_id("dialog")).to_be_hidden()
    await expect(page.get_by_test_id("toast")).to_contain_text("Berhasil")


async def _heartbeat_now(kiosk: Page) -> None:
    """What the kiosk's next heartbeat (every 15 s) would bring, without waiting for it."""
    await kiosk.evaluate("window.dispatchEvent(new Event('online'))")


async def _remaining(kiosk: Page) -> int:
    value = await kiosk.get_by_test_id("countdown").get_attribute("data-remaining-ms")
    return int(str(value))


async def test_the_proctor_follows_and_steers_a_participant_from_the_dashboard(
    live_server: LiveServer,
    live_proctor: LiveProctor,
    proctor_context: BrowserContext,
    browser: Browser,
) -> None:
    number = live_server.next_participant()
    dashboard = await _proctor_page(proctor_context, live_server, live_proctor)
    tile = dashboard.get_by_test_id(f"tile-{number}")
    await expect(tile).to_have_attribute("data-status", "not_logged_in")

    kiosk_context = await browser.new_context(viewport={"width": 1024, "height": 768})
    kiosk = await kiosk_context.new_page()
    await _kiosk_login(kiosk, live_server, number, start=True)
    await expect(tile).to_have_attribute("data-status", "working")
    await expect(tile.get_by_test_id("tile-answered")).to_have_text(re.compile(r"^0/\d+$"))
    await kiosk.get_by_test_id("option-B").click()
    await expect(kiosk.get_by_test_id("option-B")).to_have_attribute("data-selected", "true")
    await expect(tile.get_by_test_id("tile-answered")).to_have_text(re.compile(r"^1/\d+$"))
    await expect(tile.get_by_test_id("tile-section")).to_contain_text("Manajerial")

    # pause: the kiosk shows the pause screen and its clock stands still
    await _act(dashboard, number, "pause", "Peserta ke toilet")
    await expect(tile).to_have_attribute("data-status", "paused")
    await _heartbeat_now(kiosk)
    await expect(kiosk.get_by_test_id("pause-screen")).to_be_visible()
    # The push shows the pause at once; the heartbeat right after brings the server's frozen
    # time (a few ms off the kiosk's own count): read it once that has arrived.
    await asyncio.sleep(1)
    frozen = await _remaining(kiosk)
    await asyncio.sleep(2)
    assert await _remaining(kiosk) == frozen
    await expect(kiosk.get_by_test_id("countdown")).to_have_attribute("data-paused", "true")

    await _act(dashboard, number, "resume", "Peserta kembali")
    await expect(tile).to_have_attribute("data-status", "working")
    await _heartbeat_now(kiosk)
    await expect(kiosk.get_by_test_id("pause-screen")).to_be_hidden()

    # extra time: the kiosk's countdown grows
    before = await _remaining(kiosk)
    await _act(dashboard, number, "extra", "Komputer sempat mati", minutes="10")
    await _heartbeat_now(kiosk)
    deadline = time.monotonic() + 10
    while await _remaining(kiosk) < before + 9 * 60_000 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await _remaining(kiosk) >= before + 9 * 60_000

    # reset login: the participant continues on another workstation with every answer
    await _act(dashboard, number, "reset", "Pindah ke komputer cadangan")
    elsewhere = await browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = await elsewhere.new_page()
        await _kiosk_login(page, live_server, number, start=False)
        await expect(page.get_by_test_id("option-B")).to_have_attribute("data-selected", "true")
        await expect(tile).to_have_attribute("data-status", "working")
    finally:
        await elsewhere.close()
        await kiosk_context.close()


async def test_the_dashboard_at_1280x800(
    live_server: LiveServer,
    live_proctor: LiveProctor,
    proctor_context: BrowserContext,
    tmp_path: Path,
) -> None:
    async with (
        httpx.AsyncClient(base_url=live_server.base_url, timeout=10) as http,
        httpx.AsyncClient(base_url=live_server.base_url, timeout=10) as staff,
    ):
        await _staff(staff, live_proctor)
        numbers = [live_server.next_participant() for _ in range(8)]
        kiosks = [Kiosk(http, n, live_server.token) for n in numbers]
        for kiosk in kiosks[:7]:
            await kiosk.login()
        for n, kiosk in enumerate(kiosks[:5]):
            items = await kiosk.start()
            for item in items[: 3 + 3 * n]:
                await kiosk.answer(item, n % 4)
        paused, finished, quiet = kiosks[2], kiosks[3], kiosks[4]
        pause = await staff.post(
            f"/api/proctor/attempts/{paused.attempt_id}/pause", json={"reason": "Ke toilet"}
        )
        assert pause.status_code == 200
        assert (await finished.call("POST", "/finish")).status_code == 200
        gone = datetime.now(UTC) - timedelta(minutes=2)  # a kiosk silent for two minutes
        async with live_server.engine.begin() as conn:
            await conn.execute(
                update(Attempt).where(Attempt.id == quiet.attempt_id).values(last_seen_at=gone)
            )
            await conn.execute(
                update(Response)
                .where(Response.attempt_id == quiet.attempt_id)
                .values(saved_at=gone)
            )
        await Kiosk(http, numbers[6], live_server.token).login(expect_status=409)  # reset asked
        incident = await staff.post(
            f"/api/proctor/sittings/{live_server.sitting_id}/incidents",
            json={"note": "Proyektor mati 5 menit", "attempt_id": paused.attempt_id},
        )
        assert incident.status_code == 204
        tiles = (await staff.get(f"/api/proctor/sittings/{live_server.sitting_id}/tiles")).json()
        absent = next(t for t in tiles["tiles"] if t["number"] == numbers[7])
        marked = await staff.post(
            f"/api/proctor/sittings/{live_server.sitting_id}/enrollments/"
            f"{absent['enrollment_id']}/absent",
            json={"reason": "Sakit, surat dokter"},
        )
        assert marked.status_code == 204

    page = await _proctor_page(proctor_context, live_server, live_proctor)
    statuses = {
        numbers[0]: "working",
        numbers[2]: "paused",
        numbers[3]: "finished",
        numbers[4]: "disconnected",
        numbers[5]: "ready",
        numbers[7]: "absent",
    }
    for number, status in statuses.items():
        await expect(page.get_by_test_id(f"tile-{number}")).to_have_attribute("data-status", status)
    await expect(
        page.get_by_test_id(f"tile-{numbers[6]}").get_by_test_id("tile-reset")
    ).to_be_visible()
    await expect(page.get_by_test_id("incidents")).to_contain_text("Proyektor mati 5 menit")
    # The page counts what the server counts (other tests of this run use the room too).
    served = await page.request.get(
        f"{live_server.base_url}/api/proctor/sittings/{live_server.sitting_id}/tiles"
    )
    counted = (await served.json())["counters"]
    assert counted["registered"] == 30 and counted["logged_in"] >= 7
    for name, value in counted.items():
        await expect(page.get_by_test_id(f"counter-{name}").locator("b")).to_have_text(str(value))
    shot = tmp_path / "proctor-dashboard-1280x800.png"
    await page.screenshot(path=str(shot))
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1280×800
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":  # refreshes the picture in docs/
        target = Path(__file__).resolve().parents[2] / "docs" / "proctor-dashboard-1280x800.png"
        target.write_bytes(shot.read_bytes())

    await page.get_by_test_id("filter-status").select_option("paused")
    await expect(page.get_by_test_id(f"tile-{numbers[0]}")).to_have_class(re.compile("pd-dim"))
    await expect(page.get_by_test_id(f"tile-{numbers[2]}")).not_to_have_class(re.compile("pd-dim"))
    await page.get_by_test_id("filter-status").select_option("")
    await page.get_by_test_id("filter-search").fill(numbers[3])
    await expect(page.get_by_test_id("filter-matches")).to_contain_text("1 dari 30")

    await page.get_by_test_id("projector-open").click()
    projector = page.get_by_test_id("projector")
    await expect(projector).to_be_visible()
    token = await page.get_by_test_id("projector-token").text_content()
    assert token == live_server.token
    await expect(page.get_by_test_id("projector-clock")).to_have_text(
        re.compile(r"^\d\d:\d\d:\d\d WIB$")  # the room's zone (default Asia/Jakarta)
    )
    shown = str(await page.get_by_test_id("server-clock").text_content())
    wib = datetime.now(ZoneInfo("Asia/Jakarta"))
    hours = {(wib + timedelta(minutes=d)).strftime("%H") for d in (-1, 0, 1)}
    assert shown.endswith(" WIB") and shown[:2] in hours, shown  # not São Paulo's hour
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
        target = Path(__file__).resolve().parents[2] / "docs" / "proctor-projector-1280x800.png"
        await page.screenshot(path=str(target))
    await page.get_by_test_id("projector-rotate").click()  # one click, in front of the room
    await expect(page.get_by_test_id("projector-token")).not_to_have_text(live_server.token)
    rotated = str(await page.get_by_test_id("projector-token").text_content())
    assert re.fullmatch(r"[A-Z2-9]{6}", rotated)
    live_server.token = rotated  # the old one works only for a short grace now
    await expect(page.get_by_test_id("token")).to_have_text(rotated)
    await page.get_by_test_id("projector-exit").click()
    await expect(projector).to_be_hidden()


async def test_open_dashboards_hold_no_database_connection(
    second_server: str, live_server: LiveServer, live_proctor: LiveProctor
) -> None:
    """More streams than the server's connection pool (10 + 10): the requests still get served,
    because a stream gives its request's session back before it starts."""
    url = f"/api/proctor/sittings/{live_server.sitting_id}/events"
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
    async with httpx.AsyncClient(base_url=second_server, timeout=10, limits=limits) as http:
        await _staff(http, live_proctor)
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(25):
                response = await stack.enter_async_context(http.stream("GET", url, headers=SSE))
                async with asyncio.timeout(10):
                    name, _, _ = await anext(_sse(response))
                assert name == "snapshot"
            started = time.monotonic()
            tiles = await http.get(f"/api/proctor/sittings/{live_server.sitting_id}/tiles")
            assert tiles.status_code == 200 and time.monotonic() - started < 5
