"""Staff screens at 1024×768: the staff table's save buttons are on screen, and the homes of a
proctor and an editor carry no raw JSON API links."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect

from cact.kit.db import create_sessionmaker
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_staff


async def _login(context: BrowserContext, live: LiveServer, username: str, next_url: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{live.base_url}/login?next={next_url}")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    return page


async def test_the_staff_table_save_buttons_fit_1024(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        await create_staff(db, "admin", "editor", "proctor", username="admin-staf")
        for n in range(3):
            await create_staff(db, "proctor", username=f"pengawas-lebar-{n}")
    page = await _login(kiosk_context, live_server, "admin-staf", "/admin/staff")
    await expect(page.get_by_test_id("staff")).to_be_visible()
    for name in ("admin-staf", "pengawas-lebar-2"):
        button = page.get_by_test_id(f"save-{name}")
        box = await button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1024, box
    overflow = await page.evaluate(
        "Array.from(document.querySelectorAll('.ed-scroll'))"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert max(overflow) <= 0  # no table hides a column behind a scroll bar
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]


async def test_proctor_and_editor_homes_have_no_api_links(
    live_server: LiveServer, kiosk_context: BrowserContext
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        await create_staff(db, "proctor", username="pengawas-beranda")
        await create_staff(db, "editor", username="penyusun-beranda")
    for username in ("pengawas-beranda", "penyusun-beranda"):
        page = await _login(kiosk_context, live_server, username, "/staff")
        await expect(page.locator("main h1")).to_be_visible()
        hrefs = await page.locator("main a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs and not [h for h in hrefs if h.startswith("/api/") or h.endswith(".json")]
        await page.close()
