"""docs/roster-format.md lists every roster problem with both its messages, and every message key
the admin pages use exists in both catalogues."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cact.participants.roster_file import COLUMNS, MESSAGES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "roster-format.md").read_text("utf-8")


def test_every_roster_problem_is_documented_in_both_languages() -> None:
    for code, (indonesian, english) in MESSAGES.items():
        line = next((ln for ln in DOC.splitlines() if ln.startswith(f"| `{code}` |")), None)
        assert line is not None, code
        assert indonesian.replace("|", "\\|") in line and english.replace("|", "\\|") in line


def test_every_column_is_documented_with_both_headers() -> None:
    for column in COLUMNS:
        assert f"| `{column.indonesian}` | `{column.name}` |" in DOC
        for alias in column.aliases:
            assert f"`{alias}`" in DOC


def test_every_admin_message_key_exists_in_both_catalogues() -> None:
    catalogues = {
        lang: json.loads((ROOT / "kiosk_ui" / "i18n" / f"admin.{lang}.json").read_text("utf-8"))
        for lang in ("id", "en")
    }
    assert catalogues["id"].keys() == catalogues["en"].keys()
    sources = [*(ROOT / "kiosk_ui" / "templates" / "admin").glob("*.html")]
    sources += sorted((ROOT / "cact").glob("*/*pages.py"))
    used = {
        key
        for source in sources
        for key in re.findall(
            r"[\"'](admin\.[a-z_]+(?:\.[a-z_]+)+)[\"']", source.read_text("utf-8")
        )
    }
    assert len(used) > 100
    # Admin pages also use keys of the catalogues kept beside their feature (browser.*.json …).
    known = {
        key
        for path in (ROOT / "kiosk_ui" / "i18n").glob("*id.json")
        for key in json.loads(path.read_text("utf-8"))
    }
    prefixes = {key.rsplit(".", 1)[0] for key in known}  # "admin.rooms.field" + a field name
    assert sorted(used - known - prefixes) == []
