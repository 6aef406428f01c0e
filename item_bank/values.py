"""Lenient readers for raw values: spreadsheets give numbers as floats or text."""

import re
from typing import Any

# `4`, `4.0` and, from an Indonesian spreadsheet, `4,0` (decimal comma).
_INTEGER = re.compile(r"^[+-]?\d+([.,]0*)?$")


def as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a numeric string; otherwise None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(float(value.strip().replace(",", ".")))
    return None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str | None:
    """A spreadsheet cell as text: `1001.0` reads as `1001`, blanks as None."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_safe_relative(path: str) -> bool:
    """A relative path that stays inside its file's folder or package (media `src`)."""
    parts = path.replace("\\", "/").split("/")
    return bool(path.strip()) and not (path.startswith(("/", "\\")) or ":" in path or ".." in parts)


_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")


def item_id_from(name: str | None, fallback: str) -> str:
    """An item id from a question's name in formats without ids (Moodle, GIFT, Word):
    `Soal 1 (Integritas)` → `Soal-1-Integritas`; no usable name → `fallback`."""
    slug = _NOT_ID.sub("-", (name or "").strip()).strip("-._")[:64].rstrip("-._")
    return slug or fallback


def id_prefix(file_name: str) -> str:
    """The generated ids' prefix: the file's name without folder and extension, as an id."""
    stem = file_name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return item_id_from(stem, "soal")[:56]
