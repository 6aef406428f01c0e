"""The proctor's dashboard of a full 40-seat lab mid-exam on a 1024×768 screen (issue 14):
every name whole, the section readable, last-seen not clipped, nothing overflowing; the actions
each tile offers follow its state; a closed attempt's tile links to its individual report; a
participant's repeated wrong logins show on the tile and the proctor's reset clears them
(issue 13). CACT_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/dashboard-40-seats.png."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.exam.models import Attempt, Response, SittingProctor
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.participants.models import Participant
from tests.browser.conftest import _start_server, _stop_server, _wait_ready
from tests.conftest import load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import open_sitting

SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "dashboard-40-seats.png"
LONG_NAMES = {
    0: "Dr. Hj. Sri Wahyuningsih Rahmawati, M.Pd.",
    9: "Ir. Bambang Tri Hartono Simanjuntak, M.T.",
    17: "Ni Luh Putu Ayu Kartika Dewi, S.Kep., Ns.",
}


@dataclass
class Room:
    base_url: str
    engine: AsyncEngine
    sitting_id: int
    token: str
    numbers: list[str]


@pytest.fixture(scope="module")
async def room(pg_server: TestServer) -> AsyncIterator[Room]:
    url = await recreate_database(pg_server, "cact_room40")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=2, max_overflow=2)
    async with create_sessionmaker(engine)() as db, db.begin():
        opened = await open_sitting(db, participants=40)
        for n, name in LONG_NAMES.items():
            await db.execute(
                update(Participant)
                .where(Participant.participant_no == opened.participant_nos[n])
                .values(name=name)
            )
        proctor = await create_staff(db, "proctor", username="pengawas-lab")
        proctor.full_name = "Sri Wahyuni"
        db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=proctor.id))
        await create_staff(db, "admin", username="admin-lab")
        sitting_id, token, numbers = opened.sitting.id, opened.token, opened.participant_nos
    base, process = _start_server(url)
    try:
        await asyncio.to_thread(_wait_ready, base, process)
        yield Room(base, engine, sitting_id, token, numbers)
    finally:
        _stop_server(process)
        await engine.dispose()


class Kiosk:
    def __init__(self, http: httpx.AsyncClient, number: str, token: str) -> None:
        self.http, self.number, self.token = http, number, token
        self.headers: dict[str, str] = {}
        self.attempt_id = 0
        self.seq = 0

    async def login(self, expect_status: int = 200) -> None:
        response = await self.http.post(
            "/api/kiosk/v1/login", json={"participant_no": self.number, "token": self.token}
        )
        assert response.status_code == expect_status, response.text
        if expect_status == 200:
            self.headers = {"Authorization": f"Bearer {response.json()['kiosk_token']}"}
            self.attempt_id = int(response.json()["attempt_id"])

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(
            method, f"/api/kiosk/v1{path}", headers=self.headers, **kwargs
        )

    async def answer_some(self, count: int) -> None:
        assert (await self.call("POST", "/attempt/start")).status_code == 200
        attempt = (await self.call("GET", "/attempt")).json()
        section = (await self.call("GET", f"/sections/{attempt['current_section_id']}")).json()
        for item in section["items"][:count]:
            self.seq += 1
            body = {"option_id": item["options"][0]["option_id"], "doubtful": False}
            saved = await self.call(
                "PUT", f"/answers/{item['item_id']}", json={**body, "seq": self.seq}
            )
            assert saved.status_code == 200, saved.text


async def _staff(http: httpx.AsyncClient, username: str) -> None:
    response = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def _mid_exam(room: Room) -> dict[str, str]:
    """36 came, 30 working at different paces; a pause, two finished, one terminated, one gone
    quiet, one asking for a reset, one typing the wrong token, three not here yet, one absent."""
    n = room.numbers
    async with (
        httpx.AsyncClient(base_url=room.base_url, timeout=20) as http,
        httpx.AsyncClient(base_url=room.base_url, timeout=20) as staff,
    ):
        await _staff(staff, "pengawas-lab")
        kiosks = [Kiosk(http, number, room.token) for number in n[:36]]
        for kiosk in kiosks:
            await kiosk.login()
        for i, kiosk in enumerate(kiosks[:34]):
            await kiosk.answer_some(2 + (i * 7) % 25)
        attempts = "/api/proctor/attempts"
        paused = await staff.post(
            f"{attempts}/{kiosks[5].attempt_id}/pause", json={"reason": "Ke toilet"}
        )
        assert paused.status_code == 200, paused.text
        for done in (kiosks[12], kiosks[27]):
            assert (await done.call("POST", "/finish")).status_code == 200
        ended = await staff.post(
            f"{attempts}/{kiosks[20].attempt_id}/terminate", json={"reason": "Membuka catatan"}
        )
        assert ended.status_code == 200, ended.text
        await Kiosk(http, n[30], room.token).login(expect_status=409)  # asks for a reset
        for _ in range(12):
            wrong = await http.post(
                "/api/kiosk/v1/login", json={"participant_no": n[36], "token": "ZZZZZZ"}
            )
            assert wrong.status_code in (401, 429)
        tiles = (await staff.get(f"/api/proctor/sittings/{room.sitting_id}/tiles")).json()
        absent = next(t for t in tiles["tiles"] if t["number"] == n[39])
        marked = await staff.post(
            f"/api/proctor/sittings/{room.sitting_id}/enrollments/{absent['enrollment_id']}/absent",
            json={"reason": "Sakit"},
        )
        assert marked.status_code == 204, marked.text
    gone = datetime.now(UTC) - timedelta(minutes=3)
    async with room.engine.begin() as conn:
        quiet = kiosks[8].attempt_id
        await conn.execute(update(Attempt).where(Attempt.id == quiet).values(last_seen_at=gone))
        await conn.execute(
            update(Response).where(Response.attempt_id == quiet).values(saved_at=gone)
        )
    return {
        "working": n[1],
        "long_name": n[0],
        "paused": n[5],
        "disconnected": n[8],
        "finished": n[12],
        "terminated": n[20],
        "reset": n[30],
        "failures": n[36],
        "not_logged_in": n[37],
        "absent": n[39],
    }


async def _dashboard(browser: Browser, room: Room, username: str) -> Page:
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    page = await context.new_page()
    await page.goto(f"{room.base_url}/login?next=/proctor/sittings/{room.sitting_id}")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await expect(page.get_by_test_id("dashboard")).to_be_visible()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    return page


async def _clipped(page: Page) -> list[str]:
    """Texts on the tiles that do not fit their box (cut or overflowing)."""
    found: list[str] = await page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll('.pd-tile .pd-name, .pd-tile .pd-sec,'
              + ' .pd-tile .pd-seen, .pd-tile .pd-time, .pd-tile .pd-chip, .pd-tile .pd-no,'
              + ' .pd-tile .pd-fail')) {
            if (el.offsetParent === null || !el.textContent) continue;
            if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
              out.push(el.className + ': ' + el.textContent);
            const tile = el.closest('.pd-tile').getBoundingClientRect();
            const box = el.getBoundingClientRect();
            if (box.right > tile.right + 1 || box.bottom > tile.bottom + 1)
              out.push('outside ' + el.className + ': ' + el.textContent);
          }
          return out;
        }"""
    )
    return found


