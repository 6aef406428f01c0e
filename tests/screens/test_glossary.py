"""One glossary of state names (``state.<kind>.<value>`` in kiosk_ui/i18n/states.*.json), keyed
by the enums of cact/exam/statuses.py and bank.models.ItemStatus, used by every page."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.models import ItemStatus
from cact.exam.models import SittingProctor
from cact.exam.statuses import AttemptStatus, Attendance, SectionStatus, SittingStatus
from cact.kit.i18n import LANGUAGES, catalogue
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import open_sitting

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY: dict[str, type[StrEnum]] = {
    "sitting": SittingStatus,
    "attempt": AttemptStatus,
    "section": SectionStatus,
    "attendance": Attendance,
    "item": ItemStatus,
}
HTML = {"Accept": "text/html"}
# Derived views, not stored states: the dashboard's live tile state (ready, disconnected …) and
# a programme's coverage (population, assessed, unscheduled …).
NOT_ENUM_STATES = ("proctor.status.", "programmes.status.")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_status_value_has_one_label_in_each_language(lang: str) -> None:
    words = catalogue(lang)
    for kind, enum in GLOSSARY.items():
        for value in enum:
            assert words.get(f"state.{kind}.{value}", "").strip(), f"state.{kind}.{value}"
    glossary = {k for k in words if k.startswith("state.")}
    expected = {f"state.{kind}.{v}" for kind, enum in GLOSSARY.items() for v in enum}
    assert glossary == expected  # nothing in the glossary that no enum has


def test_no_page_keeps_a_status_vocabulary_of_its_own() -> None:
    """The five names one state had (Dibuka / Berlangsung / berjalan / dibuka / Ditutup)."""
    old = ("admin.status.", "proctor.sitting.", "reports.status.", "editor.status.")
    assert [k for k in catalogue("id") if k.startswith(old)] == []
    status_label = re.compile(r"""t\(\s*["']([a-z_.]+\.)["']\s*[~+]\s*[\w.]*status\b""")
    foreign = []
    for folder, suffix in (("templates", ".html"), ("static", ".js")):
        for path in (ROOT / "kiosk_ui" / folder).rglob(f"*{suffix}"):
            if "vendor" in path.parts:
                continue
            for prefix in status_label.findall(path.read_text("utf-8")):
                if not prefix.startswith("state.") and prefix not in NOT_ENUM_STATES:
                    foreign.append(f"{path.relative_to(ROOT)}: {prefix}")
    assert foreign == []


async def test_a_running_sitting_has_the_same_name_on_every_page(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=2)
    user = await create_staff(db, "admin", "proctor")
    db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=user.id))
    await db.flush()
    await login(client, user)
    sid = opened.sitting.id
    for lang, name in (("id", "Berlangsung"), ("en", "Running")):
        for url in (
            "/admin/sittings",
            f"/admin/sittings/{sid}",
            "/proctor",
            f"/proctor/sittings/{sid}",
            f"/reports/sittings/{sid}",
        ):
            page = await client.get(f"{url}?lang={lang}", headers=HTML)
            assert page.status_code == 200, url
            assert name in page.text, (url, lang)
            assert "berjalan" not in page.text.lower() or lang == "en", url
