"""The whole kiosk protocol under "Safe Exam Browser required" (issue 22), in Chromium with the
headers SEB would send injected into every request, each computed for that request's URL from
the Config Key of the .seb file CACT wrote (recomputed by tests/lockdown/seb_reference.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cact.audit.models import AuditEvent
from cact.exam.models import Attempt, Response, SittingProctor
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.participants.models import Participant
from tests.browser.conftest import CACT, _stop_server, _wait_ready
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import open_sitting
from tests.lockdown import seb_reference as ref

PORT = 8731  # this suite's own server (the helper's port range 8700-8799)
BASE = f"http://127.0.0.1:{PORT}"
DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass
class SebRoom:
    base_url: str
    engine: AsyncEngine
    token: str
    participant_nos: list[str]
    sitting_id: int
    config_key: str


async def _seb_policy(sitting_id: int) -> str:
    """The admin requires SEB and downloads the .seb file: its Config Key, from the file."""
    async with httpx.AsyncClient(base_url=BASE, timeout=10) as http:
        logged = await http.post(
            "/api/auth/login", json={"username": "admin-seb", "password": PASSWORD}
        )
        assert logged.status_code == 200, logged.text
        http.headers["X-CSRF-Token"] = logged.json()["csrf_token"]
        put = await http.put(
            f"/api/sittings/{sitting_id}/browser-policy",
            json={"kind": "seb", "check_config_key": True, "quit_password": "keluar-lab"},
        )
        assert put.status_code == 200, put.text
        seb_file = await http.get(f"/api/sittings/{sitting_id}/seb-config")
        assert seb_file.status_code == 200, seb_file.text
    key = ref.config_key(ref.settings_from_file(seb_file.content))
    assert key == put.json()["config_key"]
    return key


@pytest.fixture(scope="module")
async def seb_room(pg_server: TestServer) -> AsyncIterator[SebRoom]:
    url = await recreate_database(pg_server, "cact_lockdown")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=2, max_overflow=2)
    async with create_sessionmaker(engine)() as db, db.begin():
        opened = await open_sitting(db, participants=8)
        await create_staff(db, "admin", username="admin-seb")
        proctor = await create_staff(db, "proctor", username="pengawas-seb")
        db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=proctor.id))
    env = {
        **os.environ,
        "CACT_DATABASE_URL": url,
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
        "CACT_PUBLIC_BASE_URL": BASE,
        "CACT_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen([CACT, "serve", "--host", "127.0.0.1", "--port", str(PORT)], env=env)
    try:
        await asyncio.to_thread(_wait_ready, BASE, process)
        key = await _seb_policy(opened.sitting.id)
        yield SebRoom(BASE, engine, opened.token, opened.participant_nos, opened.sitting.id, key)
    finally:
        _stop_server(process)
        await engine.dispose()


async def as_seb(context: BrowserContext, config_key: str) -> None:
    """What SEB does: on every request, SHA-256(the request's absolute URL + Config Key)."""

    async def add_headers(route: Route) -> None:
        request = route.request
        headers = {**request.headers, **ref.headers_for(request.url, config_key=config_key)}
        await route.continue_(headers=headers)

    await context.route(f"{BASE}/**", add_headers)


async def _sit_the_test(page: Page, room: SebRoom, number: str) -> None:
    await page.goto(f"{room.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(number)
    await page.get_by_test_id("login-token").fill(room.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    answered = 0
    for section_items in (16, 3, 10):
        for n in range(section_items):
            answered += 1
            await expect(page.get_by_test_id("question-number")).to_contain_text(str(answered))
            label = "ABCD"[n % 4]
            await page.keyboard.press(label.lower())
            await expect(page.get_by_test_id(f"option-{label}")).to_have_attribute(
                "data-selected", "true"
            )
            if n < section_items - 1:
                await page.get_by_test_id("next").click()
        await expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
        if answered < 29:
            await page.get_by_test_id("submit-section").click()
            await page.get_by_test_id("confirm-submit-section").click()
            await page.get_by_test_id("continue-button").click()
    await page.get_by_test_id("finish-button").click()
    await page.get_by_test_id("confirm-finish").click()
    await expect(page.get_by_test_id("finished-screen")).to_be_visible()


async def _attempt(room: SebRoom, number: str) -> tuple[Attempt, int]:
    async with room.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Attempt)
                .join(Participant, Participant.id == Attempt.participant_id)
                .where(Participant.participant_no == number)
            )
        ).one()
        attempt = Attempt(**row._mapping)
        saved = (
            await conn.execute(select(Response.option_id).where(Response.attempt_id == attempt.id))
        ).all()
    return attempt, sum(1 for (option,) in saved if option is not None)


