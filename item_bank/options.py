"""Checks of an item's options against its kind (weighted or keyed)."""

from dataclasses import dataclass
from typing import Any

from item_bank.models import MAX_OPTIONS, MAX_WEIGHT, MIN_OPTIONS, MIN_WEIGHT, OPTION_LABELS
from item_bank.problems import Code, FieldPath, Report
from item_bank.rich import reading, rich_field
from item_bank.text import is_blank_rich
from item_bank.values import as_int, is_blank

OPTION_KEYS = frozenset({"label", "text", "weight", "correct"})


@dataclass
class OptionChecker:
    report: Report
    item_id: str | None
    latex: bool = False

    def add(self, code: Code, path: FieldPath, **params: Any) -> None:
        self.report.add(code, path, item_id=self.item_id, **params)

    def options(self, raw: Any, path: FieldPath, kind: str | None) -> list[dict[str, Any]]:
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            self.add(Code.WRONG_TYPE, path, expected="list")
            return []
        if len(raw) < MIN_OPTIONS:
            self.add(Code.TOO_FEW_OPTIONS, path, count=len(raw))
        if len(raw) > MAX_OPTIONS:
            self.add(Code.TOO_MANY_OPTIONS, path, count=len(raw))
        used: set[str] = set()
        options = [self.option(entry, (*path, i), i, kind, used) for i, entry in enumerate(raw)]
        self.same_texts(options, path)
        if kind == "keyed":
            self.key(options, path)
        return options

    def same_texts(self, options: list[dict[str, Any]], path: FieldPath) -> None:
        """Two options that read the same cannot be told apart by a participant."""
        first: dict[str, str] = {}
        for index, option in enumerate(options):
            text = option.get("text")
            if not isinstance(text, str) or is_blank_rich(text):
                continue
            earlier = first.setdefault(reading(text), option["label"])
            if earlier != option["label"]:
                labels = f"{earlier}, {option['label']}"
                self.add(Code.DUPLICATE_OPTION_TEXT, (*path, index, "text"), labels=labels)

    def key(self, options: list[dict[str, Any]], path: FieldPath) -> None:
        """Key problems concern the options list; a spreadsheet places them in its key column."""
        correct = [o["label"] for o in options if o.get("correct") is True]
        at = self.report.source.locate((*path, "correct"))
        if not correct:
            self.report.add(Code.NO_CORRECT_OPTION, path, item_id=self.item_id, at=at)
        elif len(correct) > 1:
            labels = ", ".join(correct)
            self.report.add(
                Code.TWO_CORRECT_OPTIONS, path, item_id=self.item_id, at=at, labels=labels
            )

    def option(
        self, raw: Any, path: FieldPath, index: int, kind: str | None, used: set[str]
    ) -> dict[str, Any]:
        expected = OPTION_LABELS[index] if index < len(OPTION_LABELS) else "?"
        if not isinstance(raw, dict):
            self.add(Code.WRONG_TYPE, path, expected="mapping")
            return {"label": expected}
        for key in raw:
            if key not in OPTION_KEYS:
                self.add(Code.UNKNOWN_FIELD, (*path, str(key)), name=key)
        label = self.label(raw.get("label"), (*path, "label"), expected, used)
        correct = raw.get("correct", False)
        if correct is None:
            correct = False
        if not isinstance(correct, bool):
            self.add(Code.WRONG_TYPE, (*path, "correct"), expected="boolean")
        if kind == "weighted" and correct is True:
            self.add(Code.CORRECT_ON_WEIGHTED, (*path, "correct"), label=label)
        return {
            "label": label,
            "text": self.text(raw.get("text"), (*path, "text"), label),
            "weight": self.weight(raw.get("weight"), (*path, "weight"), label, kind),
            "correct": correct,
        }

    def label(self, value: Any, path: FieldPath, expected: str, used: set[str]) -> str:
        label = expected if is_blank(value) else str(value).strip().upper()
        if label in used:
            self.add(Code.DUPLICATE_OPTION_LABEL, path, value=label)
        elif label != expected:
            self.add(Code.INVALID_OPTION_LABEL, path, value=value, expected=expected)
        used.add(label)
        return label

    def text(self, value: Any, path: FieldPath, label: str) -> str | None:
        text = rich_field(self.report, value, path, self.item_id, latex=self.latex)
        if text is None:
            return None
        if is_blank_rich(text):
            self.add(Code.EMPTY_OPTION_TEXT, path, label=label)
        return text

    def weight(self, value: Any, path: FieldPath, label: str, kind: str | None) -> int | None:
        if kind == "keyed":
            if not is_blank(value):
                self.add(Code.WEIGHT_ON_KEYED, path, label=label)
            return None
        if is_blank(value):
            if kind == "weighted":
                self.add(Code.MISSING_WEIGHT, path, label=label)
            return None
        weight = as_int(value)
        if weight is None or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
            self.add(Code.WEIGHT_OUT_OF_RANGE, path, value=value, label=label)
        return weight
