"""Every message key a page can show is translated: each key of the catalogues renders in both
languages, every key the templates, scripts and Python name exists in both, and a key built from
a prefix and a value (``t("state.sitting." ~ status)``) exists for every value it can take."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path

import pytest

from cact.analysis.exposure import DRIFTING, OVER_EXPOSED, REASONS
from cact.assessors.models import METHOD_KINDS
from cact.auth.models import ROLES
from cact.bank.models import ItemStatus
from cact.exam.statuses import AttemptStatus, Attendance, SectionStatus, SittingStatus
from cact.kit.i18n import LANGUAGES, catalogue, translate
from cact.proctoring.dashboard import COUNTERS, STATUSES
from cact.programmes.pages import POTENTIALS, RATINGS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "kiosk_ui" / "templates"
SCRIPTS = ROOT / "kiosk_ui" / "static"
PYTHON = ROOT / "cact"
KEY = r"[a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_]+)+"

# Literal keys: t("a.b") / t('a.b') in templates and scripts, translate(lang, "a.b") in Python.
LITERAL = re.compile(rf"""\bt\(\s*["']({KEY})["']\s*[,)]""")
PY_LITERAL = re.compile(rf"""\btranslate\(\s*[\w.()]+,\s*"({KEY})"\s*[,)]""")
# Built at run time: t("prefix." ~ value), t('prefix.' + value), translate(lang, f"prefix.{v}").
BUILT = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_.]*\.)["']\s*[~+]""")
PY_BUILT = re.compile(r"""\btranslate\(\s*\w+,\s*f"([a-z][a-z0-9_.]*\.)\{""")
# A script names a key as a value too: `confirm: 'proctor.confirm.open'`.
SCRIPT_VALUE = re.compile(
    rf"""[:=,(]\s*'((?:proctor|exam|kiosk|legend|clock|finish)\.{KEY[len("[a-z][a-z0-9_]*") :]})'"""
)
DONE = re.compile(r"[?&]done=([a-z_]+)")


def _values(*enums: Iterable[str]) -> set[str]:
    return {str(v) for enum in enums for v in enum}


def _script_action_names() -> set[str]:
    source = (SCRIPTS / "proctor" / "actions.js").read_text("utf-8")
    block = source.split("export const ACTIONS = {", 1)[1].split("};", 1)[0]
    return set(re.findall(r"^\s+(\w+): \{", block, re.M)) | {"approve_reset"}


# Every prefix a key is built from, with every value it can take. A new built key fails this
# test until its values are listed here: that is what keeps it from reaching a page raw.
BUILT_VALUES: dict[str, set[str] | None] = {
    "state.sitting.": _values(SittingStatus),
    "state.attempt.": _values(AttemptStatus),
    "state.section.": _values(SectionStatus),
    "state.attendance.": _values(Attendance),
    "state.item.": _values(ItemStatus),
    "role.": set(ROLES),
    "assess.kind.": set(METHOD_KINDS),
    "proctor.action.": _script_action_names(),
    "proctor.status.": set(STATUSES),
    "proctor.counter.": set(COUNTERS),
    "proctor.live.": {"live", "connecting", "lost", "forbidden"},
    "legend.": {"answered", "doubtful", "unanswered", "current"},
    "editor.kind.": {"weighted", "keyed"},
    "exposure.flag.": {OVER_EXPOSED, DRIFTING},
    "exposure.reason.": set(REASONS),
    "admin.audit.kind.": {"staff", "participant", "system"},
    "admin.rating.": set(RATINGS),
    "reports.rating.": set(RATINGS),
    "reports.potential.": set(POTENTIALS),
    "admin.nav.": {
        "sittings",
        "rooms",
        "participants",
        "staff",
        "standards",
        "programmes",
        "audit",
    },
}


def _files(root: Path, suffix: str) -> list[Path]:
    return [p for p in root.rglob(f"*{suffix}") if "vendor" not in p.parts]


def _sources() -> dict[Path, str]:
    found = {}
    for root, suffix in ((TEMPLATES, ".html"), (SCRIPTS, ".js"), (PYTHON, ".py")):
        for path in _files(root, suffix):
            found[path] = path.read_text("utf-8")
    return found


def _named_keys() -> dict[str, Path]:
    named: dict[str, Path] = {}
    for path, text in _sources().items():
        patterns = {
            ".html": (LITERAL,),
            ".js": (LITERAL, SCRIPT_VALUE),
            ".py": (PY_LITERAL,),
        }[path.suffix]
        for pattern in patterns:
            for key in pattern.findall(text):
                named.setdefault(key, path)
        if path.suffix == ".py":
            for done in DONE.findall(text):
                named.setdefault(f"admin.done.{done}", path)
    return named


def _built_prefixes() -> dict[str, Path]:
    built: dict[str, Path] = {}
    for path, text in _sources().items():
        pattern = PY_BUILT if path.suffix == ".py" else BUILT
        for prefix in pattern.findall(text):
            built.setdefault(prefix, path)
    return built


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_key_renders_as_text_in_both_languages(lang: str) -> None:
    keys = set(catalogue("id")) | set(catalogue("en"))
    raw = []
    for key in sorted(keys):
        text = catalogue(lang).get(key, "")
        values = {name: "X" for name in _placeholders(text)}
        shown = translate(lang, key, **values)
        if not text.strip() or shown == key or re.search(r"\{\w+\}", shown):
            raw.append(key)
    assert raw == []


def test_both_languages_have_the_same_keys_and_the_same_placeholders() -> None:
    indonesian, english = catalogue("id"), catalogue("en")
    assert sorted(set(indonesian) ^ set(english)) == []
    differing = [k for k in indonesian if _placeholders(indonesian[k]) != _placeholders(english[k])]
    assert differing == []


def test_every_key_a_page_names_is_in_both_catalogues() -> None:
    missing = {
        key: str(path.relative_to(ROOT))
        for key, path in _named_keys().items()
        if any(key not in catalogue(lang) for lang in LANGUAGES)
    }
    assert missing == {}


def test_every_key_a_page_builds_exists_for_every_value() -> None:
    unlisted = {}
    missing = []
    for prefix, path in _built_prefixes().items():
        values = BUILT_VALUES.get(prefix)
        if values is None:
            if not any(k.startswith(prefix) for k in catalogue("id")):
                unlisted[prefix] = str(path.relative_to(ROOT))
            continue
        missing += [
            f"{prefix}{v} ({lang})"
            for v in values
            for lang in LANGUAGES
            if f"{prefix}{v}" not in catalogue(lang)
        ]
    assert unlisted == {}
    assert missing == []


def test_the_rotate_token_action_has_a_name() -> None:
    """The dashboard said "Berhasil: proctor.action.rotate" after a token change."""
    assert translate("id", "proctor.action.rotate") != "proctor.action.rotate"
    assert translate("en", "proctor.action.rotate") != "proctor.action.rotate"
    assert "rotate" in BUILT_VALUES["proctor.action."]
