"""The documented, stable column lists of every export (docs/exports.md).

A column is only ever added at the END of a list; none is renamed, reordered or removed, so that
scripts reading an export by position keep working. The matrix adds one column per item id after
its fixed columns (item ids sorted)."""

from __future__ import annotations

from typing import Literal

Kind = Literal["responses", "results", "matrix", "audit"]
# csv-id: the CSV for Excel in an Indonesian locale (";", decimal comma, UTF-8 BOM, CRLF).
Format = Literal["csv", "csv-id", "xlsx", "jsonl"]
KINDS: tuple[Kind, ...] = ("responses", "results", "matrix", "audit")
FORMATS: tuple[Format, ...] = ("csv", "csv-id", "xlsx", "jsonl")

# Written as ="…" in every CSV so that a spreadsheet keeps them as text (the NIP's 18 digits,
# leading zeros of a participant number, codes like 1.10 that would become numbers or dates).
IDENTIFIERS: frozenset[str] = frozenset(
    {"sitting_code", "participant_no", "nip", "position_code", "item_id", "competency"}
)
# Added after every export's UTC columns: the same moments on the room's wall clock.
LOCAL: tuple[str, ...] = ("time_zone", "time_zone_label")

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
    "first_answered_at_local",
    "saved_at_local",
    *LOCAL,
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
    "category_pemetaan",
    "category_seleksi",
    "potential",
    "scored_at_local",
    *LOCAL,
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
    "discrimination_basis",
    "difficulty",
    "difficulty_se",
    "infit",
    "outfit",
)

SCALE_ANALYSIS: tuple[str, ...] = (
    "competency",
    "items",
    "n_complete",
    "mean_total",
    "sd_total",
    "alpha",
    "sem",
    "n",
    "form_items",
    "alpha_form",
    "person_reliability",
    "person_separation",
    "marginal_reliability",
    "model",
)

# The sitting's audit events: the audit log's columns, then the local time.
AUDIT_LOCAL: tuple[str, ...] = ("occurred_at_local", *LOCAL)

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "csv-id": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
