"""Lenient readers for raw values: spreadsheets give numbers as floats or text."""

import re
from typing import Any

_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


def as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a numeric string; otherwise None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(float(value.strip()))
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
