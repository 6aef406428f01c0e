"""The Rasch / partial credit calibration (cact/analysis/rasch.py) against a published worked
example and, on simulated data with known parameters, against the truth and a second,
independent estimator (docs/item-analysis.md, "Checked by")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cact.analysis import charts
from cact.analysis.rasch import calibrate, category_probabilities, pairwise_difficulties

# LSAT Section 6 (Bock & Lieberman 1970): 1000 examinees × 5 dichotomous items, the count of
# each response pattern 00000 … 11111 (item 1 the highest bit). Published Rasch MML estimates:
# Rizopoulos (2006), "ltm: An R package for latent variable modeling and item response theory
# analyses", Journal of Statistical Software 17(5), section 4: rasch(LSAT, constraint =
# cbind(6, 1)) (ability N(0, 1)) and rasch(LSAT) (common discrimination 0.755).
LSAT6 = [3, 6, 2, 11, 1, 1, 3, 4, 1, 8, 0, 16, 0, 3, 2, 15]
LSAT6 += [10, 29, 14, 81, 3, 28, 15, 80, 16, 56, 21, 173, 11, 61, 28, 298]
LTM_FIXED = [-2.8720, -1.0630, -0.2576, -1.3881, -2.2188]  # SE .1287 .0821 .0766 .0865 .1048
LTM_FIXED_SE = [0.1287, 0.0821, 0.0766, 0.0865, 0.1048]
LTM_FIXED_LOGLIK = -2473.054
LTM_FREE = [-3.6153, -1.3224, -0.3176, -1.7301, -2.7802]  # in units of 1 / 0.7551
LTM_FREE_DISCRIMINATION = 0.7551
LTM_FREE_LOGLIK = -2466.938


def _lsat_cells() -> list[tuple[int, str, float]]:
    cells = []
    person = 0
    for pattern, count in enumerate(LSAT6):
        for _ in range(count):
            cells += [(person, f"I{k + 1}", float((pattern >> (4 - k)) & 1)) for k in range(5)]
            person += 1
    assert person == 1000
    return cells


def test_lsat6_matches_the_published_fixed_prior_estimates() -> None:
    result = calibrate(_lsat_cells(), fixed_sigma=1.0)
    assert result.model == "rasch" and result.converged
    assert [result.item(f"I{k}").difficulty for k in range(1, 6)] == pytest.approx(
        LTM_FIXED, abs=0.002
    )
    assert result.loglik == pytest.approx(LTM_FIXED_LOGLIK, abs=0.01)
    # Our SE comes from the cross-product information, ltm's from the Hessian: within 2 %.
    for k, published in enumerate(LTM_FIXED_SE, start=1):
        assert result.item(f"I{k}").se == pytest.approx(published, rel=0.02)


def test_lsat6_with_the_ability_sd_estimated_matches_the_published_rasch_fit() -> None:
    result = calibrate(_lsat_cells())
    assert result.sigma == pytest.approx(LTM_FREE_DISCRIMINATION, abs=0.002)
    assert result.loglik == pytest.approx(LTM_FREE_LOGLIK, abs=0.01)
    # ltm's difficulties in logits of θ ~ N(0, 1) with slope 0.7551 = ours × 1, centred.
    logits = np.asarray(LTM_FREE) * LTM_FREE_DISCRIMINATION
    expected = logits - logits.mean()
    got = [result.item(f"I{k}").difficulty for k in range(1, 6)]
    assert got == pytest.approx(list(expected), abs=0.003)
    assert sum(got) == pytest.approx(0, abs=1e-9)  # items centred on 0
    # The independent pairwise estimator lands close on 1000 complete cases.
    pairwise = pairwise_difficulties(_lsat_cells())
    assert [pairwise[f"I{k}"] for k in range(1, 6)] == pytest.approx(got, abs=0.05)


def _simulate(
    n: int, pool: int, form: int, categories: int, seed: int
) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """``n`` persons θ ~ N(0, 1), each presented ``form`` of ``pool`` items drawn at random
    (missing by design); item locations evenly from −1.5 to 1.5, thresholds ±1 around them."""
    rng = np.random.default_rng(seed)
    locations = np.linspace(-1.5, 1.5, pool)
    steps = np.linspace(-1, 1, categories - 1) if categories > 2 else np.zeros(1)
    theta = rng.normal(0, 1, n)
    cells = []
    for person in range(n):
        for item in rng.choice(pool, form, replace=False):
            p = category_probabilities(np.array([theta[person]]), locations[item] + steps)[0]
            cells.append((person, int(item), float(rng.choice(len(p), p=p))))
    return locations, cells


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@pytest.mark.parametrize(
    ("pool", "form", "seed"),
    [(4, 2, 11), (18, 10, 12), (8, 8, 13)],
    ids=["2-of-4", "10-of-18", "complete"],
)
def test_dichotomous_recovery_and_agreement_with_the_pairwise_estimator(
    pool: int, form: int, seed: int
) -> None:
    """n = 1000: MML within RMSE 0.15 logit of the truth, and within 0.15 of Choppin's
    pairwise conditional estimator (no person parameters, no population assumption)."""
    truth, cells = _simulate(1000, pool, form, 2, seed)
    result = calibrate(cells)
    assert result.model == "rasch" and result.converged
    estimated = np.array([result.item(i).difficulty for i in range(pool)])
    assert _rmse(estimated, truth) < 0.15
    pairwise = pairwise_difficulties(cells)
    assert _rmse(estimated, np.array([pairwise[i] for i in range(pool)])) < 0.15
    # The standard errors are honest: the errors are of their size.
    errors = np.array([result.item(i).se for i in range(pool)])
    assert 0.5 < float(np.sqrt(np.mean(errors**2))) / max(_rmse(estimated, truth), 0.02) < 3
    assert result.person_reliability is not None and result.eap_reliability is not None
    assert all(0.5 < (result.item(i).infit or 0) < 1.5 for i in range(pool))


@pytest.mark.parametrize(("pool", "form", "seed"), [(4, 2, 21), (18, 10, 22)])
def test_partial_credit_recovery_on_sampled_forms(pool: int, form: int, seed: int) -> None:
    """Four categories (weights 1–4 mapped to 0–3): locations and thresholds recovered."""
    truth, cells = _simulate(1000, pool, form, 4, seed)
    result = calibrate([(p, i, s + 1) for p, i, s in cells])  # scores 1..4 as the bank weighs
    assert result.model == "pcm" and result.converged
    estimated = np.array([result.item(i).difficulty for i in range(pool)])
    assert _rmse(estimated, truth) < 0.15
    thresholds = np.array([result.item(i).thresholds for i in range(pool)])
    assert _rmse(thresholds, truth[:, None] + np.linspace(-1, 1, 3)) < 0.25
    assert result.item(0).scores == [1.0, 2.0, 3.0, 4.0]


def test_person_measures_fit_and_reliability_on_a_long_test() -> None:
    _truth, cells = _simulate(600, 30, 30, 2, 31)
    result = calibrate(cells)
    rng = np.random.default_rng(31)
    theta = rng.normal(0, 1, 600)  # the same draws as the simulation's
    measures = np.array([p.measure for p in result.persons])
    assert float(np.corrcoef(measures, theta)[0, 1]) > 0.9
    assert result.person_reliability == pytest.approx(0.85, abs=0.06)  # 30 items ≈ KR-20 .85
    assert result.person_separation is not None and result.person_separation > 2
    assert result.item_reliability is not None and result.item_reliability > 0.95
    extremes = [p for p in result.persons if p.extreme]
    assert all(p.score in (0, p.max_score) for p in extremes)
    assert all(math.isfinite(p.measure) and p.se > 0 for p in result.persons)
    assert all(0.8 < (i.infit or 0) < 1.2 and 0.7 < (i.outfit or 0) < 1.3 for i in result.items)


def test_an_item_with_one_observed_score_is_not_calibrated() -> None:
    _, cells = _simulate(200, 5, 5, 2, 41)
    cells += [(p, "same", 1.0) for p in range(200)]
    result = calibrate(cells)
    same = result.item("same")
    assert same.difficulty is None and same.se is None and same.categories == 1
    assert all(result.item(i).difficulty is not None for i in range(5))


def test_the_charts_are_deterministic_escaped_svg() -> None:
    items = [charts.MapItem("<M.01-1>", -0.5), charts.MapItem("M.01-2", 0.7)]
    svg = charts.wright_map_svg([-1.0, 0.2, 0.3, 9.0], items, title="Peta & map")
    assert svg == charts.wright_map_svg([-1.0, 0.2, 0.3, 9.0], items, title="Peta & map")
    assert svg.startswith("<svg") and "&lt;M.01-1&gt;" in svg and "Peta &amp; map" in svg
    assert (
        svg.count('class="item"') == 2
        and sum(int(part.split('"')[0]) for part in svg.split('data-count="')[1:]) == 4
    )  # every person in a bar, the extreme one at the edge
    curves = charts.icc_svg([charts.Curve("A", [0.0]), charts.Curve("B", [-1.0, 1.0])])
    assert curves.count("<polyline") == 2
    categories = charts.icc_svg([charts.Curve("B", [-1.0, 1.0, 2.0])], categories=True)
    assert categories.count("<polyline") == 4