async def test_a_plain_browser_is_told_to_use_seb(
    seb_room: SebRoom, kiosk_context: BrowserContext
) -> None:
    page = await kiosk_context.new_page()
    await page.goto(f"{seb_room.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[0])
    await page.get_by_test_id("login-token").fill(seb_room.token)
    await page.get_by_test_id("login-submit").click()
    message = page.get_by_text("Safe Exam Browser (SEB)", exact=False)
    await expect(message).to_be_visible()
    await expect(message).to_contain_text("Browser ini bukan SEB")
    await page.screenshot(path=str(DOCS / "kiosk-browser-refused-1024x768.png"))
    async with seb_room.engine.connect() as conn:
        refusals = (
            await conn.execute(
                select(AuditEvent.reason).where(AuditEvent.action == "attempt.browser_refused")
            )
        ).all()
    assert ("seb_required",) in refusals


async def test_the_whole_protocol_in_seb(seb_room: SebRoom, kiosk_context: BrowserContext) -> None:
    await as_seb(kiosk_context, seb_room.config_key)
    page = await kiosk_context.new_page()
    number = seb_room.participant_nos[1]
    await _sit_the_test(page, seb_room, number)
    attempt, answered = await _attempt(seb_room, number)
    assert attempt.status == "submitted" and answered == 29


async def test_seb_with_another_configuration_is_refused(
    seb_room: SebRoom, kiosk_context: BrowserContext
) -> None:
    await as_seb(kiosk_context, "f" * 64)
    page = await kiosk_context.new_page()
    await page.goto(f"{seb_room.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[2])
    await page.get_by_test_id("login-token").fill(seb_room.token)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_text("Config Key tidak cocok", exact=False)).to_be_visible()


async def test_the_javascript_route_in_a_seb_build_without_headers(
    seb_room: SebRoom, kiosk_context: BrowserContext
) -> None:
    page_url = f"{seb_room.base_url}/kiosk"
    # SafeExamBrowser.security as SEB's modern WebView sets it: the keys hashed with the page URL
    script = (
        "window.SafeExamBrowser = {version: 'SEB_macOS_3.4_test', security: {"
        f"configKey: '{ref.request_hash(page_url, seb_room.config_key)}',"
        f"browserExamKey: '{ref.request_hash(page_url, '0' * 64)}'}}}};"
    )
    await kiosk_context.add_init_script(script)
    page = await kiosk_context.new_page()
    await page.goto(page_url)
    await page.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[3])
    await page.get_by_test_id("login-token").fill(seb_room.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    await page.keyboard.press("b")
    await expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    _, answered = await _attempt(seb_room, seb_room.participant_nos[3])
    assert answered == 1


async def test_a_kiosk_that_leaves_seb_mid_test_sees_which_browser_to_use(
    seb_room: SebRoom, kiosk_context: BrowserContext
) -> None:
    await as_seb(kiosk_context, seb_room.config_key)
    page = await kiosk_context.new_page()
    await page.goto(f"{seb_room.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[4])
    await page.get_by_test_id("login-token").fill(seb_room.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    await kiosk_context.unroute(f"{BASE}/**")  # from now on, requests without SEB's headers
    await page.keyboard.press("c")
    screen = page.get_by_test_id("browser-refused")
    await expect(screen).to_be_visible()
    await expect(page.get_by_test_id("browser-refused-text")).to_contain_text("Safe Exam Browser")
    await page.screenshot(path=str(DOCS / "kiosk-browser-refused-mid-test-1024x768.png"))
    # the answer is kept, not dropped: back in SEB, "Coba lagi" sends it
    await expect(page.get_by_test_id("browser-refused")).to_be_visible()
    await as_seb(kiosk_context, seb_room.config_key)
    await page.get_by_test_id("browser-refused-retry").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    await expect(page.get_by_test_id("save-status")).to_have_attribute(
        "data-state", "saved", timeout=20_000
    )
    _, answered = await _attempt(seb_room, seb_room.participant_nos[4])
    assert answered == 1


async def test_the_proctor_s_tile_says_browser_not_allowed_with_the_reason(
    seb_room: SebRoom, proctor_context: BrowserContext, browser: Browser
) -> None:
    dashboard = await proctor_context.new_page()
    await dashboard.goto(f"{BASE}/login?next=/proctor/sittings/{seb_room.sitting_id}")
    await dashboard.locator('input[name="username"]').fill("pengawas-seb")
    await dashboard.locator('input[name="password"]').fill(PASSWORD)
    await dashboard.locator('main button[type="submit"]').click()
    await expect(dashboard.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    number = seb_room.participant_nos[5]
    tile = dashboard.get_by_test_id(f"tile-{number}")
    await expect(tile).to_have_attribute("data-browser-refused", "")

    plain = await browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        kiosk = await plain.new_page()
        await kiosk.goto(f"{BASE}/kiosk")
        await kiosk.get_by_test_id("login-participant-no").fill(number)
        await kiosk.get_by_test_id("login-token").fill(seb_room.token)
        await kiosk.get_by_test_id("login-submit").click()
        await expect(tile).to_have_attribute("data-browser-refused", "seb_required")
        await expect(tile.get_by_test_id("tile-reset")).to_have_text(
            "Browser tidak diizinkan: bukan SEB"
        )
    finally:
        await plain.close()


async def test_the_admin_sees_the_config_key_start_and_quit_urls_on_the_sitting_page(
    seb_room: SebRoom, kiosk_context: BrowserContext
) -> None:
    page = await kiosk_context.new_page()
    await page.goto(f"{BASE}/login?next=/admin/sittings/{seb_room.sitting_id}")
    await page.locator('input[name="username"]').fill("admin-seb")
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    section = page.get_by_test_id("browser-policy")
    await expect(section).to_be_visible()
    await expect(page.get_by_test_id("browser-config-key")).to_have_text(seb_room.config_key)
    await expect(page.get_by_test_id("browser-start-url")).to_have_text(f"{BASE}/kiosk")
    await section.scroll_into_view_if_needed()
    await page.evaluate("document.getElementById('browser').scrollIntoView()")
    await page.screenshot(path=str(DOCS / "admin-browser-policy-1024x768.png"))


async def test_an_exam_browser_app_opened_from_the_sitting_s_link(
    seb_room: SebRoom, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=BASE, timeout=10) as http:
        logged = await http.post(
            "/api/auth/login", json={"username": "admin-seb", "password": PASSWORD}
        )
        http.headers["X-CSRF-Token"] = logged.json()["csrf_token"]
        put = await http.put(
            f"/api/sittings/{seb_room.sitting_id}/browser-policy",
            json={"kind": "exam_app", "user_agent_marker": "ExamBrowser"},
        )
        assert put.status_code == 200, put.text
    start_url = put.json()["start_url"]
    await asyncio.sleep(3.5)  # another worker's change is seen within the policy cache's 3 s
    app_ua = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/120 Mobile ExamBrowser/4"
    context = await browser.new_context(
        viewport={"width": 1024, "height": 768}, user_agent=app_ua, locale="id-ID"
    )
    try:
        page = await context.new_page()
        await page.goto(start_url)
        await page.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[6])
        await page.get_by_test_id("login-token").fill(seb_room.token)
        await page.get_by_test_id("login-submit").click()
        await page.get_by_test_id("confirm-yes").click()
        await page.get_by_test_id("start-button").click()
        await expect(page.get_by_test_id("exam")).to_be_visible()
        await page.keyboard.press("a")  # later calls carry the secret from the start URL
        await expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    finally:
        await context.close()
    # the same app at the plain kiosk address (no secret) is refused, naming the app
    context = await browser.new_context(
        viewport={"width": 1024, "height": 768}, user_agent=app_ua, locale="id-ID"
    )
    try:
        other = await context.new_page()
        await other.goto(f"{BASE}/kiosk")
        await other.get_by_test_id("login-participant-no").fill(seb_room.participant_nos[7])
        await other.get_by_test_id("login-token").fill(seb_room.token)
        await other.get_by_test_id("login-submit").click()
        await expect(other.get_by_text("aplikasi Exam Browser", exact=False)).to_be_visible()
    finally:
        await context.close()
