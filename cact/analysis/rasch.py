"""Rasch calibration of one scale: the dichotomous Rasch model for items with two observed
categories and Masters' partial credit model for more, estimated by marginal maximum likelihood
(MML, Bock & Aitkin's EM on Gauss–Hermite quadrature, ability ~ N(0, σ²) with σ estimated).

MML uses only the cells a person was presented, so forms drawn from a pool (missing by design)
need no imputation, and unlike JMLE it is consistent on short forms (two items per form).
Person measures are maximum-likelihood estimates given the item parameters, extreme scores
moved 0.3 score points inwards (as Winsteps does). Everything is reported on the usual Rasch
frame: logits, item locations centred on 0. See docs/item-analysis.md."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

EXTREME_ADJUSTMENT = 0.3  # score points an extreme person score is moved inwards
NODES = 41
TOLERANCE = 1e-5
MAX_ITERATIONS = 500


@dataclass
class ItemMeasure:
    key: Hashable
    n: int
    categories: int  # observed score categories (2 = dichotomous)
    scores: list[float]  # the raw score of each category 0..m
    difficulty: float | None  # the item's location: mean of its thresholds; None when extreme
    se: float | None
    thresholds: list[float] = field(default_factory=list)  # Andrich/Masters δ_1..δ_m
    infit: float | None = None
    outfit: float | None = None


@dataclass
class PersonMeasure:
    key: Hashable
    items: int
    score: float  # raw category sum
    max_score: float
    measure: float
    se: float
    extreme: bool


@dataclass
class Calibration:
    model: str  # "rasch" (every item dichotomous) or "pcm"
    items: list[ItemMeasure]
    persons: list[PersonMeasure]
    sigma: float  # SD of the ability distribution (MML)
    person_reliability: float | None  # Rasch "model" person reliability on the MLE measures
    person_separation: float | None
    eap_reliability: float | None  # marginal reliability var(EAP) / σ²
    item_reliability: float | None
    item_separation: float | None
    loglik: float
    iterations: int
    converged: bool

    def item(self, key: Hashable) -> ItemMeasure:
        return next(i for i in self.items if i.key == key)


@dataclass
class _Data:
    """The cells as index arrays: person p, item i, category k (0..m_i) of every cell."""

    person: Ints
    item: Ints
    category: Ints
    m: Ints  # highest category per item
    offset: Ints  # first column of item i in the stacked category columns
    # The cells of each item, found once: the Newton loops over persons ask for them each step.
    cells_of: list[Ints] = field(default_factory=list)

    @property
    def columns(self) -> Ints:
        return self.offset[self.item] + self.category


def category_probabilities(theta: Floats, thresholds: Floats) -> Floats:
    """P(X = k | θ) for k = 0..m, one row per θ (partial credit model)."""
    steps = np.concatenate(([0.0], np.cumsum(thresholds)))
    k = np.arange(len(steps))
    logits = np.outer(theta, k) - steps
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    probabilities: Floats = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


def _categorise(
    cells: Iterable[tuple[Hashable, Hashable, float]],
) -> tuple[list[Hashable], list[Hashable], list[list[float]], _Data]:
    """Keys in first-seen order; each item's observed distinct scores ranked 0..m."""
    persons: dict[Hashable, int] = {}
    items: dict[Hashable, int] = {}
    p_index, i_index, raw = [], [], []
    for person, item, score in cells:
        p_index.append(persons.setdefault(person, len(persons)))
        i_index.append(items.setdefault(item, len(items)))
        raw.append(float(score))
    item_arr = np.asarray(i_index, dtype=np.int64)
    raw_arr = np.asarray(raw)
    scores: list[list[float]] = []
    category = np.zeros(len(raw), dtype=np.int64)
    cells_of = []
    for i in range(len(items)):
        where = np.flatnonzero(item_arr == i)
        levels = np.unique(raw_arr[where])
        scores.append([float(v) for v in levels])
        category[where] = np.searchsorted(levels, raw_arr[where])
        cells_of.append(where)
    m = np.asarray([len(s) - 1 for s in scores], dtype=np.int64)
    offset = np.concatenate(([0], np.cumsum(m + 1)[:-1])).astype(np.int64)
    data = _Data(np.asarray(p_index, dtype=np.int64), item_arr, category, m, offset, cells_of)
    return list(persons), list(items), scores, data


