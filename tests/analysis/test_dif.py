"""DIF: Mantel–Haenszel against a hand-written computation, the pooling and class rules, the
weighted-item (Mantel / SMD) path, and a simulated sitting in the database with an injected DIF
item (docs/item-analysis.md, "DIF")."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from httpx import AsyncClient
from scipy.stats import chi2
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import dif
from cact.analysis.dif import classify_mh, classify_smd, item_dif, pool_strata
from cact.analysis.dif_service import BadDifGroups, sitting_dif
from cact.analysis.groups import Person, age_band, value
from tests.analysis.simulation import simulated_sitting
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, admin_login, untranslated


def _mh_by_hand(
    scores: dict[int, float], matching: dict[int, float], groups: dict[int, str]
) -> tuple[float, float]:
    """α_MH and the continuity-corrected MH chi-square, straight from Holland & Thayer (1988),
    on the strata ``pool_strata`` would make."""
    levels: dict[float, list[int]] = {}
    for a, level in matching.items():
        levels.setdefault(level, [0, 0])[groups[a] == "F"] += 1
    strata = pool_strata({k: (r, f) for k, (r, f) in levels.items()})
    where = {level: k for k, s in enumerate(strata) for level in s}
    num = den = a_sum = e_sum = v_sum = 0.0
    for k in range(len(strata)):
        people = [a for a in scores if where[matching[a]] == k]
        ar = sum(scores[a] for a in people if groups[a] == "R")
        nr = sum(1 for a in people if groups[a] == "R")
        cf = sum(scores[a] for a in people if groups[a] == "F")
        nf = len(people) - nr
        br, df = nr - ar, nf - cf
        t = nr + nf
        num += ar * df / t
        den += br * cf / t
        m1, m0 = ar + cf, br + df
        a_sum += ar
        e_sum += nr * m1 / t
        v_sum += nr * nf * m1 * m0 / (t * t * (t - 1))
    return num / den, (abs(a_sum - e_sum) - 0.5) ** 2 / v_sum


def _sample(
    rng: random.Random, n: int, shift: float, keyed: bool = True
) -> tuple[dict[int, float], dict[int, float], dict[int, str]]:
    """n people, 10 rest items (b = 0) + the studied one, focal ``shift`` logits harder."""
    scores, matching, groups = {}, {}, {}
    for a in range(n):
        focal = a % 2 == 1
        theta = rng.gauss(-0.3 if focal else 0.0, 1.0)
        rest = sum(rng.random() < 1 / (1 + math.exp(-theta)) for _ in range(10))
        b = shift if focal else 0.0
        if keyed:
            score = float(rng.random() < 1 / (1 + math.exp(b - theta)))
        else:
            score = float(1 + sum(rng.random() < 1 / (1 + math.exp(b - theta)) for _ in range(3)))
        scores[a], groups[a] = score, "F" if focal else "R"
        matching[a] = float(rest) + (score if keyed else score / 4)
    return scores, matching, groups


def test_mantel_haenszel_matches_the_textbook_formulas() -> None:
    rng = random.Random(3)
    scores, matching, groups = _sample(rng, 600, 0.8)
    found = item_dif("I1", "M.01", True, scores, matching, groups, "R", "F")
    odds, statistic = _mh_by_hand(scores, matching, groups)
    assert found.odds_ratio == pytest.approx(odds, rel=1e-9)
    assert found.chi_square == pytest.approx(statistic, rel=1e-9)
    assert found.p_value == pytest.approx(chi2.sf(statistic, 1), rel=1e-9)
    assert found.delta == pytest.approx(-2.35 * math.log(odds))
    assert found.delta is not None and found.delta < 0  # harder for the focal group
    assert found.against == "focal" and found.flagged


def test_a_clean_item_is_rarely_flagged_and_a_dif_item_nearly_always() -> None:
    """300 samples of 400: a clean item's Δ averages 0 and is flagged at about the 5 % level
    (measured 43 / 1000 = 4.3 %); 1.5 logits of DIF is class C in nearly every sample."""
    clean = [
        item_dif("C", "M.01", True, *_sample(random.Random(s), 400, 0.0), "R", "F")
        for s in range(300)
    ]
    assert abs(float(np.mean([i.delta for i in clean]))) < 0.15
    assert sum(i.flagged for i in clean) <= 24  # 8 %
    assert all(i.against is None for i in clean if not i.flagged)
    biased = [
        item_dif("D", "M.01", True, *_sample(random.Random(s), 400, 1.5), "R", "F")
        for s in range(1000, 1030)
    ]
    assert sum(i.ets_class == "C" for i in biased) >= 27
    assert all(i.against == "focal" for i in biased if i.flagged)


def test_weighted_items_use_mantel_and_the_smd() -> None:
    rng = random.Random(5)
    clean = item_dif("W1", "SK.01", False, *_sample(rng, 600, 0.0, keyed=False), "R", "F")
    assert clean.method == "mantel" and clean.odds_ratio is None and clean.delta is None
    assert clean.ets_class == "A"
    biased = item_dif("W2", "SK.01", False, *_sample(rng, 600, 1.2, keyed=False), "R", "F")
    assert biased.smd is not None and biased.smd < 0 and biased.against == "focal"
    assert biased.effect is not None and abs(biased.effect) > dif.SMD_C
    assert biased.ets_class == "C"
    # SMD by hand: focal-weighted mean difference over the same strata.
    scores, matching, groups = _sample(random.Random(9), 300, 0.5, keyed=False)
    found = item_dif("W3", "SK.01", False, scores, matching, groups, "R", "F")
    levels: dict[float, list[int]] = {}
    for a, level in matching.items():
        levels.setdefault(level, [0, 0])[groups[a] == "F"] += 1
    strata = pool_strata({k: (r, f) for k, (r, f) in levels.items()})
    n_focal = sum(1 for g in groups.values() if g == "F")
    smd = 0.0
    for stratum in strata:
        ref = [scores[a] for a in scores if matching[a] in stratum and groups[a] == "R"]
        foc = [scores[a] for a in scores if matching[a] in stratum and groups[a] == "F"]
        smd += len(foc) / n_focal * (np.mean(foc) - np.mean(ref))
    assert found.smd == pytest.approx(smd)


def test_sparse_strata_are_pooled_upwards_and_the_tail_joins_the_last() -> None:
    levels = {0: (1, 0), 1: (3, 2), 2: (2, 4), 3: (6, 6), 4: (1, 0), 5: (0, 1)}
    assert pool_strata(levels) == [[0, 1, 2], [3, 4, 5]]
    assert pool_strata({0: (4, 4)}) == []
    assert pool_strata({0: (5, 5), 1: (1, 0)}) == [[0, 1]]


def test_the_ets_rules() -> None:
    assert classify_mh(-0.9, 0.1, 0.001) == "A"  # small
    assert classify_mh(-1.8, 0.3, 0.2) == "A"  # not significant
    assert classify_mh(-1.2, 0.2, 0.01) == "B"
    assert classify_mh(-1.6, 0.5, 0.01) == "B"  # large but not significantly above 1
    assert classify_mh(-1.6, 0.2, 0.001) == "C"
    assert classify_smd(0.3, 0.2) == "A"
    assert classify_smd(-0.2, 0.01) == "B"
    assert classify_smd(-0.3, 0.01) == "C"


def test_too_few_and_constant_items_are_not_classed() -> None:
    few = item_dif("I", "M.01", True, {1: 1.0, 2: 0.0}, {1: 1, 2: 0}, {1: "R", 2: "F"}, "R", "F")
    assert few.note == "too_few" and few.ets_class is None and not few.flagged
    scores = dict.fromkeys(range(100), 1.0)
    matching = {a: float(a % 5) for a in scores}
    groups = {a: "RF"[a % 2] for a in scores}
    constant = item_dif("I", "M.01", True, scores, matching, groups, "R", "F")
    assert constant.note == "constant" and constant.ets_class is None


def test_roster_attributes() -> None:
    from datetime import date

    person = Person("198505122010012003", " BKD Kota ", None, None, "GURU-1", "guru")
    on = date(2026, 5, 12)
    assert value(person, "gender", on) == "female"
    assert value(person, "age_band", on) == "40-49"  # 41 on the sitting day, from the NIP
    assert value(person, "agency", on) == "BKD Kota"
    assert value(person, "unit", on) is None
    assert value(person, "position", on) == "GURU-1"
    assert value(person, "position_group", on) == "guru"
    assert value(Person("P-1", None, None, None, None, None), "gender", on) is None
    assert age_band(date(1996, 5, 13), on) == "<30"  # 29, one day short of 30
    assert age_band(date(1976, 5, 12), on) == "50+"


async def test_an_injected_dif_item_is_flagged_on_a_simulated_sitting(db: AsyncSession) -> None:
    """300 attempts on forms of 2 of 4 items per scale; M.01-1 is 1.5 logits harder for the
    female (focal) group at equal ability, the focal group also 0.3 lower in ability."""
    sim = await simulated_sitting(db, attempts=300, dif_item="M.01-1")
    report = await sitting_dif(db, sim.sitting_id, "gender", "male", "female")
    assert report.groups == {"male": 150, "female": 150}
    by_id = {i.item_id.split("-", 1)[1]: i for i in report.items}
    assert len(by_id) == 20
    injected = by_id["M.01-1"]
    assert injected.n_reference + injected.n_focal > 100  # about half the attempts saw it
    assert injected.ets_class in ("B", "C"), injected
    assert injected.against == "focal" and injected.delta is not None and injected.delta < -1
    clean = by_id["M.02-1"]
    assert clean.ets_class == "A", clean
    keyed_flags = [k for k, i in by_id.items() if i.flagged and i.method == "mh"]
    assert keyed_flags[:1] == ["M.01-1"] and len(keyed_flags) <= 2
    assert all(i.method == "mantel" for k, i in by_id.items() if k.startswith("SK.01"))
    assert [i.item_id for i in report.flagged] == [i.item_id for i in report.items if i.flagged]

    # Defaults: the two largest groups; bad choices are refused.
    default = await sitting_dif(db, sim.sitting_id, "gender")
    assert {default.reference, default.focal} == {"male", "female"}
    with pytest.raises(BadDifGroups):
        await sitting_dif(db, sim.sitting_id, "gender", "male", "male")
    with pytest.raises(BadDifGroups):
        await sitting_dif(db, sim.sitting_id, "gender", "male", "other")
    none = await sitting_dif(db, sim.sitting_id, "agency")
    assert none.groups == {} and none.items == []


async def test_the_api_and_the_page(client: AsyncClient, db: AsyncSession) -> None:
    sim = await simulated_sitting(db, attempts=120, seed=4, dif_item="M.03-2", dif_logits=2.5)
    await admin_login(client, db)
    base = f"/api/sittings/{sim.sitting_id}/dif"
    answer = await client.get(
        base, params={"attribute": "gender", "reference": "male", "focal": "female"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["groups"] == {"male": 60, "female": 60}
    assert len(body["items"]) == 20
    direct = await sitting_dif(db, sim.sitting_id, "gender", "male", "female")
    assert body["flagged"] == [i.item_id for i in direct.flagged]
    assert [r["ets_class"] for r in body["items"]] == [i.ets_class for i in direct.items]

    for params, status in (
        ({"attribute": "shoe_size"}, 422),
        ({}, 422),
        ({"attribute": "gender", "reference": "male", "focal": "male"}, 422),
        ({"attribute": "gender", "reference": "male", "focal": "other"}, 422),
        ({"attribute": "gender", "criterion": "whatever"}, 422),
        ({"attribute": "gender", "reference": "x" * 201}, 422),
    ):
        refused = await client.get(base, params=params)
        assert refused.status_code == status, (params, refused.text)
        assert "error" in refused.json()
    assert (await client.get("/api/sittings/999999/dif?attribute=gender")).status_code == 404

    page_url = f"/admin/sittings/{sim.sitting_id}/dif"
    for lang, male, female in (("id", "Laki-laki", "Perempuan"), ("en", "Male", "Female")):
        page = await client.get(
            page_url, params={"attribute": "gender", "lang": lang}, headers=HTML
        )
        assert page.status_code == 200, page.text
        assert untranslated(page.text) == []
        assert f"{male} 60" in page.text and f"{female} 60" in page.text
        rows = table_rows(page.text, "dif-items")
        assert [r[1] for r in rows] == [i.item_id for i in direct.items]
        assert [r[11][:1] for r in rows if r[11][:1] and r[11][:1] in "ABC"] == [
            i.ets_class for i in direct.items if i.ets_class
        ]
        assert page.text.count('data-flagged="true"') == len(direct.flagged)
    flagged_html = page.text.split('data-testid="dif-flagged"')
    assert len(flagged_html) == 2 or not direct.flagged
    for item in direct.flagged:
        assert item.item_id in flagged_html[1].split("</ul>")[0]
    bad = await client.get(
        page_url, params={"attribute": "gender", "reference": "male", "focal": "male"}, headers=HTML
    )
    assert bad.status_code == 422 and 'data-testid="error"' in bad.text
    switched = await client.get(
        page_url,
        params={"attribute": "agency", "shown": "gender", "reference": "male", "lang": "id"},
        headers=HTML,
    )
    assert switched.status_code == 200 and 'data-testid="error"' not in switched.text
    assert "tidak memuat atribut ini" in switched.text
    analysis = await client.get(f"/admin/sittings/{sim.sitting_id}/item-analysis", headers=HTML)
    assert f'href="{page_url}"' in analysis.text
    assert (await client.get("/admin/sittings/999999/dif", headers=HTML)).status_code == 404