async def test_a_40_seat_room_mid_exam_is_legible_at_1024x768(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    who = await _mid_exam(room)
    page = await _dashboard(browser, room, "pengawas-lab")
    for name in ("paused", "disconnected", "finished", "absent", "not_logged_in"):
        await expect(page.get_by_test_id(f"tile-{who[name]}")).to_have_attribute(
            "data-status", name
        )
    long_tile = page.get_by_test_id(f"tile-{who['long_name']}")
    await expect(long_tile.get_by_test_id("tile-name")).to_have_text(LONG_NAMES[0])
    await expect(
        page.get_by_test_id(f"tile-{who['working']}").get_by_test_id("tile-section")
    ).to_contain_text("Manajerial")
    failures = page.get_by_test_id(f"tile-{who['failures']}").get_by_test_id("tile-failures")
    await expect(failures).to_be_visible()
    await expect(failures).to_contain_text("12")
    await page.wait_for_timeout(300)
    shot = tmp_path / SHOT.name
    await page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":  # refreshes the picture in docs/
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        SHOT.write_bytes(shot.read_bytes())
    assert await _clipped(page) == []
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1024 px

    # A wrong login made now reaches the tile by itself (pushed, no reload).
    live_one = page.get_by_test_id(f"tile-{who['not_logged_in']}").get_by_test_id("tile-failures")
    await expect(live_one).to_be_hidden()
    async with httpx.AsyncClient(base_url=room.base_url, timeout=10) as http:
        wrong = await http.post(
            "/api/kiosk/v1/login", json={"participant_no": who["not_logged_in"], "token": "ZZZZZZ"}
        )
        assert wrong.status_code == 401
    await expect(live_one).to_contain_text("1×", timeout=5000)

    # The actions offered follow the state: nothing but the register's for someone not here.
    await page.get_by_test_id(f"tile-{who['not_logged_in']}").click()
    actions = page.get_by_test_id("dialog")
    await expect(actions).to_be_visible()
    assert await actions.get_by_test_id("act-extra").count() == 0
    assert await actions.get_by_test_id("act-terminate").count() == 0
    await expect(actions.get_by_test_id("act-absent")).to_be_visible()
    await page.keyboard.press("Escape")

    # The reset clears the wrong tries from the tile (and lifts the wait).
    await page.get_by_test_id(f"tile-{who['failures']}").click()
    await page.get_by_test_id("act-reset").click()
    await page.get_by_test_id("dialog-reason").fill("Salah ketik token")
    await page.get_by_test_id("dialog-submit").click()
    await expect(page.get_by_test_id("toast")).to_contain_text("Berhasil")
    await expect(failures).to_be_hidden()
    async with httpx.AsyncClient(base_url=room.base_url, timeout=10) as http:
        await Kiosk(http, who["failures"], room.token).login()
    await page.context.close()


async def test_a_closed_attempt_links_to_its_report_and_the_closed_room_offers_no_token_change(
    room: Room, browser: Browser
) -> None:
    page = await _dashboard(browser, room, "admin-lab")
    finished = page.get_by_test_id(f"tile-{room.numbers[12]}")
    await expect(finished).to_have_attribute("data-status", "finished")
    link = finished.get_by_test_id("tile-report")
    await expect(link).to_be_visible()
    href = await link.get_attribute("href")
    assert href is not None and re.fullmatch(r"/reports/attempts/\d+", href)
    report = await page.request.get(room.base_url + href)
    assert report.status == 200 and "Laporan" in await report.text()
    working = page.get_by_test_id(f"tile-{room.numbers[1]}")
    await expect(working.get_by_test_id("tile-report")).to_be_hidden()  # none before the end

    async with httpx.AsyncClient(base_url=room.base_url, timeout=20) as staff:
        await _staff(staff, "pengawas-lab")
        closed = await staff.post(
            f"/api/proctor/sittings/{room.sitting_id}/close", json={"reason": "Waktu habis"}
        )
        assert closed.status_code == 200, closed.text
        refused = await staff.post(f"/api/proctor/sittings/{room.sitting_id}/token/rotate", json={})
        assert refused.status_code == 409 and refused.json()["error"] == "sitting_closed"
    await expect(page.get_by_test_id("sitting-status")).to_have_attribute("data-status", "closed")
    await expect(page.get_by_test_id("rotate-token")).to_be_hidden()  # not offered after the close
    await page.context.close()


async def test_a_waiting_kiosk_says_how_many_seconds_to_wait(room: Room, browser: Browser) -> None:
    number = room.numbers[38]
    async with httpx.AsyncClient(base_url=room.base_url, timeout=10) as http:
        for _ in range(10):  # the free tries, from this workstation's address
            await http.post(
                "/api/kiosk/v1/login", json={"participant_no": number, "token": "ZZZZZZ"}
            )
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    try:
        page = await context.new_page()
        await page.goto(f"{room.base_url}/kiosk")
        await page.get_by_test_id("login-participant-no").fill(number)
        await page.get_by_test_id("login-token").fill(room.token)
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("login-error")).to_contain_text(
            re.compile(r"Coba lagi dalam \d+ detik")
        )
    finally:
        await context.close()
