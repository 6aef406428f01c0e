"""Rows ↔ plain JSON records by column name (dates as ISO text, bytes as base64)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, Numeric
from sqlalchemy.orm import DeclarativeBase


def _out(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def record_of(row: DeclarativeBase, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _out(getattr(row, name)) for name in fields}


def values_of(
    model: type[DeclarativeBase], record: dict[str, Any], fields: tuple[str, ...]
) -> dict[str, Any]:
    """The record's fields as the model's column types want them."""
    columns = model.__table__.columns
    values: dict[str, Any] = {}
    for name in fields:
        value = record.get(name)
        column_type = columns[name].type
        if value is not None and isinstance(column_type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column_type, Numeric):
            value = Decimal(str(value))
        elif value is not None and isinstance(column_type, LargeBinary):
            value = base64.b64decode(value)
        values[name] = value
    return values


def assign(row: DeclarativeBase, values: dict[str, Any]) -> bool:
    """Set the values; True when any differed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
