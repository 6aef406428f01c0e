"""The integration rule, pure: the methods' levels and the matrix weights → a proposed level.

Exact arithmetic (fractions, never floats): a method rated by several assessors counts with the
mean of their current levels; the weighted mean is taken over the methods of the matrix that
have evidence, and rounded half up (2.5 → 3, 2.49 → 2). Formulas in docs/scoring.md §
"Integrasi · Integration"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

MEAN_PLACES = 4  # the weighted mean as shown and stored, 0.0000–5.0000


def method_level(levels: Sequence[int]) -> Fraction | None:
    """One method's level: the mean of its assessors' current levels (None without any)."""
    return Fraction(sum(levels), len(levels)) if levels else None


def weighted_mean(
    weights: Mapping[str, Decimal], levels: Mapping[str, Fraction | None]
) -> Fraction | None:
    """Σ weight × level / Σ weight over the weighted methods that have a level."""
    used = [(Fraction(w), levels[m]) for m, w in weights.items() if levels.get(m) is not None]
    total = sum((w for w, _ in used), Fraction(0))
    if not used or total == 0:
        return None
    return sum((w * lv for w, lv in used if lv is not None), Fraction(0)) / total


def half_up(value: Fraction) -> int:
    """The nearest whole level, a half rounded up: ⌊value + ½⌋, in integers."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def shown(value: Fraction) -> Decimal:
    """The mean to four places (half up), exact: what the page and the export show."""
    unit = 10**MEAN_PLACES
    rounded = (2 * value.numerator * unit + value.denominator) // (2 * value.denominator)
    return Decimal(rounded).scaleb(-MEAN_PLACES)


def proposal(
    rule: str, weights: Mapping[str, Decimal], levels: Mapping[str, Fraction | None]
) -> tuple[Fraction | None, int | None]:
    """(weighted mean, proposed level); ``assessors_decide`` proposes nothing."""
    if rule != "weighted_mean":
        return None, None
    mean = weighted_mean(weights, levels)
    return mean, None if mean is None else min(max(half_up(mean), 1), 5)
