"""Moodle's answer fractions (percent of the question's grade) → a keyed or a weighted item."""

from dataclasses import dataclass

from item_bank.models import MAX_WEIGHT

# Moodle writes thirds as 33.33333 and 66.66667: a weight is whole within this.
TOLERANCE = 0.02


@dataclass(frozen=True)
class Scoring:
    kind: str
    weights: list[int | None]
    correct: list[bool]


def parse_fraction(text: str | None) -> float | None:
    try:
        value = float((text or "0").strip().rstrip("%"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def scoring(fractions: list[float], grade: float | None = None) -> Scoring | None:
    """One answer at 100 % and the rest at 0 → keyed; otherwise weighted: weight = fraction ×
    the question's grade when that gives whole weights 0–10 (how CACT writes Moodle XML), else
    the smallest scale 1–10 that does (100/75/50/25 → 4/3/2/1); None when nothing does."""
    if any(f < 0 or f > 100 for f in fractions):
        return None
    full = [f >= 100 - TOLERANCE for f in fractions]
    if sum(full) == 1 and all(
        f <= TOLERANCE or top for f, top in zip(fractions, full, strict=True)
    ):
        return Scoring("keyed", [None] * len(fractions), full)
    if not any(fractions):
        return Scoring("keyed", [None] * len(fractions), [False] * len(fractions))
    scales = list(range(1, MAX_WEIGHT + 1))
    if grade is not None and grade == int(grade) and 1 <= grade <= MAX_WEIGHT:
        scales.insert(0, int(grade))
    for scale in scales:
        weights = [f * scale / 100 for f in fractions]
        if all(abs(w - round(w)) <= TOLERANCE * scale / 100 + 1e-9 for w in weights):
            return Scoring("weighted", [round(w) for w in weights], [False] * len(fractions))
    return None


def fraction_of(weight: int, top: int) -> str:
    """A weight as the fraction Moodle writes (5 decimals at most, as Moodle's own exports)."""
    return f"{weight * 100 / top:.5f}".rstrip("0").rstrip(".") if top else "0"