def _start(data: _Data, active: NDArray[np.bool_]) -> list[Floats]:
    """Thresholds from the log-odds of adjacent category counts (+0.5)."""
    counts = np.bincount(data.columns, minlength=int((data.m + 1).sum())).astype(float)
    start = []
    for i, m in enumerate(data.m):
        if not active[i]:
            start.append(np.zeros(int(m)))
            continue
        c = counts[data.offset[i] : data.offset[i] + m + 1] + 0.5
        start.append(np.log(c[:-1] / c[1:]))
    return start


def _newton_item(expected: Floats, nodes: Floats, delta: Floats) -> Floats:
    """One Newton step for one item's thresholds from its expected counts (categories × nodes)."""
    p = category_probabilities(nodes, delta)  # Q × (m+1)
    n_q = expected.sum(axis=0)
    at_least = np.cumsum(p[:, ::-1], axis=1)[:, ::-1][:, 1:]  # P(X ≥ h), h = 1..m
    observed = np.cumsum(expected[::-1], axis=0)[::-1][1:].sum(axis=1)  # Σ_q r(X ≥ h)
    gradient = -observed + (n_q[:, None] * at_least).sum(axis=0)
    m = len(delta)
    idx = np.maximum.outer(np.arange(m), np.arange(m))
    joint = at_least[:, idx]  # P(X ≥ max(h, h'))
    cov = joint - at_least[:, :, None] * at_least[:, None, :]
    hessian = -(n_q[:, None, None] * cov).sum(axis=0)
    step = np.linalg.solve(hessian, gradient)
    step = np.clip(step, -1.0, 1.0)
    result: Floats = delta - step
    return result


def _log_table(data: _Data, nodes: Floats, deltas: list[Floats]) -> Floats:
    """log P(X = k | θ_q) stacked: one column per (item, category), one row per node."""
    return np.hstack([np.log(category_probabilities(nodes, d) + 1e-300) for d in deltas])


def _posterior(
    design: sparse.csr_matrix, table: Floats, log_weights: Floats
) -> tuple[Floats, float]:
    loglik = np.asarray(design @ table.T) + log_weights  # persons × nodes
    top = loglik.max(axis=1, keepdims=True)
    density = np.exp(loglik - top)
    total = density.sum(axis=1, keepdims=True)
    marginal = float((np.log(total) + top).sum())
    posterior: Floats = density / total
    return posterior, marginal


def _mml(
    data: _Data, n_persons: int, active: NDArray[np.bool_], fixed_sigma: float | None
) -> tuple[list[Floats], float, Floats, Floats, float, int, bool]:
    z, w = np.polynomial.hermite_e.hermegauss(NODES)
    log_weights = np.log(w / w.sum())
    width = int((data.m + 1).sum())
    design = sparse.csr_matrix(
        (np.ones(len(data.person)), (data.person, data.columns)), shape=(n_persons, width)
    )
    deltas = _start(data, active)
    sigma = fixed_sigma or 1.0
    previous = -math.inf
    converged = False
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007
        nodes = sigma * z
        posterior, marginal = _posterior(design, _log_table(data, nodes, deltas), log_weights)
        expected = np.asarray(design.T @ posterior)  # columns × nodes
        change = 0.0
        for i, m in enumerate(data.m):
            if not active[i]:
                continue
            rows = expected[data.offset[i] : data.offset[i] + m + 1]
            updated = _newton_item(rows, nodes, deltas[i])
            change = max(change, float(np.abs(updated - deltas[i]).max()))
            deltas[i] = updated
        if fixed_sigma is None:
            second = float((posterior * nodes**2).sum() / n_persons)
            change = max(change, abs(math.sqrt(second) - sigma))
            sigma = math.sqrt(second)
        if change < TOLERANCE and abs(marginal - previous) < 1e-6 * max(1.0, abs(marginal)):
            converged = True
            break
        previous = marginal
    nodes = sigma * z
    posterior, marginal = _posterior(design, _log_table(data, nodes, deltas), log_weights)
    return deltas, sigma, posterior, nodes, marginal, iterations, converged


