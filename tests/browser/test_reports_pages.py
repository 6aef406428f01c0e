"""The admin's reports in Chromium at 1024×768: the sitting report with its participant list
(attended, absent, terminated, each linked to the individual report), an individual report,
and the whole sitting's ZIP of PDFs downloaded from the bundle page with its progress bar.
Screenshots: docs/report-sitting-1024x768.png, docs/report-individual-1024x768.png,
docs/report-bundle-1024x768.png."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, expect

from cact.audit.service import Actor
from cact.kit.db import create_sessionmaker
from cact.proctoring import service as proctoring
from cact.standards.service import load_demo_standards
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.fixtures.sittings import open_sitting

DOCS = Path(__file__).resolve().parents[2] / "docs"
ACTOR = Actor.system("test")


async def _sit(http: httpx.AsyncClient, number: str, token: str, seed: int, finish: bool) -> int:
    """Every item answered (an option that varies with the seat), then finished."""
    login = await http.post("/api/kiosk/v1/login", json={"participant_no": number, "token": token})
    assert login.status_code == 200, login.text
    body = login.json()
    headers = {"Authorization": f"Bearer {body['kiosk_token']}"}

    async def call(method: str, path: str, **kwargs: Any) -> Any:
        response = await http.request(method, f"/api/kiosk/v1{path}", headers=headers, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    attempt = await call("POST", "/attempt/start")
    sections = [s["id"] for s in attempt["sections"]]
    seq = 0
    for position, section_id in enumerate(sections, start=1):
        section = await call("GET", f"/sections/{section_id}")
        for item in section["items"]:
            seq += 1
            options = item["options"]
            option = options[(item["number"] * seed) % len(options)]["option_id"]
            await call(
                "PUT",
                f"/answers/{item['item_id']}",
                json={"option_id": option, "doubtful": False, "seq": seq},
            )
        if not finish:
            break
        if position < len(sections):
            await call("POST", f"/sections/{section_id}/submit")
    if finish:
        await call("POST", "/finish")
    return int(body["attempt_id"])


async def test_the_sitting_report_lists_everyone_and_the_whole_sitting_downloads(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    sessions = create_sessionmaker(live_server.engine)
    async with sessions() as db, db.begin():
        await load_demo_standards(db, ACTOR)
        opened = await open_sitting(db, participants=8)
        await create_staff(db, "admin", username="admin-laporan")
    numbers = opened.participant_nos
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as http:
        attempts = [
            await _sit(http, n, opened.token, seed, finish=True)
            for seed, n in enumerate(numbers[:6], start=1)
        ]
        cheat = await _sit(http, numbers[6], opened.token, 7, finish=False)
    async with sessions() as db, db.begin():
        await proctoring.terminate(db, cheat, "Membuka catatan di meja", ACTOR, datetime.now(UTC))
    # numbers[7] never comes

    context = await browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="id-ID", accept_downloads=True
    )
    try:
        page = await context.new_page()
        sitting_url = f"/reports/sittings/{opened.sitting.id}"
        await page.goto(f"{live_server.base_url}/login?next={sitting_url}")
        await page.locator('input[name="username"]').fill("admin-laporan")
        await page.locator('input[name="password"]').fill(PASSWORD)
        await page.locator('main button[type="submit"]').click()
        rows = page.get_by_test_id("participant-row")
        await expect(rows).to_have_count(8)
        await expect(page.locator('[data-presence="attended"]')).to_have_count(6)
        await expect(page.locator('[data-presence="terminated"]')).to_have_count(1)
        await expect(page.locator('[data-presence="absent"]')).to_have_count(1)
        await expect(page.get_by_test_id("report-link")).to_have_count(7)  # terminated: scored
        await page.get_by_test_id("report-participants").scroll_into_view_if_needed()
        await page.screenshot(path=str(DOCS / "report-sitting-1024x768.png"))

        await page.get_by_test_id("report-link").first.click()
        await page.wait_for_url(f"**/reports/attempts/{attempts[0]}")
        await expect(page.locator("svg.radar")).to_be_visible()
        await expect(page.get_by_test_id("report-pdf")).to_be_visible()
        await page.screenshot(path=str(DOCS / "report-individual-1024x768.png"))

        await page.goto(f"{live_server.base_url}{sitting_url}")
        await page.get_by_test_id("bulk-link").click()
        await expect(page.get_by_test_id("bundle")).to_have_attribute("data-count", "7")
        async with page.expect_download(timeout=120_000) as waiting:
            await page.get_by_test_id("bundle-zip").click()
            await expect(page.locator("#bundle-progress")).to_be_visible()
        download = await waiting.value
        await expect(page.locator("#bundle-bar")).to_have_attribute("value", "7")
        await expect(page.locator("#bundle-status")).to_contain_text("Selesai: 7 PDF")
        await page.screenshot(path=str(DOCS / "report-bundle-1024x768.png"))
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.name == f"laporan-individu-{opened.sitting.code}.zip"
        names = zipfile.ZipFile(io.BytesIO(saved.read_bytes())).namelist()
        assert len(names) == 7 and all(n.endswith(".pdf") for n in names)
    finally:
        await context.close()
