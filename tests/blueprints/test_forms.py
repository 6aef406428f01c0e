"""The form generator: the blueprint's counts, no item twice, seeded and reproducible."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cact.blueprints.forms import Candidate, Rule, SectionDesign, generate, shortfalls


def _pool() -> list[Candidate]:
    pool = []
    vid = 0
    for competency in ("M.01", "M.02", "T.ADM.01"):
        for n in range(6):
            vid += 1
            pool.append(
                Candidate(
                    f"{competency}-{n}",
                    vid,
                    competency,
                    n % 3 + 2,
                    (vid * 10 + 1, vid * 10 + 2, vid * 10 + 3, vid * 10 + 4),
                )
            )
    return pool


DESIGN = [
    SectionDesign("Manajerial", rules=[Rule("M.01", 2), Rule("M.02", 2, level=3)]),
    SectionDesign(
        "Teknis", rules=[Rule("T.ADM.01", 3)], shuffle_items=False, shuffle_options=False
    ),
    SectionDesign("Tetap", item_ids=["M.01-5"]),
]


def test_each_section_gets_its_counts_and_no_item_appears_twice() -> None:
    form = generate(DESIGN, _pool(), seed=7)
    by_id = {c.item_id: c for c in _pool()}
    assert [len(s.items) for s in form] == [4, 3, 1]
    competencies = Counter(by_id[i.item_id].competency for i in form[0].items)
    assert competencies == {"M.01": 2, "M.02": 2}
    assert all(
        by_id[i.item_id].level == 3 for i in form[0].items if by_id[i.item_id].competency == "M.02"
    )
    ids = [i.item_id for s in form for i in s.items]
    assert len(ids) == len(set(ids))
    assert form[2].items[0].item_id == "M.01-5"


def test_options_are_a_permutation_and_unshuffled_sections_keep_bank_order() -> None:
    form = generate(DESIGN, _pool(), seed=11)
    by_id = {c.item_id: c for c in _pool()}
    for section in form:
        for item in section.items:
            assert sorted(item.option_order) == sorted(by_id[item.item_id].option_ids)
    teknis = form[1].items
    assert [i.item_id for i in teknis] == sorted(i.item_id for i in teknis)
    assert all(i.option_order == by_id[i.item_id].option_ids for i in teknis)


@given(st.integers(min_value=0, max_value=2**62))
def test_the_same_seed_gives_the_same_form(seed: int) -> None:
    assert generate(DESIGN, _pool(), seed) == generate(DESIGN, _pool(), seed)


def test_different_seeds_give_different_forms() -> None:
    forms = {
        tuple(i.item_id for s in generate(DESIGN, _pool(), seed) for i in s.items)
        for seed in range(20)
    }
    assert len(forms) > 10


def test_shortfalls_name_every_rule_the_bank_cannot_fill() -> None:
    design = [
        SectionDesign("A", rules=[Rule("M.01", 5), Rule("M.02", 3, level=4)]),
        SectionDesign("B", rules=[Rule("M.01", 2)], item_ids=["TIDAK-ADA"]),
    ]
    found = {(s.section, s.what, s.wanted, s.available) for s in shortfalls(design, _pool())}
    assert found == {(1, "M.02 level 4", 3, 2), (2, "TIDAK-ADA", 1, 0), (2, "M.01", 2, 1)}
    with pytest.raises(ValueError, match="not enough"):
        generate(design, _pool(), 1)