def _item_se(data: _Data, deltas: list[Floats], posterior: Floats, nodes: Floats) -> list[float]:
    """SE of each item location from the empirical (cross-product) information of the marginal
    likelihood: per person, the posterior mean of ∂ log L / ∂δ_ih."""
    sizes = data.m.astype(int)
    start = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(int)
    n_params = int(sizes.sum())
    n_persons = posterior.shape[0]
    gradient = np.zeros((n_persons, n_params))
    for i, m in enumerate(sizes):
        if m == 0:
            continue
        where = data.cells_of[i]
        people, k = data.person[where], data.category[where]
        p = category_probabilities(nodes, deltas[i])
        at_least = np.cumsum(p[:, ::-1], axis=1)[:, ::-1][:, 1:]  # Q × m
        expected = posterior[people] @ at_least  # persons × m: E_post[P(X ≥ h)]
        reached = (k[:, None] >= np.arange(1, m + 1)[None, :]).astype(float)
        gradient[people, start[i] : start[i] + m] = expected - reached
    information = gradient.T @ gradient
    try:
        covariance = np.linalg.pinv(information)
    except np.linalg.LinAlgError:
        return [math.nan] * len(sizes)
    se = []
    for i, m in enumerate(sizes):
        if m == 0:
            se.append(math.nan)
            continue
        block = covariance[start[i] : start[i] + m, start[i] : start[i] + m]
        se.append(math.sqrt(max(float(block.sum()) / m**2, 0.0)))
    return se


def _expectations(theta: Floats, deltas: list[Floats], data: _Data) -> tuple[Floats, Floats]:
    """E(X) and var(X) of every cell at its person's θ."""
    expected = np.zeros(len(data.person))
    variance = np.zeros(len(data.person))
    for i, delta in enumerate(deltas):
        where = data.cells_of[i]
        if len(where) == 0 or len(delta) == 0:
            continue
        p = category_probabilities(theta[data.person[where]], delta)
        k = np.arange(p.shape[1])
        e = p @ k
        expected[where] = e
        variance[where] = p @ k**2 - e**2
    return expected, variance


def person_measures(
    data: _Data, deltas: list[Floats], n_persons: int, usable: NDArray[np.bool_]
) -> tuple[Floats, Floats, Floats, Floats, NDArray[np.bool_]]:
    """MLE θ per person on the usable cells (Newton), extreme scores moved inwards."""
    cells = usable[data.item]
    score = np.bincount(data.person[cells], data.category[cells], n_persons).astype(float)
    top = np.bincount(data.person[cells], data.m[data.item[cells]], n_persons).astype(float)
    extreme = (score <= 0) | (score >= top)
    target = np.clip(score, EXTREME_ADJUSTMENT, np.maximum(top - EXTREME_ADJUSTMENT, 0.0))
    theta = np.zeros(n_persons)
    information: Floats = np.ones(n_persons)
    for _ in range(100):
        e, v = _expectations(theta, deltas, data)
        e, v = np.where(cells, e, 0.0), np.where(cells, v, 0.0)
        expected = np.bincount(data.person, e, n_persons)
        information = np.bincount(data.person, v, n_persons).astype(np.float64)
        step = np.clip((target - expected) / np.maximum(information, 1e-9), -1.0, 1.0)
        theta = theta + np.where(top > 0, step, 0.0)
        if np.abs(step).max() < 1e-6:
            break
    se = 1 / np.sqrt(np.maximum(information, 1e-12))
    return theta, se, score, top, extreme


def _fit(
    data: _Data, deltas: list[Floats], theta: Floats, keep: NDArray[np.bool_], n_items: int
) -> tuple[list[float | None], list[float | None]]:
    """Infit (information-weighted) and outfit (unweighted) mean squares per item, over the
    non-extreme persons."""
    e, v = _expectations(theta, deltas, data)
    residual = (data.category - e) ** 2
    cells = keep & (v > 1e-12)
    z2 = np.where(cells, residual / np.where(cells, v, 1.0), 0.0)
    count = np.bincount(data.item, cells.astype(float), n_items)
    outfit_sum = np.bincount(data.item, z2, n_items)
    infit_num = np.bincount(data.item, np.where(cells, residual, 0.0), n_items)
    infit_den = np.bincount(data.item, np.where(cells, v, 0.0), n_items)
    infit = [float(a / b) if b > 0 else None for a, b in zip(infit_num, infit_den, strict=True)]
    outfit = [float(a / c) if c > 0 else None for a, c in zip(outfit_sum, count, strict=True)]
    return infit, outfit


def reliability(measures: Floats, errors: Floats) -> tuple[float | None, float | None]:
    """Rasch reliability and separation: true variance = observed − mean error variance."""
    if len(measures) < 2:
        return None, None
    observed = float(np.var(measures, ddof=1))
    if observed <= 0:
        return None, None
    error = float(np.mean(errors**2))
    rel = max(0.0, (observed - error) / observed)
    return rel, math.sqrt(max(observed - error, 0.0) / error) if error > 0 else None


