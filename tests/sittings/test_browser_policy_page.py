"""The sitting page's "Exam browser" section (issue 22): the form, its refusals, the .seb link."""

from __future__ import annotations

from html import unescape

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.config import Settings
from tests.conftest import TEST_SECRET
from tests.fixtures.sittings import open_sitting
from tests.lockdown import seb_reference as ref
from tests.participants.support import HTML, admin_login, untranslated

BASE = "http://192.168.10.2"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test", secret_key=TEST_SECRET, database_url=database_url, public_base_url=BASE
    )


async def test_the_admin_requires_seb_and_downloads_the_file_from_the_sitting_page(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    await admin_login(client, db)
    url = f"/admin/sittings/{opened.sitting.id}"
    page = await client.get(url, headers=HTML)
    assert page.status_code == 200 and 'data-testid="browser-policy"' in page.text
    assert untranslated(page.text) == []
    assert "Browser ujian" in page.text

    bad = await client.post(
        f"{url}/browser", headers=HTML, data={"kind": "seb", "browser_exam_keys": "abc"}
    )
    assert bad.status_code == 422 and "64" in unescape(bad.text)

    saved = await client.post(
        f"{url}/browser",
        headers=HTML,
        data={"kind": "seb", "check_config_key": "1", "quit_password": "keluar-99"},
    )
    assert saved.status_code == 303, saved.text
    page = await client.get(saved.headers["location"], headers=HTML)
    assert "Browser ujian disimpan" in page.text
    assert f"{BASE}/kiosk" in page.text and 'data-testid="seb-download"' in page.text
    shown_key = page.text.split('data-testid="browser-config-key">', 1)[1].split("<", 1)[0]
    seb_file = await client.get(f"/api/sittings/{opened.sitting.id}/seb-config")
    assert ref.config_key(ref.settings_from_file(seb_file.content)) == shown_key
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "sitting.browser_policy"))
    assert event is not None and event.details["after"]["kind"] == "seb"

    app = await client.post(
        f"{url}/browser",
        headers=HTML,
        data={"kind": "exam_app", "user_agent_marker": "ExamBrowser"},
    )
    assert app.status_code == 303
    page = await client.get(url, headers=HTML)
    assert f"{BASE}/kiosk?exam_key=" in page.text
