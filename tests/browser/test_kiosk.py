"""The kiosk page in a real Chromium against a real server process (SPEC §3)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import func, select, update

from cact.exam.models import Attempt, AttemptSection, Response
from cact.participants.models import Participant
from tests.browser.conftest import LiveServer


async def _login(page: Page, live: LiveServer, participant_no: str) -> None:
    await page.goto(f"{live.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(participant_no)
    await page.get_by_test_id("login-token").fill(live.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()


async def _attempt(live: LiveServer, participant_no: str) -> Attempt:
    async with live.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Attempt)
                .join(Participant, Participant.id == Attempt.participant_id)
                .where(
                    Participant.participant_no == participant_no,
                    Attempt.sitting_id == live.sitting_id,  # other tests' sittings share the db
                )
            )
        ).one()
    return Attempt(**row._mapping)


async def _saved(live: LiveServer, attempt_id: int) -> dict[int, int | None]:
    async with live.engine.connect() as conn:
        rows = await conn.execute(
            select(Response.attempt_item_id, Response.option_id).where(
                Response.attempt_id == attempt_id
            )
        )
        return {item: option for item, option in rows.all()}


async def _answer_current(page: Page, label: str) -> None:
    option = page.get_by_test_id(f"option-{label}")
    await option.click()
    await expect(option).to_have_attribute("data-selected", "true")


async def test_a_participant_sits_the_whole_test(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    number = live_server.next_participant()
    page = await kiosk_context.new_page()
    await _login(page, live_server, number)
    await expect(page.get_by_test_id("section-title")).to_have_text("Manajerial")
    number_on_screen = page.get_by_test_id("question-number")
    answered = 0
    for section_items in (16, 3, 10):
        for n in range(section_items):
            answered += 1
            await expect(number_on_screen).to_contain_text(str(answered))
            label = "ABCD"[n % 4]
            await page.keyboard.press(label.lower())  # the A-D keys choose options
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
    attempt = await _attempt(live_server, number)
    assert attempt.status == "submitted"
    saved = await _saved(live_server, attempt.id)
    assert len(saved) == 29 and all(option is not None for option in saved.values())


async def test_answers_given_offline_reach_the_database_when_the_network_returns(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    number = live_server.next_participant()
    page = await kiosk_context.new_page()
    await _login(page, live_server, number)
    attempt = await _attempt(live_server, number)

    await kiosk_context.set_offline(True)
    chosen: dict[int, str] = {}
    for n in range(5):
        option = page.get_by_test_id("option-B")
        await option.click()
        chosen[n + 1] = str(await option.get_attribute("data-option-id"))
        await page.get_by_test_id("next").click()
    status = page.get_by_test_id("save-status")
    await expect(status).to_have_attribute("data-state", "offline")
    await expect(status).to_have_attribute("data-pending", "5")
    assert await _saved(live_server, attempt.id) == {}

    await kiosk_context.set_offline(False)
    await expect(status).to_have_attribute("data-state", "saved", timeout=20_000)
    saved = await _saved(live_server, attempt.id)
    assert sorted(str(option) for option in saved.values()) == sorted(chosen.values())


async def test_reloading_mid_section_keeps_the_timer_and_the_answers(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    number = live_server.next_participant()
    page = await kiosk_context.new_page()
    await _login(page, live_server, number)
    await _answer_current(page, "C")
    await expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    countdown = page.get_by_test_id("countdown")
    before = int(str(await countdown.get_attribute("data-remaining-ms")))
    read_at = time.monotonic()
    await asyncio.sleep(2)

    await page.reload()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    await expect(page.get_by_test_id("option-C")).to_have_attribute("data-selected", "true")
    after = int(str(await countdown.get_attribute("data-remaining-ms")))
    elapsed_ms = (time.monotonic() - read_at) * 1000
    assert before - after >= 1_500  # the clock kept running across the reload
    assert abs((before - elapsed_ms) - after) < 1_500  # and shows what the server says is left


async def test_a_browser_closed_through_the_deadline_has_its_section_closed_by_the_server(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    number = live_server.next_participant()
    page = await kiosk_context.new_page()
    await _login(page, live_server, number)
    await _answer_current(page, "A")
    await expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    attempt = await _attempt(live_server, number)
    async with live_server.engine.begin() as conn:
        await conn.execute(
            update(AttemptSection)
            .where(AttemptSection.attempt_id == attempt.id, AttemptSection.status == "open")
            .values(deadline_at=datetime.now(UTC) + timedelta(seconds=2))
        )
        await conn.execute(  # a short break before the next section (the demo's is 2 minutes)
            update(AttemptSection)
            .where(AttemptSection.attempt_id == attempt.id, AttemptSection.position == 2)
            .values(break_ms=2_000)
        )
    await kiosk_context.close()  # the participant's browser is gone

    deadline = time.monotonic() + 20
    statuses: list[tuple[str, str | None]] = []
    while time.monotonic() < deadline:
        async with live_server.engine.connect() as conn:
            rows = await conn.execute(
                select(AttemptSection.status, AttemptSection.close_reason)
                .where(AttemptSection.attempt_id == attempt.id)
                .order_by(AttemptSection.position)
            )
            statuses = [(s, r) for s, r in rows.all()]
        if statuses[1][0] == "open":
            break
        await asyncio.sleep(0.5)
    assert statuses[0] == ("closed", "deadline")
    assert statuses[1][0] == "open"  # after its break the next section started by itself
    assert len(await _saved(live_server, attempt.id)) == 1  # the answer given before is kept


async def test_the_question_page_at_1024x768(
    live_server: LiveServer, kiosk_context: BrowserContext, tmp_path: Path
) -> None:
    number = live_server.next_participant()
    page = await kiosk_context.new_page()
    await _login(page, live_server, number)
    await _answer_current(page, "B")
    await page.get_by_test_id("doubtful-toggle").check()
    await page.get_by_test_id("next").click()
    shot = tmp_path / "kiosk-question-1024x768.png"
    await page.screenshot(path=str(shot))
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1024×768
    assert shot.stat().st_size > 10_000
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":  # refreshes the picture in docs/
        target = Path(__file__).resolve().parents[2] / "docs" / "kiosk-question-1024x768.png"
        target.write_bytes(shot.read_bytes())
    counts = await _count_items(live_server)
    assert counts > 0


async def _count_items(live: LiveServer) -> int:
    async with live.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Response))).scalar() or 0)
