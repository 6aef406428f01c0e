"""Multi-method integration at 1024×768: an assessor rates on the rating page, then the lead
assessor opens the participant's integration page (CACT level and index, the assessor's
levels and notes, the weights and the proposal side by side), sets a final level below the
proposal with a reason and signs off; the report then follows the final levels
(CACT_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/integration-signoff-1024x768.png and
report-integrated-1024x768.png)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select

from cact.assessors import service
from cact.assessors.models import Integration, IntegrationLevel
from cact.assessors.schemas import AssignmentCreate, MatrixBody, MatrixCell
from cact.audit.service import Actor
from cact.kit.db import create_sessionmaker
from cact.programmes.models import Programme, ProgrammeMember
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_participant, create_staff
from tests.programmes import seed

SHOT = (
    Path(__file__).resolve().parents[2]
    / "docs"
    / "screenshots"
    / "integration-signoff-1024x768.png"
)
REPORT_SHOT = SHOT.with_name("report-integrated-1024x768.png")
WEIGHTS = {"CACT": {"M.01": 1, "M.02": 1}, "WAWANCARA": {"M.01": 2, "M.02": 1}}


async def _login(page: Page, base: str, username: str, target: str) -> None:
    await page.context.clear_cookies()
    await page.goto(f"{base}/login?next={target}")
    await page.locator('input[name="username"]').fill(username)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()


async def _fits(page: Page) -> None:
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1024×768


async def test_a_lead_assessor_sets_a_final_level_and_signs_off(
    live_server: LiveServer, kiosk_context: BrowserContext, tmp_path: Path
) -> None:
    actor = Actor.system("test")
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        programme = Programme(code="AC-INT-2026", title="Asesmen Integrasi JPT 2026")
        db.add(programme)
        await db.flush()
        person = await create_participant(db, "Siti Rahmawati")
        db.add(ProgrammeMember(programme_id=programme.id, participant_id=person.id))
        await db.flush()
        wave = await seed.sitting(db, programme, "SESI-INT-2026")
        attempt = await seed.result(db, wave, person, {"M.01": (3, 3), "M.02": (2, 3)}, jpm="83.33")
        attempt.scored_at = attempt.closed_at  # scored: the live server's sweeper leaves it be
        cells = [
            MatrixCell(competency=code, method=method, weight=Decimal(weight))
            for method, codes in WEIGHTS.items()
            for code, weight in codes.items()
        ]
        await service.set_matrix(db, programme.id, MatrixBody(cells=cells), actor)
        assessor = await create_staff(db, "assessor", username="asesor-integrasi")
        assessor.full_name = "Dr. Hendra Wijaya"
        lead = await create_staff(db, "lead_assessor", username="ketua-integrasi")
        lead.full_name = "Prof. Ratna Kusuma"
        await create_staff(db, "admin", username="admin-integrasi")
        await service.assign(
            db,
            AssignmentCreate(
                assessor_id=assessor.id,
                method="WAWANCARA",
                programme_id=programme.id,
                participants=[person.participant_no],
            ),
            actor,
        )
        number, programme_id, person_id = person.participant_no, programme.id, person.id
        attempt_id = attempt.id

    base = live_server.base_url
    page = await kiosk_context.new_page()
    await _login(page, base, "asesor-integrasi", "/assessor")
    await page.get_by_test_id(f"rate-{number}-WAWANCARA").click()
    await page.get_by_test_id("level-M.01").select_option("4")
    await page.get_by_test_id("evidence-M.01").fill("Rencana kerja bertahap, terkait sasaran unit.")
    await page.get_by_test_id("level-M.02").select_option("3")
    await page.get_by_test_id("evidence-M.02").fill("Kerja sama lintas bidang, satu contoh.")
    await page.get_by_test_id("save-ratings").click()
    await expect(page.get_by_test_id("flash")).to_have_text("Penilaian disimpan.")

    await _login(page, base, "ketua-integrasi", "/assessor")
    await page.get_by_test_id("integration-AC-INT-2026").click()
    await page.get_by_test_id(f"integrate-{number}").click()
    # M.01: (1 × 3 + 2 × 4) / 3 = 3.6667 → 4; M.02: (1 × 2 + 1 × 3) / 2 = 2.5 → 3 (half up)
    await expect(page.get_by_test_id("proposal-M.01")).to_contain_text("3.6667")
    await expect(page.get_by_test_id("proposal-M.02")).to_contain_text("2.5000")
    await expect(page.get_by_test_id("cact-M.01")).to_contain_text("3")
    await expect(page.get_by_test_id("cact-M.01")).to_contain_text("0.6500")  # 13 of 20
    await expect(page.get_by_test_id("method-M.01-WAWANCARA")).to_contain_text("Dr. Hendra Wijaya")
    await expect(page.get_by_test_id("final-M.01")).to_have_value("4")
    await page.get_by_test_id("final-M.02").select_option("2")
    await page.get_by_test_id("sign-off").click()
    await expect(page.get_by_test_id("errors")).to_contain_text("alasan wajib diisi")
    await page.get_by_test_id("reason-M.02").fill("Contoh kerja sama baru satu; belum konsisten.")
    await page.get_by_test_id("sign-off").click()
    await expect(page.get_by_test_id("flash")).to_have_text("Profil terintegrasi ditandatangani.")
    await expect(page.get_by_test_id("signed")).to_contain_text("Prof. Ratna Kusuma")
    await expect(page.get_by_test_id("signed")).to_contain_text("JPM 83.33")
    shot = tmp_path / SHOT.name
    await page.screenshot(path=str(shot))
    if os.environ.get("CACT_KEEP_SHOTS"):
        (Path(os.environ["CACT_KEEP_SHOTS"]) / "integration-full.png").write_bytes(
            await page.screenshot(full_page=True)
        )
    await _fits(page)
    button = await page.get_by_test_id("sign-off").bounding_box()
    assert button is not None and button["x"] + button["width"] <= 1024
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
        SHOT.write_bytes(shot.read_bytes())

    await _login(page, base, "admin-integrasi", f"/reports/attempts/{attempt_id}")
    part = page.get_by_test_id("integrated")
    await expect(part).to_contain_text("Prof. Ratna Kusuma")
    await expect(part.locator('[data-integrated="M.02"]')).to_contain_text("Contoh kerja sama")
    await expect(page.locator('tr[data-competency="M.01"]')).to_contain_text("4")
    await _fits(page)
    report = tmp_path / REPORT_SHOT.name
    await page.screenshot(path=str(report), full_page=True)
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
        REPORT_SHOT.write_bytes(report.read_bytes())

    async with create_sessionmaker(live_server.engine)() as db:
        signed = await db.scalar(
            select(Integration).where(
                Integration.programme_id == programme_id, Integration.participant_id == person_id
            )
        )
        assert signed is not None and signed.version == 1
        levels = await db.execute(
            select(
                IntegrationLevel.competency_code,
                IntegrationLevel.proposed_level,
                IntegrationLevel.final_level,
            )
            .where(IntegrationLevel.integration_id == signed.id)
            .order_by(IntegrationLevel.competency_code)
        )
        assert [tuple(r) for r in levels] == [("M.01", 4, 4), ("M.02", 3, 2)]
