"""The break between sections in a real Chromium against a real server process (issue 13):
the transition screen counts the server's break down, a reload shows the same countdown, and the
next section starts by itself when the break ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select, update

from cact.exam.models import Attempt, AttemptSection
from cact.participants.models import Participant
from tests.browser.conftest import LiveServer

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def _started(page: Page, live: LiveServer, participant_no: str) -> int:
    await page.goto(f"{live.base_url}/kiosk")
    await page.get_by_test_id("login-participant-no").fill(participant_no)
    await page.get_by_test_id("login-token").fill(live.token)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("confirm-yes").click()
    await page.get_by_test_id("start-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    async with live.engine.connect() as conn:
        attempt_id = await conn.scalar(
            select(Attempt.id)
            .join(Participant, Participant.id == Attempt.participant_id)
            .where(
                Participant.participant_no == participant_no,
                Attempt.sitting_id == live.sitting_id,  # other tests' sittings share the db
            )
        )
    assert attempt_id is not None
    return int(attempt_id)


async def _break_before_second(live: LiveServer, attempt_id: int, ms: int) -> None:
    """This attempt's blueprint schedules a break of ``ms`` after its first section."""
    async with live.engine.begin() as conn:
        await conn.execute(
            update(AttemptSection)
            .where(AttemptSection.attempt_id == attempt_id, AttemptSection.position == 2)
            .values(break_ms=ms)
        )


async def _second(live: LiveServer, attempt_id: int) -> AttemptSection:
    async with live.engine.connect() as conn:
        row = (
            await conn.execute(
                select(AttemptSection).where(
                    AttemptSection.attempt_id == attempt_id, AttemptSection.position == 2
                )
            )
        ).one()
    return AttemptSection(**row._mapping)


async def _submit_first(page: Page) -> None:
    await page.get_by_test_id("submit-section").click()
    await page.get_by_test_id("confirm-submit-section").click()
    await expect(page.get_by_test_id("transition-screen")).to_be_visible()


async def _left(page: Page) -> int:
    return int(str(await page.get_by_test_id("break-countdown").get_attribute("data-remaining-ms")))


async def test_the_break_counts_down_and_the_next_section_starts_by_itself(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    page = await kiosk_context.new_page()
    attempt_id = await _started(page, live_server, live_server.next_participant())
    await _break_before_second(live_server, attempt_id, 4_000)
    await _submit_first(page)
    countdown = page.get_by_test_id("break-countdown")
    await expect(countdown).to_be_visible()
    first = await _left(page)
    assert 0 < first <= 4_000
    await asyncio.sleep(1)
    assert await _left(page) < first  # it counts down
    # Nobody presses anything: when the break ends, the next section's page opens.
    await expect(page.get_by_test_id("exam")).to_be_visible(timeout=10_000)
    await expect(page.get_by_test_id("section-title")).to_have_text("Sosial Kultural")
    second = await _second(live_server, attempt_id)
    assert second.status == "open" and second.started_at == second.break_ends_at
    shown = int(str(await page.get_by_test_id("countdown").get_attribute("data-remaining-ms")))
    assert second.time_limit_ms - 5_000 < shown <= second.time_limit_ms


async def test_the_click_ends_the_break_and_starts_the_clock(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    page = await kiosk_context.new_page()
    attempt_id = await _started(page, live_server, live_server.next_participant())
    await _break_before_second(live_server, attempt_id, 600_000)
    await _submit_first(page)
    await expect(page.get_by_test_id("break-countdown")).to_be_visible()
    await page.get_by_test_id("continue-button").click()
    await expect(page.get_by_test_id("exam")).to_be_visible()
    second = await _second(live_server, attempt_id)
    assert second.status == "open" and second.break_ends_at is not None
    assert second.started_at is not None and second.started_at < second.break_ends_at


async def test_a_reload_shows_the_same_break_countdown_at_1024x768(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    page = await kiosk_context.new_page()
    attempt_id = await _started(page, live_server, live_server.next_participant())
    await _break_before_second(live_server, attempt_id, 15 * 60_000)  # a scheduled long break
    await _submit_first(page)
    await expect(page.get_by_test_id("break-countdown")).to_be_visible()
    before = await _left(page)
    await asyncio.sleep(1.5)
    await page.reload()
    await expect(page.get_by_test_id("break-countdown")).to_be_visible()
    after = await _left(page)
    assert 1_000 <= before - after <= 4_000  # the server's break, not a fresh one
    await page.screenshot(path=str(DOCS / "kiosk-break-1024x768.png"))
