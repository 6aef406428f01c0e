"""The statistics, on plain Python numbers (no database): see docs/item-analysis.md.

Every scale is one competency: an item's "rest" total is the sum of the scores of the OTHER
items of the same competency that the participant was presented — or, when the scale's forms
hold too few items for that (``MIN_REST_ITEMS``), of every other item of the test."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cact.analysis.rasch import Calibration

# Flag thresholds (configurable constants).
LOW_DISCRIMINATION = 0.2  # item–rest correlation below this (and ≥ 0): "low_discrimination"
TOO_EASY = 0.9  # facility above this: "too_easy"
TOO_HARD = 0.2  # facility below this: "too_hard"
BLANK = ""  # the option label of "no answer" in the distribution
MIN_FLAG_N = 30  # no flag on an item presented to fewer attempts
MIN_REST_ITEMS = 3  # fewer other scale items per form (on average): rest = the whole test
MIN_RELIABILITY_N = 10  # no reliability on a scale with fewer attempts


@dataclass(frozen=True)
class Cell:
    """One presented item of one attempt: its score, the most it can give, the chosen label."""

    attempt_id: int
    competency: str
    item_id: str
    score: float
    max_score: float
    label: str | None
    item_version_id: int | None = None


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
    discrimination_basis: str = "scale"  # "scale": rest of the competency; "test": of the test
    difficulty: float | None = None  # Rasch (filled in by the calibration)
    difficulty_se: float | None = None
    infit: float | None = None
    outfit: float | None = None


@dataclass
class ScaleStat:
    competency: str
    items: int
    n_complete: int  # attempts presented every item of the scale: alpha's sample
    mean_total: float | None  # over every attempt: its raw total over its own form
    sd_total: float | None
    alpha: float | None  # complete cases only (blank on sampled forms)
    sem: float | None  # sd_total · sqrt(1 − alpha_form), or of alpha on complete cases
    n: int = 0  # attempts presented at least one item of the scale
    form_items: float = 0.0  # mean number of the scale's items per form
    alpha_form: float | None = None  # pairwise-available alpha of a form of form_items items
    person_reliability: float | None = None  # Rasch (filled in by the calibration)
    person_separation: float | None = None
    marginal_reliability: float | None = None
    model: str | None = None


@dataclass
class Analysis:
    items: list[ItemStat]
    scales: list[ScaleStat]
    calibrations: dict[str, Calibration] = field(default_factory=dict)  # by competency
    versions: dict[int, str] = field(default_factory=dict)  # item version id → item id


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


def covariance(x: Sequence[float], y: Sequence[float]) -> float:
    """Sample covariance (n − 1) of paired values."""
    mx, my = mean(x), mean(y)
    return math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / (len(x) - 1)


def pairwise_alpha(by_item: Mapping[str, Mapping[int, float]], length: float) -> float | None:
    """Alpha of a form of ``length`` items drawn from the pool, from the pairwise-available
    item variances and covariances: L·c̄ / (v̄ + (L − 1)·c̄), v̄ the mean item variance, c̄ the
    mean covariance over the pairs presented together (≥ 2 attempts). Equals Cronbach's alpha
    when every attempt saw every item (L = k). None without a co-presented pair."""
    item_ids = sorted(by_item)
    variances = [variance(list(by_item[i].values())) for i in item_ids if len(by_item[i]) >= 2]
    covariances = []
    seen = {i: set(by_item[i]) for i in item_ids}  # once per item, not once per pair
    for a, first in enumerate(item_ids):
        for second in item_ids[a + 1 :]:
            both = sorted(seen[first] & seen[second])
            if len(both) >= 2:
                x = [by_item[first][p] for p in both]
                y = [by_item[second][p] for p in both]
                covariances.append(covariance(x, y))
    if not variances or not covariances or length <= 0:
        return None
    v, c = mean(variances), mean(covariances)
    denominator = v + (length - 1) * c
    if denominator <= 0:
        return None
    return length * c / denominator


def flags_for(
    facility: float | None, discrimination: float | None, n: int = MIN_FLAG_N
) -> list[str]:
    """The item's flags; none at all when ``n < MIN_FLAG_N``."""
    found: list[str] = []
    if n < MIN_FLAG_N:
        return found
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
    test_totals: dict[int, float] = defaultdict(float)
    for by_item in scores.values():
        for by_attempt in by_item.values():
            for attempt_id, score in by_attempt.items():
                test_totals[attempt_id] += score
    for competency in sorted(scores):
        by_item = scores[competency]
        totals: dict[int, float] = defaultdict(float)
        for by_attempt in by_item.values():
            for attempt_id, score in by_attempt.items():
                totals[attempt_id] += score
        scale = _scale(competency, by_item, totals)
        basis = "test" if scale.form_items - 1 < MIN_REST_ITEMS else "scale"
        for item_id in sorted(by_item):
            items.append(
                _item(
                    competency,
                    item_id,
                    by_item[item_id],
                    totals,
                    test_totals if basis == "test" else totals,
                    chosen[item_id],
                    maxima,
                    (labels or {}).get(item_id, ()),
                    basis,
                )
            )
        scales.append(scale)
    return Analysis(items, scales)


def _item(
    competency: str,
    item_id: str,
    by_attempt: Mapping[int, float],
    totals: Mapping[int, float],
    rest_totals: Mapping[int, float],
    chosen: Mapping[int, str],
    maxima: Mapping[str, float],
    bank_labels: Sequence[str],
    basis: str,
) -> ItemStat:
    attempts = sorted(by_attempt)
    x = [by_attempt[a] for a in attempts]
    rest = [rest_totals[a] - by_attempt[a] for a in attempts]
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
        flags_for(facility, discrimination, n),
        basis,
    )


def _scale(
    competency: str, by_item: Mapping[str, Mapping[int, float]], totals: Mapping[int, float]
) -> ScaleStat:
    item_ids = sorted(by_item)
    complete = sorted(set.intersection(*(set(by_item[i]) for i in item_ids)))
    columns = [[by_item[i][a] for a in complete] for i in item_ids]
    alpha = cronbach_alpha(columns) if complete else None
    every = list(totals.values())
    n = len(every)
    form_items = sum(len(by_item[i]) for i in item_ids) / n if n else 0.0
    alpha_form = pairwise_alpha(by_item, form_items) if n >= MIN_RELIABILITY_N else None
    sd = math.sqrt(variance(every)) if n >= 2 else None
    reliable = alpha_form if alpha_form is not None else alpha
    sem = sd * math.sqrt(1 - reliable) if sd is not None and reliable is not None else None
    return ScaleStat(
        competency,
        len(item_ids),
        len(complete),
        mean(every) if every else None,
        sd,
        alpha,
        sem,
        n,
        form_items,
        alpha_form,
    )
