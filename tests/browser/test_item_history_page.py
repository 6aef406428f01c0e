"""The item's exposure and history page in Chromium at 1024×768, on three closed sittings
that share items: reached from the item page, the drifting version's table fits the screen,
and the bank's exposure overview lists it. Screenshot (CACT_UPDATE_SCREENSHOTS=1):
docs/screenshots/item-history-1024x768.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, expect

from cact.kit.db import create_sessionmaker
from tests.analysis.exposure_support import shared_sittings
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_staff

SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "item-history-1024x768.png"


async def test_the_item_history_page_at_1024x768(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        shared = await shared_sittings(db, prefix="HIST")
        await create_staff(db, "editor", username="editor-history")
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    try:
        page = await context.new_page()
        url = f"/editor/items/{shared.item('D')}"
        await page.goto(f"{live_server.base_url}/login?next={url}")
        await page.locator('input[name="username"]').fill("editor-history")
        await page.locator('input[name="password"]').fill(PASSWORD)
        await page.locator('main button[type="submit"]').click()
        await page.get_by_test_id("history-link").click()
        await page.wait_for_url(f"**/editor/items/{shared.item('D')}/history")
        table = page.get_by_test_id("sittings-v1")
        await expect(table.locator("tbody tr")).to_have_count(2)
        await expect(
            page.get_by_test_id("history-v1").get_by_test_id("flag-drifting").first
        ).to_be_visible()
        await expect(table).to_contain_text("30 / 60")
        await expect(table).to_contain_text("WITA")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024, f"the page scrolls sideways: {width}px"
        box = await table.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1024
        shot = tmp_path / "item-history.png"
        await page.screenshot(path=str(shot))
        if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
            SHOT.parent.mkdir(exist_ok=True)
            shutil.copy(shot, SHOT)

        await page.goto(f"{live_server.base_url}/editor/exposure")
        overview = page.get_by_test_id("exposure-table")
        await expect(overview).to_contain_text(shared.item("X"))
        await expect(page.get_by_test_id(f"exposure-{shared.item('D')}-v1")).to_contain_text(
            "Bergeser"
        )
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024, f"the overview scrolls sideways: {width}px"
        await page.screenshot(path=str(tmp_path / "exposure.png"))
        if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
            shutil.copy(tmp_path / "exposure.png", SHOT.with_name("item-exposure-1024x768.png"))
    finally:
        await context.close()
