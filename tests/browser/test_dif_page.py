"""The DIF page in Chromium at 1024×768 on a simulated sitting with an injected DIF item: the
groups picked in the form, the flagged list and the item table fit the screen. Screenshot
(CACT_UPDATE_SCREENSHOTS=1): docs/screenshots/dif-1024x768.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, expect

from cact.kit.db import create_sessionmaker
from tests.analysis.simulation import simulated_sitting
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_staff

SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "dif-1024x768.png"


async def test_the_dif_page_at_1024x768(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        sim = await simulated_sitting(db, attempts=300, dif_item="M.01-1")
        await create_staff(db, "admin", username="admin-dif")
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    try:
        page = await context.new_page()
        url = f"/admin/sittings/{sim.sitting_id}/item-analysis"
        await page.goto(f"{live_server.base_url}/login?next={url}")
        await page.locator('input[name="username"]').fill("admin-dif")
        await page.locator('input[name="password"]').fill(PASSWORD)
        await page.locator('main button[type="submit"]').click()
        await page.get_by_test_id("dif-link").click()
        await page.wait_for_url(f"**/admin/sittings/{sim.sitting_id}/dif")
        form = page.get_by_test_id("dif-form")
        await form.locator('select[name="reference"]').select_option("male")
        await form.locator('select[name="focal"]').select_option("female")
        await form.locator('button[type="submit"]').click()
        await page.wait_for_url("**focal=female**")
        flagged = page.get_by_test_id("dif-flagged")
        await expect(flagged).to_contain_text(f"SIM{sim.sitting_id}-M.01-1")
        await expect(page.get_by_test_id("dif-items").locator("tbody tr")).to_have_count(20)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024, f"the page scrolls sideways: {width}px"
        shot = tmp_path / "dif.png"
        await page.screenshot(path=str(shot))
        if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
            SHOT.parent.mkdir(exist_ok=True)
            shutil.copy(shot, SHOT)
        table = page.get_by_test_id("dif-items")
        wide, shown = await table.locator("xpath=..").evaluate(
            "e => [e.scrollWidth, e.clientWidth]"
        )
        assert wide <= shown, f"the item table scrolls: {wide} > {shown}px"
        # The table from its heading down: the column names are in the picture.
        await table.locator("xpath=../..").evaluate("e => e.scrollIntoView()")
        await expect(table.locator("thead")).to_be_in_viewport(ratio=1)
        await page.screenshot(path=str(tmp_path / "dif-table.png"))
        if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
            shutil.copy(tmp_path / "dif-table.png", SHOT.with_name("dif-table-1024x768.png"))
    finally:
        await context.close()