def calibrate(
    cells: Iterable[tuple[Hashable, Hashable, float]], *, fixed_sigma: float | None = None
) -> Calibration:
    """Calibrate one scale from (person, item, score) cells; scores of each item are ranked to
    categories 0..m by the distinct scores observed on it. ``fixed_sigma`` fixes the ability SD
    (and keeps the N(0, σ²) origin instead of centring the items): for comparisons with
    published fixed-prior runs."""
    person_keys, item_keys, scores, data = _categorise(cells)
    n_persons, n_items = len(person_keys), len(item_keys)
    active = data.m >= 1
    deltas, sigma, posterior, nodes, marginal, iterations, converged = _mml(
        data, n_persons, active, fixed_sigma
    )
    se = _item_se(data, deltas, posterior, nodes)
    locations = np.asarray([float(d.mean()) if len(d) else math.nan for d in deltas])
    shift = 0.0 if fixed_sigma is not None else float(np.nanmean(locations[active]))
    deltas = [d - shift for d in deltas]
    theta, person_se, score, top, extreme = person_measures(data, deltas, n_persons, active)
    infit, outfit = _fit(data, deltas, theta, active[data.item] & ~extreme[data.person], n_items)
    eap = posterior @ nodes - shift
    eap_var = posterior @ nodes**2 - (posterior @ nodes) ** 2
    counts = np.bincount(data.item, minlength=n_items)
    presented = np.bincount(data.person, minlength=n_persons)
    items = [
        ItemMeasure(
            key,
            int(counts[i]),
            int(data.m[i]) + 1,
            scores[i],
            float(locations[i] - shift) if active[i] else None,
            se[i] if active[i] and math.isfinite(se[i]) else None,
            [float(t) for t in deltas[i]],
            infit[i] if active[i] else None,
            outfit[i] if active[i] else None,
        )
        for i, key in enumerate(item_keys)
    ]
    persons = [
        PersonMeasure(
            key,
            int(presented[p]),
            float(score[p]),
            float(top[p]),
            float(theta[p]),
            float(person_se[p]),
            bool(extreme[p]),
        )
        for p, key in enumerate(person_keys)
    ]
    has_items = top > 0
    p_rel, p_sep = reliability(theta[has_items], person_se[has_items])
    calibrated = np.asarray([i.difficulty for i in items if i.difficulty is not None])
    errors = np.asarray([i.se for i in items if i.difficulty is not None and i.se is not None])
    i_rel, i_sep = (
        reliability(calibrated, errors) if len(errors) == len(calibrated) else (None, None)
    )
    marginal_rel = float(np.var(eap) / (np.var(eap) + np.mean(eap_var))) if n_persons >= 2 else None
    return Calibration(
        "rasch" if bool((data.m[active] == 1).all()) else "pcm",
        items,
        persons,
        sigma,
        p_rel,
        p_sep,
        marginal_rel,
        i_rel,
        i_sep,
        marginal,
        iterations,
        converged,
    )


def pairwise_difficulties(
    cells: Iterable[tuple[Hashable, Hashable, float]],
) -> dict[Hashable, float]:
    """Choppin's pairwise conditional estimator for dichotomous items (a second, independent
    estimator: no person parameters, no population): b_i − b_j = log(n_ji / n_ij), where n_ij
    counts persons right on i and wrong on j; least squares over the co-presented pairs,
    centred on 0. Scores > 0 count as right."""
    person_keys, item_keys, _, data = _categorise((p, i, float(s > 0)) for p, i, s in cells)
    n_persons, n_items = len(person_keys), len(item_keys)
    right = np.zeros((n_persons, n_items))
    seen = np.zeros((n_persons, n_items))
    right[data.person, data.item] = data.category
    seen[data.person, data.item] = 1
    wrong = seen - right
    beats = right.T @ wrong  # n_ij
    rows, targets = [], []
    for i in range(n_items):
        for j in range(i + 1, n_items):
            if beats[i, j] > 0 and beats[j, i] > 0:
                row = np.zeros(n_items)
                row[i], row[j] = 1.0, -1.0
                rows.append(row)
                targets.append(math.log(beats[j, i] / beats[i, j]))
    rows.append(np.ones(n_items))
    targets.append(0.0)
    solution = np.linalg.lstsq(np.asarray(rows), np.asarray(targets), rcond=None)[0]
    return {key: float(solution[i]) for i, key in enumerate(item_keys)}
