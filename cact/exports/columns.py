"""The documented, stable column lists of every export (docs/exports.md).

A column is only ever added at the END of a list; none is renamed, reordered or removed, so that
scripts reading an export by position keep working. The matrix adds one column per item id after
its fixed columns (item ids sorted)."""

from __future__ import annotations

from typing import Literal

Kind = Literal["responses", "results", "matrix", "audit"]
Format = Literal["csv", "xlsx", "jsonl"]
KINDS: tuple[Kind, ...] = ("responses", "results", "matrix", "audit")
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "jsonl")

RESPONSES: tuple[str, ...] = (
    "sitting_code",
    "attempt_id",
    "attempt_status",
    "participant_no",
    "nip",
    "name",
    "position_code",
    "section_title",
    "item_id",
    "item_version",
    "competency",
    "number",
    "answer",
    "score",
    "doubtful",
    "first_answered_at",
    "saved_at",
    "change_count",
    "close_reason",
    "close_note",
)

RESULTS: tuple[str, ...] = (
    "sitting_code",
    "attempt_id",
    "attempt_status",
    "participant_no",
    "nip",
    "name",
    "position_code",
    "competency",
    "raw_score",
    "max_score",
    "index",
    "attained_level",
    "required_level",
    "gap",
    "jpm",
    "category",
    "combined_score",
    "nine_box",
    "result_version",
    "scored_at",
    "close_reason",
    "close_note",
    "scored",
    "in_distributions",
)

# Followed by one column per item id, sorted; the cell is the item score, blank where the item
# was not on that participant's form.
MATRIX_FIXED: tuple[str, ...] = ("sitting_code", "attempt_id", "participant_no")

ITEM_ANALYSIS: tuple[str, ...] = (
    "competency",
    "item_id",
    "n",
    "max_score",
    "mean_score",
    "facility",
    "discrimination",
    "flags",
    "options",
)

SCALE_ANALYSIS: tuple[str, ...] = (
    "competency",
    "items",
    "n_complete",
    "mean_total",
    "sd_total",
    "alpha",
    "sem",
)

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
