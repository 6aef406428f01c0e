"""The statistics, on plain Python numbers (no database): see docs/item-analysis.md.

Every scale is one competency: an item's "rest" total is the sum of the scores of the OTHER
items of the same competency that the participant was presented."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Flag thresholds (configurable constants).
LOW_DISCRIMINATION = 0.2  # item–rest correlation below this (and ≥ 0): "low_discrimination"
TOO_EASY = 0.9  # facility above this: "too_easy"
TOO_HARD = 0.2  # facility below this: "too_hard"
BLANK = ""  # the option label of "no answer" in the distribution


@dataclass(frozen=True)
class Cell:
    """One presented item of one attempt: its score, the most it can give, the chosen label."""

    attempt_id: int
    competency: str
    item_id: str
    score: float
    max_score: float
    label: str | None


@dataclass
class OptionStat:
    label: str  # the bank's label; "" for blank (no answer)
    count: int
    share: float  # count / n
    mean_total: float | None  # mean scale total (this item included) of those choosing it


@dataclass
class ItemStat:
    competency: str
    item_id: str
    n: int
    max_score: float
    mean_score: float
    facility: float | None
    discrimination: float | None
    options: list[OptionStat] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class ScaleStat:
    competency: str
    items: int
    n_complete: int  # attempts presented every item of the scale: alpha's sample
    mean_total: float | None
    sd_total: float | None
    alpha: float | None
    sem: float | None


@dataclass
class Analysis:
    items: list[ItemStat]
    scales: list[ScaleStat]


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def variance(values: Sequence[float]) -> float:
    """Sample variance (n − 1)."""
    m = mean(values)
    return math.fsum((v - m) ** 2 for v in values) / (len(values) - 1)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's r; None with fewer than 2 pairs or when either side is constant."""
    if len(x) < 2:
        return None
    mx, my = mean(x), mean(y)
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def flags_for(facility: float | None, discrimination: float | None) -> list[str]:
    found = []
    if discrimination is not None:
        if discrimination < 0:
            found.append("negative_discrimination")
        elif discrimination < LOW_DISCRIMINATION:
            found.append("low_discrimination")
    if facility is not None:
        if facility > TOO_EASY:
            found.append("too_easy")
        elif facility < TOO_HARD:
            found.append("too_hard")
    return found


def cronbach_alpha(columns: Sequence[Sequence[float]]) -> float | None:
    """k/(k−1) · (1 − Σ var(item) / var(total)) over complete cases; None when undefined."""
    k = len(columns)
    if k < 2 or len(columns[0]) < 2:
        return None
    totals = [math.fsum(row) for row in zip(*columns, strict=True)]
    total_variance = variance(totals)
    if total_variance <= 0:
        return None
    return k / (k - 1) * (1 - math.fsum(variance(c) for c in columns) / total_variance)


def analyse(cells: Iterable[Cell], labels: Mapping[str, Sequence[str]] | None = None) -> Analysis:
    """Per item and per competency scale. ``labels`` (item id → bank labels in bank order)
    lists options nobody chose too; without it only the chosen labels appear."""
    scores: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    chosen: dict[str, dict[int, str]] = defaultdict(dict)
    maxima: dict[str, float] = {}
    for cell in cells:
        scores[cell.competency][cell.item_id][cell.attempt_id] = float(cell.score)
        chosen[cell.item_id][cell.attempt_id] = cell.label or BLANK
        maxima[cell.item_id] = max(maxima.get(cell.item_id, 0.0), float(cell.max_score))

    items: list[ItemStat] = []
    scales: list[ScaleStat] = []
    for competency in sorted(scores):
        by_item = scores[competency]
        totals: dict[int, float] = defaultdict(float)
        for by_attempt in by_item.values():
            for attempt_id, score in by_attempt.items():
                totals[attempt_id] += score
        for item_id in sorted(by_item):
            items.append(
                _item(
                    competency,
                    item_id,
                    by_item[item_id],
                    totals,
                    chosen[item_id],
                    maxima,
                    (labels or {}).get(item_id, ()),
                )
            )
        scales.append(_scale(competency, by_item))
    return Analysis(items, scales)


def _item(
    competency: str,
    item_id: str,
    by_attempt: Mapping[int, float],
    totals: Mapping[int, float],
    chosen: Mapping[int, str],
    maxima: Mapping[str, float],
    bank_labels: Sequence[str],
) -> ItemStat:
    attempts = sorted(by_attempt)
    x = [by_attempt[a] for a in attempts]
    rest = [totals[a] - by_attempt[a] for a in attempts]
    n = len(attempts)
    top = maxima[item_id]
    mean_score = mean(x)
    facility = mean_score / top if top > 0 else None
    discrimination = pearson(x, rest)
    choosers: dict[str, list[float]] = defaultdict(list)
    for a in attempts:
        choosers[chosen[a]].append(totals[a])
    order = [*bank_labels, *sorted(set(choosers) - set(bank_labels) - {BLANK}), BLANK]
    options = [
        OptionStat(
            label,
            len(choosers.get(label, [])),
            len(choosers.get(label, [])) / n,
            mean(choosers[label]) if choosers.get(label) else None,
        )
        for label in order
    ]
    return ItemStat(
        competency,
        item_id,
        n,
        top,
        mean_score,
        facility,
        discrimination,
        options,
        flags_for(facility, discrimination),
    )


def _scale(competency: str, by_item: Mapping[str, Mapping[int, float]]) -> ScaleStat:
    item_ids = sorted(by_item)
    complete = sorted(set.intersection(*(set(by_item[i]) for i in item_ids)))
    columns = [[by_item[i][a] for a in complete] for i in item_ids]
    totals = [math.fsum(by_item[i][a] for i in item_ids) for a in complete]
    alpha = cronbach_alpha(columns) if complete else None
    sd = math.sqrt(variance(totals)) if len(totals) >= 2 else None
    sem = sd * math.sqrt(1 - alpha) if sd is not None and alpha is not None else None
    return ScaleStat(
        competency,
        len(item_ids),
        len(complete),
        mean(totals) if totals else None,
        sd,
        alpha,
        sem,
    )
