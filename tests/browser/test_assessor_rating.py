"""An assessor at 1024×768: "Peserta saya" lists only the assigned people; the rating page
takes a level and an evidence note per competency and saves them as version 1
(CACT_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/assessor-rating-1024x768.png)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import BrowserContext, expect
from sqlalchemy import select

from cact.assessors import service
from cact.assessors.models import AssessorRating
from cact.assessors.schemas import AssignmentCreate, MatrixBody, MatrixCell
from cact.audit.service import Actor
from cact.kit.db import create_sessionmaker
from cact.programmes.models import Programme, ProgrammeMember
from tests.browser.conftest import LiveServer
from tests.fixtures.factories import PASSWORD, create_participant, create_staff

SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "assessor-rating-1024x768.png"
NOTES = {
    "M.01": "Menyusun rencana kerja bertahap dan mengaitkannya dengan sasaran unit.",
    "M.02": "Mengajak rekan lintas bidang; dua contoh konkret.",
    "M.05": "Menyampaikan gagasan runtut, menjawab pertanyaan dengan data.",
}


async def test_an_assessor_rates_an_assigned_participant(
    live_server: LiveServer, kiosk_context: BrowserContext, tmp_path: Path
) -> None:
    actor = Actor.system("test")
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        programme = Programme(code="AC-JPT-2026", title="Asesmen JPT Pratama 2026")
        db.add(programme)
        await db.flush()
        rated = await create_participant(db, "Ratna Sari Dewi")
        other = await create_participant(db, "Bambang Hartono")
        db.add_all(
            ProgrammeMember(programme_id=programme.id, participant_id=p.id) for p in (rated, other)
        )
        await db.flush()
        cells = [
            MatrixCell(competency=code, method="WAWANCARA", weight=weight)
            for code, weight in (("M.01", 2), ("M.02", 1), ("M.05", 1))
        ]
        await service.set_matrix(db, programme.id, MatrixBody(cells=cells), actor)
        assessor = await create_staff(db, "assessor", username="asesor-layar")
        assessor.full_name = "Dr. Hendra Wijaya"
        colleague = await create_staff(db, "assessor", username="asesor-lain")
        for user, person in ((assessor, rated), (colleague, other)):
            await service.assign(
                db,
                AssignmentCreate(
                    assessor_id=user.id,
                    method="WAWANCARA",
                    programme_id=programme.id,
                    participants=[person.participant_no],
                ),
                actor,
            )
        number, other_name, assessor_id = rated.participant_no, other.name, assessor.id

    page = await kiosk_context.new_page()
    await page.goto(f"{live_server.base_url}/login?next=/assessor")
    await page.locator('input[name="username"]').fill("asesor-layar")
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await expect(page.get_by_test_id("my-participants")).to_contain_text("Ratna Sari Dewi")
    await expect(page.get_by_test_id("my-participants")).not_to_contain_text(other_name)
    await expect(page.get_by_test_id("sheet-WAWANCARA")).to_be_visible()
    wide = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1]  # "Peserta saya" fits 1024×768 too
    await page.screenshot(path=str(tmp_path / "mine.png"))
    if os.environ.get("CACT_KEEP_SHOTS"):
        (Path(os.environ["CACT_KEEP_SHOTS"]) / "mine.png").write_bytes(
            (tmp_path / "mine.png").read_bytes()
        )
    await page.get_by_test_id(f"rate-{number}-WAWANCARA").click()
    for code, level in (("M.01", "4"), ("M.02", "3"), ("M.05", "4")):
        await page.get_by_test_id(f"level-{code}").select_option(level)
        await page.get_by_test_id(f"evidence-{code}").fill(NOTES[code])
    await page.get_by_test_id("save-ratings").click()
    await expect(page.get_by_test_id("flash")).to_have_text("Penilaian disimpan.")
    await expect(page.get_by_test_id("version-M.01")).to_have_text("versi 1")
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1]  # nothing overflows sideways at 1024×768
    button = await page.get_by_test_id("save-ratings").bounding_box()
    assert button is not None and button["x"] + button["width"] <= 1024
    shot = tmp_path / SHOT.name
    await page.screenshot(path=str(shot))
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
        SHOT.write_bytes(shot.read_bytes())

    async with create_sessionmaker(live_server.engine)() as db:
        saved = (
            await db.execute(
                select(AssessorRating.competency_code, AssessorRating.level, AssessorRating.source)
                .where(AssessorRating.rated_by == assessor_id)  # the live DB is shared
                .order_by(AssessorRating.competency_code)
            )
        ).all()
    assert [tuple(r) for r in saved] == [
        ("M.01", 4, "page"),
        ("M.02", 3, "page"),
        ("M.05", 4, "page"),
    ]


async def test_the_admins_matrix_and_assignment_pages_fit_1024(
    live_server: LiveServer, kiosk_context: BrowserContext, tmp_path: Path
) -> None:
    async with create_sessionmaker(live_server.engine)() as db, db.begin():
        programme = Programme(code="AC-ADM-2026", title="Asesmen Administrator 2026")
        db.add(programme)
        await db.flush()
        await create_staff(db, "admin", username="admin-asesmen")
        programme_id = programme.id
    page = await kiosk_context.new_page()
    await page.goto(f"{live_server.base_url}/login?next=/admin/assessment")
    await page.locator('input[name="username"]').fill("admin-asesmen")
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await expect(page.get_by_test_id("methods")).to_contain_text("WAWANCARA")
    await page.goto(f"{live_server.base_url}/admin/assessment/programmes/{programme_id}/matrix")
    await page.locator('input[name="w|M.01|WAWANCARA"]').fill("2")
    await page.locator('input[name="w|M.01|LGD"]').fill("1,5")
    await page.locator('[data-testid="matrix-form"] button[type="submit"]').click()
    await expect(page.get_by_test_id("flash")).to_have_text("Matriks disimpan.")
    await expect(page.locator('input[name="w|M.01|LGD"]')).to_have_value("1.50")
    for path in ("matrix", "assignments"):
        await page.goto(f"{live_server.base_url}/admin/assessment/programmes/{programme_id}/{path}")
        await page.screenshot(path=str(tmp_path / f"{path}.png"), full_page=True)
        if os.environ.get("CACT_KEEP_SHOTS"):
            target = Path(os.environ["CACT_KEEP_SHOTS"]) / f"{path}.png"
            target.write_bytes((tmp_path / f"{path}.png").read_bytes())
        size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert size[0] <= size[1], path
        overflow = await page.evaluate(
            "Array.from(document.querySelectorAll('.ed-scroll'))"
            ".map(e => e.scrollWidth - e.clientWidth)"
        )
        assert max(overflow, default=0) <= 0, path
