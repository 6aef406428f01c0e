"""Two `cact serve` processes, an office and a room, each with its own database and data folder,
driven in Chromium at 1024×768: the room makes its keys with the button and its key file is
downloaded; the office trusts it after the fingerprint is shown, exports the wave as a download;
the room previews the file and applies it with "Terapkan". Screenshots
(CACT_UPDATE_SCREENSHOTS=1): docs/screenshots/packages-*.png."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select, text

from cact.audit.service import Actor
from cact.exam.models import Sitting
from cact.keys import service as keys
from cact.keys.identity import init_identity, load_identity
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from tests.browser.conftest import CACT, _stop_server, _wait_ready
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.factories import PASSWORD, create_staff
from tests.packages.conftest import scheduled_wave

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PORTS = range(18300, 18400)


@dataclass
class Side:
    base_url: str
    url: str
    data_dir: Path


def _port(after: int = 0) -> int:
    for port in PORTS:
        if port <= after:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300–18399")


async def _copy_database(server: TestServer, source: str, name: str) -> str:
    admin = create_engine(server.admin_url, pool_size=1, max_overflow=0)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    await admin.dispose()
    return server.database_url(name)


def _serve(url: str, data_dir: Path, after: int = 0) -> tuple[str, subprocess.Popen[bytes]]:
    port = _port(after)
    env = {
        **os.environ,
        "CACT_DATABASE_URL": url,
        "CACT_DATA_DIR": str(data_dir),
        "CACT_ENVIRONMENT": "test",
        "CACT_SECRET_KEY": TEST_SECRET,
        "CACT_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen([CACT, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
    return f"http://127.0.0.1:{port}", process


@pytest.fixture(scope="module")
async def two_servers(
    pg_server: TestServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Side, Side, int]]:
    office_url = await recreate_database(pg_server, "cact_pkgweb_office")
    await asyncio.to_thread(migrate.upgrade, office_url)
    await load_reference_data(office_url)
    room_url = await _copy_database(pg_server, "cact_pkgweb_office", "cact_pkgweb_room")
    work = tmp_path_factory.mktemp("pkgweb")
    init_identity(work / "office", "Kantor BKPSDM")
    for url in (office_url, room_url):
        engine = create_engine(url, pool_size=1, max_overflow=0)
        async with create_sessionmaker(engine)() as db, db.begin():
            await create_staff(db, "admin", username="admin-paket")
            if url == office_url:
                sitting_id = (await scheduled_wave(db, participants=12)).id
        await engine.dispose()
    office_base, office_process = _serve(office_url, work / "office")
    try:
        # Past the office's port: it may not be bound yet while its process starts.
        office_port = int(office_base.rsplit(":", 1)[1])
        room_base, room_process = _serve(room_url, work / "room", after=office_port)
        try:
            await asyncio.to_thread(_wait_ready, office_base, office_process)
            await asyncio.to_thread(_wait_ready, room_base, room_process)
            yield (
                Side(office_base, office_url, work / "office"),
                Side(room_base, room_url, work / "room"),
                sitting_id,
            )
        finally:
            _stop_server(room_process)
    finally:
        _stop_server(office_process)


async def _login(page: Page, side: Side, next_url: str) -> None:
    await page.goto(f"{side.base_url}/login?next={next_url}")
    await page.locator('input[name="username"]').fill("admin-paket")
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.locator('main button[type="submit"]').click()
    await page.wait_for_url(f"**{next_url}")


async def _shot(page: Page, tmp_path: Path, name: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"{name}: the page scrolls sideways: {width}px"
    shot = tmp_path / name
    await page.screenshot(path=str(shot))
    if os.environ.get("CACT_UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(shot, SHOTS / name)


async def _count(url: str, model: type[Sitting]) -> int:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as db:
        found = int(await db.scalar(select(func.count()).select_from(model)) or 0)
    await engine.dispose()
    return found


async def test_keys_export_preview_and_apply_between_two_servers(
    two_servers: tuple[Side, Side, int], browser: Browser, tmp_path: Path
) -> None:
    office, room, sitting_id = two_servers
    # Two browsers' worth of cookies: both servers are 127.0.0.1, and cookies ignore the port.
    options = {"viewport": {"width": 1024, "height": 768}, "locale": "id-ID"}
    context = await browser.new_context(**options, accept_downloads=True)  # type: ignore[arg-type]
    office_context = await browser.new_context(**options, accept_downloads=True)  # type: ignore[arg-type]
    try:
        # The room: no keys yet → the button makes them; its public-key file is downloaded.
        at_room = await context.new_page()
        await _login(at_room, room, "/admin/keys")
        form = at_room.get_by_test_id("init-form")
        await form.locator('input[name="name"]').fill("Lab SMKN 1 Mataram")
        await form.locator('button[type="submit"]').click()
        await expect(at_room.get_by_test_id("flash")).to_be_visible()
        room_identity = load_identity(room.data_dir)
        fingerprint = at_room.get_by_test_id("own-fingerprint")
        await expect(fingerprint).to_have_text(
            " ".join(room_identity.fingerprint[i : i + 4] for i in range(0, 16, 4))
        )
        await _shot(at_room, tmp_path, "packages-keys-1024x768.png")
        async with at_room.expect_download() as downloading:
            await at_room.get_by_test_id("download-key").click()
        room_key = tmp_path / "room.json"
        await (await downloading.value).save_as(room_key)
        assert room_key.read_text("utf-8") == room_identity.public.to_file()

        # The room trusts the office (its technician ran `cact keys trust`).
        engine = create_engine(room.url, pool_size=1, max_overflow=0)
        async with create_sessionmaker(engine)() as db, db.begin():
            office_key = load_identity(office.data_dir).public
            await keys.trust(db, office_key, Actor.system("test"), role="office")
        await engine.dispose()

        # The office: upload the room's key → the fingerprint first → trust it.
        at_office = await office_context.new_page()
        await _login(at_office, office, "/admin/keys")
        trust = at_office.get_by_test_id("trust-form")
        await trust.locator('input[name="file"]').set_input_files(room_key)
        await trust.locator('select[name="role"]').select_option("room")
        await trust.locator('button[type="submit"]').click()
        confirm = at_office.get_by_test_id("trust-confirm")
        await expect(at_office.get_by_test_id("candidate-fingerprint")).to_have_text(
            await fingerprint.inner_text()
        )
        await _shot(at_office, tmp_path, "packages-trust-1024x768.png")
        await confirm.get_by_test_id("trust-submit").click()
        await expect(at_office.get_by_test_id("trusted-keys")).to_contain_text("Lab SMKN 1")

        # The office exports the wave from the sitting's page link.
        await at_office.goto(f"{office.base_url}/admin/sittings/{sitting_id}")
        await at_office.get_by_test_id("sitting-packages").click()
        export = at_office.get_by_test_id("export-form")
        await expect(export.locator('select[name="sitting_id"]')).to_have_value(str(sitting_id))
        await _shot(at_office, tmp_path, "packages-export-1024x768.png")
        async with at_office.expect_download() as downloading:
            await export.get_by_test_id("export-submit").click()
        package = tmp_path / (await downloading.value).suggested_filename
        await (await downloading.value).save_as(package)
        assert package.name.startswith("gelombang-WAVE-1") and package.suffix == ".cactpkg"

        # The room previews it (nothing written yet), then "Terapkan".
        sittings_before = await _count(room.url, Sitting)
        await at_room.goto(f"{room.base_url}/admin/packages")
        upload = at_room.get_by_test_id("import-form")
        await upload.locator('input[name="file"]').set_input_files(package)
        await upload.get_by_test_id("preview-submit").click()
        preview = at_room.get_by_test_id("package-preview")
        await expect(preview).to_contain_text("WAVE-1")
        await expect(preview).to_contain_text("Kantor BKPSDM")
        await expect(at_room.get_by_test_id("package-changes")).to_contain_text("peserta")
        assert await _count(room.url, Sitting) == sittings_before
        await _shot(at_room, tmp_path, "packages-preview-1024x768.png")
        await at_room.get_by_test_id("apply-submit").click()
        await expect(at_room.get_by_test_id("package-result")).to_contain_text("diterapkan")
        assert await _count(room.url, Sitting) == sittings_before + 1
        await _shot(at_room, tmp_path, "packages-result-1024x768.png")
        await at_room.goto(f"{room.base_url}/admin/packages")
        await expect(at_room.get_by_test_id("receipts")).to_contain_text("WAVE-1")
        await at_room.get_by_test_id("receipts").scroll_into_view_if_needed()
        await _shot(at_room, tmp_path, "packages-list-1024x768.png")
    finally:
        await context.close()
        await office_context.close()
