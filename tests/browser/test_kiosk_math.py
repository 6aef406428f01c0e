"""A question with formulas in the kiosk: native MathML in this Chromium, and the room server's
MathJax for a browser without MathML (forced here), never anything from the internet."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import text

from cact.audit.service import Actor
from cact.bank.service import import_item_sets
from cact.kit.db import create_sessionmaker
from item_bank import load_item_bytes
from tests.browser.conftest import LiveServer
from tests.browser.test_kiosk import _login

BANK = """\
format: cact-items/1
title: Teknis
language: id
items:
  - id: T-DOSIS
    competency: M.01
    kind: keyed
    stem: |
      <p>Dosis anak menurut rumus Young: \\[ D = \\frac{U}{U + 12} \\times 500 \\text{ mg} \\]</p>
      <p>Berapa dosis untuk anak berumur \\(U = 6\\) tahun?</p>
    options:
      - {text: '\\(\\frac{1}{2} \\times 500\\) mg'}
      - {text: '\\(\\frac{1}{3} \\times 500\\) mg', correct: true}
      - {text: '\\(\\sqrt{6} \\times 500\\) mg'}
      - {text: '\\(6^2 \\times 500\\) mg'}
"""


@pytest.fixture
async def math_participant(live_server: LiveServer) -> AsyncIterator[str]:
    """A participant whose first question is a formula item stored by the real importer."""
    number = live_server.next_participant()
    result = load_item_bytes("dosis.yaml", BANK.encode(), known_competencies={"M.01"})
    assert result.ok, result.problems
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        await import_item_sets(db, result.item_sets, {}, Actor.system("test"))
    async with live_server.engine.begin() as conn:
        first = (
            await conn.execute(
                text(
                    "select ai.id, ai.item_version_id, ai.option_order from attempt_item ai "
                    "join attempt a on a.id = ai.attempt_id "
                    "join participant p on p.id = a.participant_id "
                    "where p.participant_no = :n order by ai.number limit 1"
                ),
                {"n": number},
            )
        ).one()
        new_version = (
            await conn.execute(
                text(
                    "select v.id, array_agg(o.id order by o.position) from item_version v "
                    "join item_option o on o.item_version_id = v.id "
                    "where v.item_id = 'T-DOSIS' group by v.id"
                )
            )
        ).one()
        await conn.execute(
            text("update attempt_item set item_version_id = :v, option_order = :o where id = :i"),
            {"v": new_version[0], "o": list(new_version[1]), "i": first[0]},
        )
    try:
        yield number
    finally:
        async with live_server.engine.begin() as conn:
            await conn.execute(
                text(
                    "update attempt_item set item_version_id = :v, option_order = :o where id = :i"
                ),
                {"v": first[1], "o": list(first[2]), "i": first[0]},
            )


def _outside(requests: list[str], base: str) -> list[str]:
    return [url for url in requests if not url.startswith((base, "data:", "blob:"))]


async def _fraction_height(page: Page, selector: str) -> float:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None
    return float(box["height"])


async def test_formulas_show_natively_and_through_the_vendored_mathjax(
    live_server: LiveServer, kiosk_context: BrowserContext, math_participant: str, tmp_path: Path
) -> None:
    page = await kiosk_context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await _login(page, live_server, math_participant)
    stem = page.get_by_test_id("question-stem")
    await expect(stem.locator("math").first).to_be_visible()
    assert await page.evaluate("import('/static/kiosk/math.js').then(m => m.hasNativeMathML())")
    # Laid out as a formula: the block fraction is taller than a line of text.
    assert (
        await _fraction_height(page, "[data-testid=question-stem] math[display=block] mfrac") > 30
    )
    assert await page.locator(".option-text math mfrac").count() == 2
    assert not [url for url in requests if "mathjax" in url]  # native: no renderer loaded
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]
    shot = tmp_path / "kiosk-formula-1024x768.png"
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":  # refreshes the picture in docs/
        target = Path(__file__).resolve().parents[2] / "docs" / "kiosk-formula-1024x768.png"
        target.write_bytes(shot.read_bytes())

    # A browser without MathML: the same page draws the formulas with the server's MathJax.
    await kiosk_context.add_init_script("window.CACT_FORCE_MATHJAX = true;")
    await page.reload()
    await expect(stem.locator("mjx-container").first).to_be_visible(timeout=20_000)
    await expect(page.locator(".option-text mjx-container")).to_have_count(4)
    assert (
        await _fraction_height(page, "[data-testid=question-stem] mjx-container[display=true]") > 30
    )
    assert [url for url in requests if url.endswith("/static/vendor/mathjax/mml-chtml.js")]
    assert not _outside(requests, live_server.base_url)  # nothing from the internet
