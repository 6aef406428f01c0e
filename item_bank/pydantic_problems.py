"""Pydantic validation errors → problems with codes, for the simpler documents (blueprint,
competency dictionary) that are validated by their models directly."""

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from item_bank.models import MAX_BREAK_SECONDS
from item_bank.problems import Code, FieldPath, Report

_WRONG_TYPE = {
    "string_type": "text",
    "list_type": "list",
    "dict_type": "mapping",
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
}
_BREAKS = frozenset({"break_seconds", "break_after_seconds"})
_OUT_OF_RANGE = frozenset(
    {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "too_short", "too_long"}
)


def report_validation_error(error: ValidationError, report: Report) -> None:
    for detail in error.errors():
        path: FieldPath = tuple(detail["loc"])
        code, params = _code(detail, path)
        report.add(code, path, **params)


def _code(detail: ErrorDetails, path: FieldPath) -> tuple[Code, dict[str, Any]]:
    kind, name, value = detail["type"], path[-1] if path else "", detail.get("input")
    if kind == "missing":
        return Code.MISSING_FIELD, {"name": name}
    if kind == "extra_forbidden":
        return Code.UNKNOWN_FIELD, {"name": name}
    if kind in _WRONG_TYPE:
        return Code.WRONG_TYPE, {"expected": _WRONG_TYPE[kind]}
    if name in _BREAKS and kind in _OUT_OF_RANGE:
        return Code.BREAK_OUT_OF_RANGE, {"value": value, "max": MAX_BREAK_SECONDS}
    if name == "level" and kind in _OUT_OF_RANGE:
        return Code.LEVEL_OUT_OF_RANGE, {"value": value}
    if kind in _OUT_OF_RANGE:
        return Code.VALUE_OUT_OF_RANGE, {"detail": detail["msg"]}
    if kind == "string_pattern_mismatch":
        if name == "competency" or (name == "code" and "competencies" in path):
            return Code.INVALID_COMPETENCY_CODE, {"value": value}
        return Code.INVALID_ID, {"value": value}
    if kind == "literal_error" and name == "format":
        return Code.WRONG_FORMAT, {
            "value": value,
            "expected": detail.get("ctx", {}).get("expected"),
        }
    if kind in {c.value for c in Code}:
        return Code(kind), {}
    return Code.INVALID_VALUE, {"detail": detail["msg"]}
