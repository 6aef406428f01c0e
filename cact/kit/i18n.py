"""Bahasa Indonesia first, English on request: message catalogues for the pages people read."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANG_COOKIE = "cact_lang"
CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "kiosk_ui" / "i18n"


def _read(path: Path) -> dict[str, str]:
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


@cache
def catalogue(lang: str) -> dict[str, str]:
    """``<lang>.json`` plus every ``<part>.<lang>.json`` beside it; the main file wins a clash."""
    merged: dict[str, str] = {}
    for part in sorted(CATALOGUE_DIR.glob(f"*.{lang}.json")):
        merged.update(_read(part))
    merged.update(_read(CATALOGUE_DIR / f"{lang}.json"))
    return merged


def request_language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(lang: str, key: str, **values: object) -> str:
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text
