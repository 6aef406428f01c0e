"""Item statistics: a hand-computed example, an independent numpy computation, and the API on a
finished demo sitting (docs/item-analysis.md)."""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict

import numpy as np
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.stats import MIN_REST_ITEMS, Cell, analyse, flags_for
from cact.exports import columns
from tests.exports.support import csv_records, csv_rows, finished_sitting
from tests.fixtures.factories import create_staff, login

# 5 people × 3 keyed items (1 point), one competency; labels chosen, "" = blank.
HAND = {
    1: [(1, "B"), (1, "A"), (1, "B")],
    2: [(1, "B"), (1, "A"), (0, "A")],
    3: [(1, "B"), (0, "C"), (0, "A")],
    4: [(0, "A"), (1, "A"), (0, "C")],
    5: [(0, "C"), (0, ""), (0, "")],
}


def _hand_cells() -> list[Cell]:
    return [
        Cell(person, "M.01", f"I{k + 1}", score, 1, label or None)
        for person, answers in HAND.items()
        for k, (score, label) in enumerate(answers)
    ]


def test_hand_computed_example() -> None:
    labels = {f"I{k}": ["A", "B", "C", "D"] for k in (1, 2, 3)}
    analysis = analyse(_hand_cells(), labels)
    i1, i2, i3 = analysis.items
    assert [i.n for i in analysis.items] == [5, 5, 5]
    assert [i.facility for i in analysis.items] == pytest.approx([0.6, 0.6, 0.2])
    # totals 3, 2, 1, 1, 0; rest of I1 = 2, 1, 0, 1, 0: r = 0.6 / sqrt(1.2 · 2.8)
    assert i1.discrimination == pytest.approx(0.327327, abs=1e-6)
    assert i2.discrimination == pytest.approx(0.327327, abs=1e-6)
    assert i3.discrimination == pytest.approx(0.534522, abs=1e-6)  # 0.8 / sqrt(0.8 · 2.8)
    assert i3.flags == []  # facility 0.2 is not below 0.2
    options = {o.label: (o.count, o.share, o.mean_total) for o in i3.options}
    assert [o.label for o in i3.options] == ["A", "B", "C", "D", ""]
    assert options["B"] == (1, 0.2, 3.0)
    assert options["A"] == (2, 0.4, 1.5)
    assert options["C"] == (1, 0.2, 1.0)
    assert options["D"] == (0, 0.0, None)
    assert options[""] == (1, 0.2, 0.0)
    (scale,) = analysis.scales
    # item variances 0.3, 0.3, 0.2; total variance 1.3: alpha = 3/2 · (1 − 0.8/1.3)
    assert scale.alpha == pytest.approx(0.576923, abs=1e-6)
    assert scale.sd_total == pytest.approx(math.sqrt(1.3))
    assert scale.sem == pytest.approx(0.741620, abs=1e-6)  # 1.140175 · sqrt(0.423077)
    assert (scale.items, scale.n_complete, scale.mean_total) == (3, 5, 1.4)


def test_flags() -> None:
    assert flags_for(0.95, -0.1) == ["negative_discrimination", "too_easy"]
    assert flags_for(0.1, 0.19) == ["low_discrimination", "too_hard"]
    assert flags_for(0.5, 0.2) == []
    assert flags_for(None, None) == []


