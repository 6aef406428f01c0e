"""Differential item functioning (DIF) on plain Python numbers (no database):
docs/item-analysis.md, "DIF".

Keyed (0/1) items: the Mantel–Haenszel common odds ratio α_MH, its chi-square (continuity
corrected) and delta Δ_MH = −2.35 ln α_MH with the ETS A/B/C classes. Weighted items: Mantel's
(1963) chi-square for ordered scores and the standardised mean difference (SMD, Dorans), classed
AA/BB/CC by SMD / SD (Zwick, Thayer & Mazzeo 1997), written A/B/C. Both condition on strata of
the matching score (the participant's total over the criterion's items, studied item included);
adjacent score levels are pooled until each stratum holds MIN_PER_GROUP of each group.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, norm
from statsmodels.stats.contingency_tables import StratifiedTable

# Rules (documented in docs/item-analysis.md).
MIN_GROUP = 20  # an item with fewer reference or focal attempts is not analysed
MIN_PER_GROUP = 5  # each pooled stratum holds at least this many of each group
ALPHA = 0.05  # significance level of the chi-square and of "|Δ| significantly above 1"
DELTA_B = 1.0  # |Δ_MH| from which a significant item is at least B
DELTA_C = 1.5  # |Δ_MH| from which an item may be C
SMD_B = 0.17  # |SMD / SD| above which a significant weighted item is at least B
SMD_C = 0.25  # |SMD / SD| above which a significant weighted item is C
MH_SCALE = -2.35  # ETS delta: Δ = −2.35 ln α


@dataclass(frozen=True)
class DifCell:
    """One presented item of one attempt, with the criterion its matching total is taken on
    (e.g. the competency kind; "" = the whole test)."""

    attempt_id: int
    item_id: str
    competency: str
    keyed: bool
    score: float
    criterion: str = ""


@dataclass
class ItemDif:
    item_id: str
    competency: str
    method: str  # "mh" (keyed) | "mantel" (weighted)
    n_reference: int
    n_focal: int
    strata: int  # pooled strata used (0 when not analysed)
    odds_ratio: float | None  # α_MH (keyed)
    delta: float | None  # Δ_MH (keyed)
    delta_se: float | None
    smd: float | None  # focal − reference, matched (weighted; also given for keyed)
    effect: float | None  # SMD / SD of the item score (weighted)
    chi_square: float | None
    p_value: float | None
    ets_class: str | None  # "A" | "B" | "C"; None when not analysed
    against: str | None  # "focal" | "reference": the group the item disadvantages (B/C)
    note: str | None = None  # why not analysed: "too_few" | "no_strata" | "constant"

    @property
    def flagged(self) -> bool:
        return self.ets_class in ("B", "C")


def pool_strata(
    levels: Mapping[float, tuple[int, int]], minimum: int = MIN_PER_GROUP
) -> list[list[float]]:
    """Adjacent matching-score levels (level → (reference count, focal count)) merged from the
    lowest up until a stratum holds ``minimum`` of each group; a short top tail joins the last
    stratum. No stratum when the whole sample lacks ``minimum`` of a group."""
    strata: list[list[float]] = []
    current: list[float] = []
    ref = foc = 0
    for level in sorted(levels):
        current.append(level)
        ref, foc = ref + levels[level][0], foc + levels[level][1]
        if ref >= minimum and foc >= minimum:
            strata.append(current)
            current, ref, foc = [], 0, 0
    if current and strata:
        strata[-1].extend(current)
    return strata


def classify_mh(delta: float, se: float, p_value: float) -> str:
    """ETS: A when |Δ| < 1 or the MH chi-square is not significant; C when |Δ| ≥ 1.5 and |Δ| is
    significantly above 1 (z = (|Δ| − 1) / SE > z₁₋α/₂); B otherwise."""
    size = abs(delta)
    if size < DELTA_B or p_value >= ALPHA:
        return "A"
    if size >= DELTA_C and (size - DELTA_B) / se > norm.ppf(1 - ALPHA / 2):
        return "C"
    return "B"


def classify_smd(effect: float, p_value: float) -> str:
    """Weighted items: A when Mantel's chi-square is not significant or |SMD/SD| ≤ 0.17; C when
    |SMD/SD| > 0.25; B otherwise."""
    if p_value >= ALPHA or abs(effect) <= SMD_B:
        return "A"
    return "C" if abs(effect) > SMD_C else "B"


def _smd(strata: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """Σ_k (n_Fk / n_F) (mean_Fk − mean_Rk): focal minus reference at equal matching score."""
    n_focal = sum(len(f) for _, f in strata)
    return float(sum(len(f) / n_focal * (f.mean() - r.mean()) for r, f in strata))


def _mantel(strata: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """Mantel's chi-square (1 df) on the focal group's score sum: (ΣF − ΣE)² / ΣV."""
    observed = expected = var = 0.0
    for r, f in strata:
        y = np.concatenate([r, f])
        n, nf, nr = len(y), len(f), len(r)
        observed += float(f.sum())
        expected += nf * float(y.mean())
        var += nr * nf * (n * float((y**2).sum()) - float(y.sum()) ** 2) / (n * n * (n - 1))
    if var <= 0:
        return math.nan, math.nan
    statistic = (observed - expected) ** 2 / var
    return statistic, float(chi2.sf(statistic, 1))


def _mh(strata: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float, float]:
    """(α_MH, SE of ln α_MH (Robins–Breslow–Greenland), MH chi-square, p) by statsmodels."""
    tables = np.array(
        [[[r.sum(), len(r) - r.sum()], [f.sum(), len(f) - f.sum()]] for r, f in strata],
        dtype=float,
    ).transpose(1, 2, 0)
    table = StratifiedTable(tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 or ∞ odds: reported as not estimable
        odds = float(table.oddsratio_pooled)
        se = float(table.logodds_pooled_se)
        test = table.test_null_odds(correction=True)
    return odds, se, float(test.statistic), float(test.pvalue)


def _empty(item_id: str, competency: str, method: str, nr: int, nf: int, note: str) -> ItemDif:
    return ItemDif(
        item_id, competency, method, nr, nf, 0, None, None, None, None, None, None, None, None,
        None, note,
    )  # fmt: skip


def item_dif(
    item_id: str,
    competency: str,
    keyed: bool,
    scores: Mapping[int, float],
    matching: Mapping[int, float],
    groups: Mapping[int, str],
    reference: str,
    focal: str,
) -> ItemDif:
    """The DIF of one item: ``scores`` (attempt → item score, keyed items 0/1), ``matching``
    (attempt → matching total), ``groups`` (attempt → group value)."""
    method = "mh" if keyed else "mantel"
    ref = [a for a in scores if groups.get(a) == reference]
    foc = [a for a in scores if groups.get(a) == focal]
    if len(ref) < MIN_GROUP or len(foc) < MIN_GROUP:
        return _empty(item_id, competency, method, len(ref), len(foc), "too_few")
    levels: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for a in ref:
        levels[matching[a]][0] += 1
    for a in foc:
        levels[matching[a]][1] += 1
    pooled = pool_strata({level: (r, f) for level, (r, f) in levels.items()})
    if not pooled:
        return _empty(item_id, competency, method, len(ref), len(foc), "no_strata")
    stratum_of = {level: k for k, stratum in enumerate(pooled) for level in stratum}
    split: list[tuple[list[float], list[float]]] = [([], []) for _ in pooled]
    for a in ref:
        split[stratum_of[matching[a]]][0].append(scores[a])
    for a in foc:
        split[stratum_of[matching[a]]][1].append(scores[a])
    strata = [(np.array(r), np.array(f)) for r, f in split]
    values = np.array([scores[a] for a in ref + foc])
    sd = float(values.std(ddof=1))
    if sd <= 0:
        return _empty(item_id, competency, method, len(ref), len(foc), "constant")
    smd = _smd(strata)
    if keyed:
        odds, se, statistic, p = _mh(strata)
        if not (math.isfinite(odds) and odds > 0 and math.isfinite(se) and math.isfinite(p)):
            return _empty(item_id, competency, method, len(ref), len(foc), "constant")
        delta = MH_SCALE * math.log(odds)
        ets = classify_mh(delta, -MH_SCALE * se, p)
        against = None if ets == "A" else ("focal" if delta < 0 else "reference")
        return ItemDif(
            item_id, competency, method, len(ref), len(foc), len(pooled), odds, delta,
            -MH_SCALE * se, smd, smd / sd, statistic, p, ets, against,
        )  # fmt: skip
    statistic, p = _mantel(strata)
    if not math.isfinite(p):
        return _empty(item_id, competency, method, len(ref), len(foc), "constant")
    effect = smd / sd
    ets = classify_smd(effect, p)
    against = None if ets == "A" else ("focal" if smd < 0 else "reference")
    return ItemDif(
        item_id, competency, method, len(ref), len(foc), len(pooled), None, None, None, smd,
        effect, statistic, p, ets, against,
    )  # fmt: skip


def dif(
    cells: Iterable[DifCell], groups: Mapping[int, str], reference: str, focal: str
) -> list[ItemDif]:
    """DIF of every item in ``cells`` for ``focal`` against ``reference`` (values of
    ``groups``: attempt id → group; attempts in neither group are left out of the tables but
    nothing else). Matching total of an attempt for an item = Σ of its scores on the items of
    the item's criterion presented to it (the studied item included). Sorted by competency and
    item id; a keyed item's score must be 0/1 (its points divided out by the caller)."""
    scores: dict[str, dict[int, float]] = defaultdict(dict)
    info: dict[str, tuple[str, bool, str]] = {}
    totals: dict[tuple[str, int], float] = defaultdict(float)
    for cell in cells:
        scores[cell.item_id][cell.attempt_id] = cell.score
        info[cell.item_id] = (cell.competency, cell.keyed, cell.criterion)
        totals[cell.criterion, cell.attempt_id] += cell.score
    results = []
    rounded = {key: round(total, 6) for key, total in totals.items()}  # once per attempt
    for item_id in sorted(scores, key=lambda i: (info[i][0], i)):
        competency, keyed, criterion = info[item_id]
        by_attempt = scores[item_id]
        matching = {a: rounded[criterion, a] for a in by_attempt}
        results.append(
            item_dif(item_id, competency, keyed, by_attempt, matching, groups, reference, focal)
        )
    return results
