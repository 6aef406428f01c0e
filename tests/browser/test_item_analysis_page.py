"""The demo's closed sitting's item-analysis page in Chromium at 1024×768 (the sitting `cact demo`
builds, cact/demo/analysis.py): reliability on every scale of the sampled forms and a Wright map
per scale as server-side SVG. Screenshots (CACT_UPDATE_SCREENSHOTS=1):
docs/screenshots/item-analysis-1024x768.png (the top: the scale table) and
docs/screenshots/item-analysis-wright-map-1024x768.png (scrolled to the first Wright map).
The sitting lives in a database of its own, as `cact demo` builds it: in the browser tests'
shared one, its 120 demo people would be the kiosk tests' people too, and its pools would hold
those tests' items."""

from __future__ import annotations

import asyncio
import math
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from cact.audit.service import Actor
from cact.demo import service as demo
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.standards.service import load_demo_standards
from tests.browser.conftest import _start_server, _stop_server, _wait_ready
from tests.conftest import load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCALES = [*(f"M.0{k}" for k in range(1, 9)), "SK.01", "T.ADM.01"]
# The scale table's columns: competency, name, items, per form, n, mean, SD, alpha (form), SEM,
# Rasch person reliability, separation.
ALPHA, SEM, RASCH = 7, 8, 9


def _number(text: str) -> float:
    assert text.strip() not in ("", "—"), "blank"
    value = float(text)
    assert math.isfinite(value), text
    return value


@pytest.fixture(scope="module")
async def demo_analysis(pg_server: TestServer) -> AsyncIterator[tuple[str, int]]:
    """(base URL, sitting id): the demo bank, standards and analysis sitting, served."""
    url = await recreate_database(pg_server, "cact_analysis_page")
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        await demo.load_bank(db)
        await load_demo_standards(db, Actor.system("test"))
        sitting_id = (await demo.load_analysis_sitting(db)).id
        await create_staff(db, "admin", username="admin-analisis")
    await engine.dispose()
    base, process = _start_server(url)
    try:
        await asyncio.to_thread(_wait_ready, base, process)
        yield base, sitting_id
    finally:
        _stop_server(process)


async def test_the_demo_sitting_shows_reliability_on_every_scale_and_a_wright_map(
    demo_analysis: tuple[str, int], browser: Browser, tmp_path: Path
) -> None:
    base_url, sitting_id = demo_analysis
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    try:
        page = await context.new_page()
        url = f"/admin/sittings/{sitting_id}/item-analysis"
        await page.goto(f"{base_url}/login?next={url}")
        await page.locator('input[name="username"]').fill("admin-analisis")
        await page.locator('input[name="password"]').fill(PASSWORD)
        await page.locator('main button[type="submit"]').click()
        await page.wait_for_url(f"**{url}")
        await expect(page.get_by_test_id("status")).to_have_text("Ditutup")
        rows = page.get_by_test_id("scales").locator("tbody tr")
        await expect(rows).to_have_count(len(SCALES))
        for n, code in enumerate(SCALES):
            cells = await rows.nth(n).locator("td").all_inner_texts()
            assert cells[0] == code, cells
            alpha, sem, rasch = (_number(cells[i]) for i in (ALPHA, SEM, RASCH))
            # Present on every scale, whatever forms the opening drew: alpha on two-item forms
            # may be low or even negative, a person reliability is clamped to [0, 1].
            assert alpha < 1 and 0 <= rasch <= 1 and sem > 0, (code, cells)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024, f"the page scrolls sideways: {width}px"
        box = page.get_by_test_id("scales").locator("xpath=..")  # its .ed-scroll
        wide, shown = await box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert wide <= shown, f"the scale table scrolls: {wide} > {shown}px"
        await page.screenshot(path=str(tmp_path / "top.png"))

        for code in SCALES:
            block = page.get_by_test_id(f"rasch-{code}")
            await expect(block.locator("svg.wright-map")).to_have_count(1)
            marks = await block.locator("svg.wright-map g.item[data-item]").count()
            facts = await block.locator("p.ed-hint").first.inner_text()
            assert marks > 0 and f"· {marks} butir ·" in facts, (code, marks, facts)
        first = page.get_by_test_id(f"rasch-{SCALES[0]}")
        below = await first.evaluate("e => e.getBoundingClientRect().top")
        assert below > 768, "the Wright map is above the fold: one screenshot is enough"
        await page.get_by_test_id("rasch").evaluate("e => e.scrollIntoView()")
        await expect(first.locator("svg.wright-map")).to_be_in_viewport(ratio=1)
        tops = [
            await first.locator(f"svg.{chart}").evaluate("e => e.getBoundingClientRect().top")
            for chart in ("wright-map", "icc")
        ]
        assert tops[0] == tops[1], f"the Wright map and the curves are not side by side: {tops}"
        await page.screenshot(path=str(tmp_path / "wright.png"))
        if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
            SHOTS.mkdir(exist_ok=True)
            shutil.copy(tmp_path / "top.png", SHOTS / "item-analysis-1024x768.png")
            shutil.copy(tmp_path / "wright.png", SHOTS / "item-analysis-wright-map-1024x768.png")
    finally:
        await context.close()
