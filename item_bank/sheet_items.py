"""Item rows of the spreadsheet template → the native structure, with each cell's location."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from item_bank.columns import ITEM_COLUMNS, kind_value
from item_bank.models import OPTION_LABELS
from item_bank.problems import Code, FieldPath, Location, Report
from item_bank.tables import Header, Rows, data_rows, find_header, is_example
from item_bank.values import is_blank

ITEM_FIELDS = frozenset({"id", "competency", "kind", "level", "stem", "points", "media"})


@dataclass
class ItemRowReader:
    """Reads item rows; remembers each item's row and option labels to locate its fields."""

    report: Report
    header: Header
    rows: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def locate(self, path: FieldPath) -> Location | None:
        """The cell of a field path such as `items[3].options[1].weight`."""
        if len(path) < 2 or path[0] != "items" or not isinstance(path[1], int):
            return None
        row, rest = self.rows[path[1]], path[2:]
        return self.header.location(self.column(path[1], rest), row)

    def column(self, index: int, rest: FieldPath) -> str:
        if not rest or rest[0] not in ITEM_FIELDS | {"options"}:
            return "id"
        if rest == ("media", "alt"):
            return "media_alt"
        if rest[0] != "options":
            return str(rest[0])
        if len(rest) == 1 or rest[1] == "correct" or (len(rest) > 2 and rest[2] == "correct"):
            return "option_A" if len(rest) == 1 else "correct"
        labels = self.labels[index]
        label = labels[rest[1]] if isinstance(rest[1], int) and rest[1] < len(labels) else "A"
        return f"weight_{label}" if rest[2:] == ("weight",) else f"option_{label}"

    def item(self, row: int, cells: Sequence[Any], index: int) -> dict[str, Any]:
        path: FieldPath = ("items", index)
        self.rows.append(row)
        text, value = self.header.text, self.header.value
        kind = text("kind", cells)
        item: dict[str, Any] = {
            "id": text("id", cells),
            "competency": text("competency", cells),
            "kind": kind_value(kind) if kind else None,
            "level": value("level", cells),
            "stem": text("stem", cells),
            "points": value("points", cells),
            "options": self.options(row, cells, path, text("id", cells)),
        }
        media, alt = text("media", cells), text("media_alt", cells)
        if media or alt:
            item["media"] = {"src": media, "alt": alt}
        return item

    def options(
        self, row: int, cells: Sequence[Any], path: FieldPath, item_id: str | None
    ) -> list[dict[str, Any]]:
        present: list[tuple[str, dict[str, Any]]] = []
        for label in OPTION_LABELS:
            text = self.header.text(f"option_{label}", cells)
            weight = self.header.value(f"weight_{label}", cells)
            if text is None and is_blank(weight):
                continue
            present.append((label, {"text": text, "weight": weight}))
        filled = [label for label, _ in present]
        self.labels.append("".join(filled))
        for label in OPTION_LABELS[: OPTION_LABELS.index(filled[-1]) if filled else 0]:
            if label not in filled:
                at = self.header.location(f"option_{label}", row)
                self.report.add(
                    Code.OPTION_GAP, (*path, "options"), item_id=item_id, at=at, label=label
                )
        self.key(row, cells, path, item_id, dict(present))
        return [option for _, option in present]

    def key(
        self,
        row: int,
        cells: Sequence[Any],
        path: FieldPath,
        item_id: str | None,
        options: dict[str, dict[str, Any]],
    ) -> None:
        """The `correct` column names the key by label; several labels make two correct options."""
        value = self.header.text("correct", cells)
        for label in key_labels(value):
            if label in options:
                options[label]["correct"] = True
            elif label:
                at = self.header.location("correct", row)
                self.report.add(
                    Code.CORRECT_NOT_AN_OPTION,
                    (*path, "correct"),
                    item_id=item_id,
                    at=at,
                    value=label,
                )


KEY_WORDS = re.compile(r"^(opsi|option|pilihan|jawaban|kunci|answer|key)\b[\s:.]*", re.I)


def key_labels(value: str | None) -> list[str]:
    """`C`, `c`, `Opsi C`, `Jawaban: C`, `B, D` → the labels named (several: two correct)."""
    labels = []
    for part in re.split(r"\s*[,;/]\s*|\s+(?:dan|and)\s+", (value or "").strip()):
        part = KEY_WORDS.sub("", part.strip()).strip().rstrip(".)")
        labels += [p for p in part.upper().split() if p]
    return labels


def read_item_rows(
    rows: Rows, sheet: str | None, report: Report, *, need_competency: bool, max_items: int
) -> list[dict[str, Any]]:
    optional = frozenset() if need_competency else frozenset({"competency"})
    header, filled = find_header(data_rows(rows), ITEM_COLUMNS, sheet, report, optional)
    if header is None:
        return []
    reader = ItemRowReader(report, header)
    report.source.resolver = reader.locate
    items: list[dict[str, Any]] = []
    for row, cells in filled:
        if is_example(cells):
            continue
        if len(items) == max_items:
            report.add(Code.TOO_MANY_ITEMS, ("items",), limit=max_items)
            break
        items.append(reader.item(row, cells, len(items)))
    return items
