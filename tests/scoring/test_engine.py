"""The pure engine against SPEC §4: the worked check, every boundary, every nine-box cell."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cact.scoring import engine
from cact.scoring.engine import ItemKey, LevelText
from cact.scoring.policy import PolicyBody, default_policy

POLICY = default_policy().body()
NINE = [f"M.0{n}" for n in range(1, 9)] + ["SK.01"]
KINDS = {**dict.fromkeys(NINE[:8], "managerial"), "SK.01": "sociocultural", "T.X": "technical"}
FIVE = {101: 1, 102: 2, 103: 3, 104: 4, 105: 5}  # option id → weight; weight w ⇒ index w/5


def _item(code: str) -> ItemKey:
    return engine.weighted_key(code, FIVE)


def _answers_for_levels(levels: list[int]) -> list[tuple[ItemKey, int | None]]:
    """One five-weight item per competency: weight 2 → index 0.40 → level 2, 3 → 0.60 → 3."""
    return [(_item(code), 100 + level) for code, level in zip(NINE, levels, strict=True)]


def _policy(**changes: object) -> PolicyBody:
    return PolicyBody.model_validate({**POLICY.model_dump(), **changes})


@pytest.mark.parametrize(
    ("attained", "jpm", "pemetaan", "seleksi"),
    [
        ([3, 3, 3, 3, 2, 3, 3, 3, 3], Decimal("96.30"), "Optimal", "MS"),
        ([2, 2, 2, 3, 2, 2, 3, 2, 3], Decimal("77.78"), "Kurang Optimal", "MMS"),
    ],
)
def test_the_worked_check_of_spec_4(
    attained: list[int], jpm: Decimal, pemetaan: str, seleksi: str
) -> None:
    score = engine.score_attempt(
        _answers_for_levels(attained), POLICY, standard=dict.fromkeys(NINE, 3), kinds=KINDS
    )
    assert [c.attained for c in score.competencies] == attained
    assert [c.gap for c in score.competencies] == [a - 3 for a in attained]
    assert score.jpm == jpm
    assert round(score.jpm, 1) == round(jpm, 1)  # 96.3 and 77.8 as the SPEC prints them
    assert score.categories == {"pemetaan": pemetaan, "seleksi": seleksi}
    assert score.category == pemetaan  # the default policy stores the mapping scale


@pytest.mark.parametrize(
    ("jpm", "expected"),
    [
        ("100", "Optimal"),
        ("90", "Optimal"),
        ("89.99", "Cukup Optimal"),
        ("78", "Cukup Optimal"),
        ("77.99", "Kurang Optimal"),
        ("0", "Kurang Optimal"),
    ],
)
def test_the_mapping_scale_at_its_boundaries(jpm: str, expected: str) -> None:
    band = engine.category(Decimal(jpm), POLICY.category_scales["pemetaan"])
    assert band is not None and band.code == expected


@pytest.mark.parametrize(
    ("jpm", "expected"),
    [
        ("80", "MS"),
        ("79.99", "MMS"),
        ("68", "MMS"),
        ("67.99", "KMS"),
        ("120", "MS"),
    ],
)
def test_the_selection_scale_at_its_boundaries(jpm: str, expected: str) -> None:
    band = engine.category(Decimal(jpm), POLICY.category_scales["seleksi"])
    assert band is not None and band.code == expected


def test_the_selection_scale_labels_are_the_spec_s() -> None:
    labels = [(b.code, b.label_id) for b in POLICY.category_scales["seleksi"]]
    assert labels == [
        ("MS", "Memenuhi Syarat"),
        ("MMS", "Masih Memenuhi Syarat"),
        ("KMS", "Kurang Memenuhi Syarat"),
    ]


@pytest.mark.parametrize(
    ("index", "level"),
    [
        ("0", 1),
        ("0.3999", 1),
        ("0.40", 2),
        ("0.5499", 2),
        ("0.55", 3),
        ("0.6999", 3),
        ("0.70", 4),
        ("0.8499", 4),
        ("0.85", 5),
        ("1", 5),
    ],
)
def test_level_cut_offs_at_their_boundaries(index: str, level: int) -> None:
    assert engine.attained_level(Decimal(index), POLICY.level_cutoffs) == level


def test_the_index_is_rounded_half_up_before_the_cut_off() -> None:
    # 7/16 = 0.4375 exactly; 2/3 = 0.66666… → 0.6667; 11/20 = 0.55 lands on the cut-off.
    assert engine.competency_index(7, 16) == Decimal("0.4375")
    assert engine.competency_index(2, 3) == Decimal("0.6667")
    assert engine.attained_level(engine.competency_index(11, 20), POLICY.level_cutoffs) == 3
    assert engine.competency_index(0, 0) == 0


@pytest.mark.parametrize(
    ("rating", "jpm", "box"),
    [
        ("below", "77.99", 1),
        ("meets", "77.99", 2),
        ("below", "78", 3),
        ("above", "0", 4),
        ("meets", "89.99", 5),
        ("below", "90", 6),
        ("above", "78", 7),
        ("meets", "90", 8),
        ("above", "100", 9),
    ],
)
def test_every_nine_box_cell(rating: str, jpm: str, box: int) -> None:
    assert engine.nine_box_cell(Decimal(jpm), rating, POLICY.nine_box) == box


def test_no_nine_box_without_a_rating_or_a_jpm() -> None:
    assert engine.nine_box_cell(Decimal(95), None, POLICY.nine_box) is None
    assert engine.nine_box_cell(None, "meets", POLICY.nine_box) is None


@pytest.mark.parametrize(
    ("cap", "over", "mixed"),
    [
        ("per_competency", "100.00", "66.67"),
        ("total", "100.00", "100.00"),
        ("none", "166.67", "100.00"),
    ],
)
def test_the_three_cap_policies(cap: str, over: str, mixed: str) -> None:
    # per_competency counts 5-where-3-is-required as 3; total caps the sum at 100; none neither.
    assert engine.job_person_match([(5, 3)] * 3, cap) == Decimal(over)  # type: ignore[arg-type]
    assert engine.job_person_match([(5, 3), (1, 3)], cap) == Decimal(mixed)  # type: ignore[arg-type]


def test_item_scores_weighted_keyed_and_blank() -> None:
    weighted = engine.weighted_key("M.01", {1: 4, 2: 1, 3: 3, 4: 2})
    keyed = engine.keyed_key("T.X", 5, [12])
    assert [engine.item_score(weighted, o) for o in (1, 2, 3, 4, None)] == [4, 1, 3, 2, 0]
    assert [engine.item_score(keyed, o) for o in (11, 12, None)] == [0, 5, 0]
    assert (weighted.max_score, keyed.max_score) == (4, 5)
    assert engine.keyed_key("T.X", None, [1]).max_score == 1


def test_without_a_standard_there_are_levels_but_no_jpm() -> None:
    score = engine.score_attempt(_answers_for_levels([3] * 9), POLICY, standard=None, kinds=KINDS)
    assert [c.attained for c in score.competencies] == [3] * 9
    assert all(c.required is None and c.gap is None for c in score.competencies)
    assert (score.jpm, score.category, score.nine_box, score.combined) == (None, None, None, None)


def test_standard_competencies_the_form_did_not_test_are_listed_not_counted() -> None:
    standard = {**dict.fromkeys(NINE[:2], 3), "M.08": 4, "T.X": 2}
    answers = [(_item("M.01"), 103), (_item("M.02"), 102), (_item("M.05"), 105)]
    score = engine.score_attempt(answers, POLICY, standard=standard, kinds=KINDS)
    assert score.untested == (("M.08", 4), ("T.X", 2))
    assert score.jpm == Decimal("83.33")  # (3 + 2) / (3 + 3): M.05 is not in the standard
    assert [(c.code, c.required) for c in score.competencies] == [
        ("M.01", 3),
        ("M.02", 3),
        ("M.05", None),
    ]


def test_the_combined_score_weights_technical_against_managerial_and_sociocultural() -> None:
    standard = {"M.01": 3, "SK.01": 3, "T.X": 4}
    answers = [(_item("M.01"), 103), (_item("SK.01"), 102), (_item("T.X"), 105)]
    score = engine.score_attempt(
        answers, POLICY, standard=standard, kinds=KINDS, group="fungsional", rating="meets"
    )
    # technical 4/4 = 100; managerial + sociocultural (3 + 2) / 6 = 83.33…; 0.4 × 100 + 0.6 × 83.33…
    assert score.parts == {
        "teknis": Decimal("100.00"),
        "manajerial_sosiokultural": Decimal("83.33"),
    }
    assert score.combined == Decimal("90.00")
    assert score.jpm == Decimal("90.00")  # (3 + 2 + 4) / 10
    struktural = engine.score_attempt(
        answers, POLICY, standard=standard, kinds=KINDS, group="struktural"
    )
    assert struktural.combined is None


def test_the_category_may_come_from_the_combined_score() -> None:
    policy = _policy(category_from="combined", category_scale="seleksi")
    standard = {"M.01": 3, "T.X": 3}
    answers = [(_item("M.01"), 105), (_item("T.X"), 101)]
    score = engine.score_attempt(
        answers, policy, standard=standard, kinds=KINDS, group="fungsional"
    )
    # JPM (3 + 1) / 6 = 66.67 → KMS; combined 0.4 × 33.33 + 0.6 × 100 = 73.33 → MMS
    assert (score.jpm, score.combined, score.category) == (
        Decimal("66.67"),
        Decimal("73.33"),
        "MMS",
    )


def test_recommendations_come_from_the_required_level_descriptor() -> None:
    dictionary = {
        ("M.05", 3): LevelText(
            "Pelayanan Publik", "Public Service", "Deskriptor level 3", "Level 3 descriptor",
            ("indikator a",), ("indicator a",),
        ),
        ("M.05", 2): LevelText("Pelayanan Publik", "Public Service", "level 2", "level 2"),
    }  # fmt: skip
    found = engine.recommendations([("M.05", 2, 3), ("M.01", 3, 3), ("M.02", 4, None)], dictionary)
    assert len(found) == 1
    only = found[0]
    assert (only.competency, only.required, only.gap) == ("M.05", 3, -1)
    assert only.text_id == "Kembangkan Pelayanan Publik (M.05) hingga level 3: Deskriptor level 3"
    assert only.text_en == "Develop Public Service (M.05) to level 3: Level 3 descriptor"
    assert only.indicators_id == ("indikator a",)


def test_the_default_policy_is_exactly_spec_4() -> None:
    shipped = default_policy()
    assert (shipped.code, shipped.version, shipped.cap) == ("default", 1, "per_competency")
    assert shipped.level_cutoffs == [Decimal(x) for x in ("0.40", "0.55", "0.70", "0.85")]
    assert [b.min for b in shipped.category_scales["pemetaan"]] == [90, 78, None]
    assert [b.min for b in shipped.category_scales["seleksi"]] == [80, 68, None]
    assert (shipped.nine_box.potential_high, shipped.nine_box.potential_medium) == (90, 78)


@pytest.mark.parametrize(
    "change",
    [
        {"level_cutoffs": [0.4, 0.3, 0.7, 0.85]},
        {"level_cutoffs": [0.4, 0.55, 0.7]},
        {"cap": "sometimes"},
        {"category_scale": "unknown"},
        {"category_scales": {"pemetaan": [{"min": 90, "code": "O", "label_id": "O"}]}},
        {"nine_box": {"boxes": {"below": {"low": 1, "medium": 1, "high": 6}}}},
    ],
)
def test_a_policy_that_does_not_add_up_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _policy(**change)