def _numpy_reference(
    scores: dict[str, dict[str, dict[int, float]]],
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """(mean, item–rest r) per item and alpha per scale, straight from numpy. The rest is the
    scale's when its forms hold at least MIN_REST_ITEMS other items on average, else the test's."""
    items: dict[str, tuple[float, float]] = {}
    alphas: dict[str, float] = {}
    test: dict[int, float] = defaultdict(float)
    for by_item in scores.values():
        for cells in by_item.values():
            for a, x in cells.items():
                test[a] += x
    for competency, by_item in scores.items():
        people = sorted({a for cells in by_item.values() for a in cells})
        grid = np.array([[by_item[i].get(a, np.nan) for i in sorted(by_item)] for a in people])
        totals = np.nansum(grid, axis=1)
        if (~np.isnan(grid)).sum(axis=1).mean() - 1 < MIN_REST_ITEMS:
            totals = np.array([test[a] for a in people])
        for k, item_id in enumerate(sorted(by_item)):
            present = ~np.isnan(grid[:, k])
            x, rest = grid[present, k], totals[present] - grid[present, k]
            r = np.corrcoef(x, rest)[0, 1] if x.std() > 0 and rest.std() > 0 else np.nan
            items[item_id] = (float(x.mean()), float(r))
        complete = grid[~np.isnan(grid).any(axis=1)]
        if len(complete) >= 2 and grid.shape[1] >= 2:
            k = grid.shape[1]
            alpha = (
                k
                / (k - 1)
                * (1 - complete.var(axis=0, ddof=1).sum() / complete.sum(axis=1).var(ddof=1))
            )
            alphas[competency] = float(alpha)
    return items, alphas


def _compare(cells: list[Cell]) -> None:
    scores: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for c in cells:
        scores[c.competency][c.item_id][c.attempt_id] = c.score
    items, alphas = _numpy_reference(scores)
    analysis = analyse(cells)
    for item in analysis.items:
        mean, r = items[item.item_id]
        assert item.mean_score == pytest.approx(mean)
        if math.isnan(r):
            assert item.discrimination is None
        else:
            assert item.discrimination == pytest.approx(r)
    assert alphas
    for scale in analysis.scales:
        if scale.competency in alphas:
            assert scale.alpha == pytest.approx(alphas[scale.competency])
        else:
            assert scale.alpha is None


def test_random_matrices_match_numpy() -> None:
    rng = random.Random(7)
    cells = []
    for attempt in range(60):
        ability = rng.gauss(0, 1)
        for competency, count in (("M.01", 6), ("M.02", 4)):
            for k in range(count):
                item_id = f"{competency}-{k}"
                if k == 0 and attempt % 5 == 0:
                    continue  # not on this form
                p = 1 / (1 + math.exp(-(ability - (k - 2) / 2)))
                weight = sum(rng.random() < p for _ in range(3)) + 1  # weighted 1–4
                cells.append(Cell(attempt, competency, item_id, weight, 4, "ABCD"[weight - 1]))
    _compare(cells)


async def test_api_on_a_finished_sitting_matches_numpy_on_its_matrix(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, _ = await finished_sitting(client, db, participants=5)
    await login(client, await create_staff(db, "admin"))
    sitting_id = opened.sitting.id
    response = await client.get(f"/api/sittings/{sitting_id}/item-analysis")
    assert response.status_code == 200, response.text
    body = response.json()
    lines = [
        json.loads(line)
        for line in (
            await client.get(f"/api/sittings/{sitting_id}/exports/responses.jsonl")
        ).text.splitlines()
    ]
    cells = [
        Cell(r["attempt_id"], r["competency"], r["item_id"], r["score"], 1, r["answer"] or None)
        for r in lines
    ]
    scores: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for c in cells:
        scores[c.competency][c.item_id][c.attempt_id] = c.score
    items, alphas = _numpy_reference(scores)
    assert {i["item_id"] for i in body["items"]} == set(items)
    for item in body["items"]:
        mean, r = items[item["item_id"]]
        assert item["mean_score"] == pytest.approx(mean)
        assert item["n"] == len(scores[item["competency"]][item["item_id"]])
        assert item["facility"] == pytest.approx(mean / item["max_score"])
        if math.isnan(r):
            assert item["discrimination"] is None
        else:
            assert item["discrimination"] == pytest.approx(r)
        assert sum(o["count"] for o in item["options"]) == item["n"]
    assert {s["competency"] for s in body["scales"]} == set(scores)
    for scale in body["scales"]:
        if scale["competency"] in alphas:
            assert scale["alpha"] == pytest.approx(alphas[scale["competency"]])
        else:
            assert scale["alpha"] is None

    table = await client.get(f"/api/sittings/{sitting_id}/item-analysis/items.csv")
    assert tuple(csv_rows(table.text)[0]) == columns.ITEM_ANALYSIS
    assert len(csv_records(table.text)) == len(body["items"])
    scales = await client.get(f"/api/sittings/{sitting_id}/item-analysis/scales.jsonl")
    assert [tuple(json.loads(x)) for x in scales.text.splitlines()] == [
        columns.SCALE_ANALYSIS
    ] * len(body["scales"])
    missing = await client.get("/api/sittings/999999/item-analysis")
    assert missing.status_code == 404
