"""A failed roster import at 1024×768: the page comes back with its problems in view, in plain
words and in row order (docs/roster-import-problems-1024x768.png)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from cact.kit.db import create_sessionmaker
from cact.standards.models import Position
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_room, create_sitting, create_staff
from tests.participants.support import csv_bytes

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def test_a_failed_roster_import_shows_its_problems_in_view(
    live_server: LiveServer, kiosk_context: BrowserContext, tmp_path: Path
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        await create_staff(db, "admin", username="admin-unggah")
        db.add(Position(code="JF-GURU", name="Guru Ahli Pertama", group="fungsional"))
        sitting = await create_sitting(db, await create_room(db))
        sitting.title = "Pemetaan Kompetensi Guru — gelombang 3"
        sitting_id = sitting.id
    bad = csv_bytes(
        [
            ["G-001", "198503302010011002", "Siti Rahmawati", "JF-GURU", "", "", "", "", "", ""],
            ["G-002", "19850330201001", "Budi Santoso", "JF-GURU", "", "", "", "", "", ""],
            ["G-003", "198701122011012003", "Ayu Lestari", "JF-GUR", "", "", "", "", "", ""],
            ["G-004", "198601012010011004", "Dewi", "JF-GURU", "", "", "31-02-1986", "", "", ""],
            ["G-001", "198503302010011002", "Siti Rahmawati", "JF-GURU", "", "", "", "", "", ""],
        ]
    )
    page = await kiosk_context.new_page()
    await page.goto(f"{live_server.base_url}/login?next=/admin/sittings/{sitting_id}")
    await page.locator('input[name="username"]').fill("admin-unggah")
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await expect(page.get_by_test_id("roster-form")).to_be_attached()
    await (
        page.get_by_test_id("roster-form")
        .locator('input[type="file"]')
        .set_input_files({"name": "peserta-gelombang-3.csv", "mimeType": "text/csv", "buffer": bad})
    )
    await page.get_by_test_id("roster-form").locator('button[value="import"]').click()

    report = page.get_by_test_id("roster-report")
    await expect(report).to_be_in_viewport()
    rows = page.get_by_test_id("problems").locator("tbody tr")
    assert await rows.count() >= 3
    first = rows.nth(0)
    await expect(first).to_be_in_viewport()
    message = first.locator(".ed-problem-text")
    await expect(message).to_be_in_viewport()  # the plain words, not a field path, on screen
    box = await message.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024
    cells = await rows.locator("td:nth-child(3)").all_inner_texts()
    row_numbers = [int(text) if text else 0 for text in cells]  # 0: a problem of the whole file
    assert row_numbers == sorted(row_numbers)
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1024×768

    shot = tmp_path / "roster-import-problems-1024x768.png"
    await page.screenshot(path=str(shot))
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":  # refreshes the picture in docs/
        (DOCS / shot.name).write_bytes(shot.read_bytes())
