"""Status enums in SQL: one rendering for check constraints and raw statements."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


def sql_list(values: Iterable[StrEnum]) -> str:
    """``'a', 'b'`` for ``IN (…)`` in a raw statement or a check constraint, in a stable order."""
    return ", ".join(f"'{value.value}'" for value in sorted(values, key=_order))


def _order(value: StrEnum) -> int:
    return list(type(value)).index(value)


def known(enum: type[StrEnum]) -> str:
    """The check constraint that keeps a status column inside its enum."""
    return f"status IN ({sql_list(enum)})"
