"""Properties of the engine over generated attempts (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cact.scoring import engine
from cact.scoring.engine import ItemKey
from cact.scoring.policy import default_policy

POLICY = default_policy().body()
CODES = ["M.01", "M.02", "M.03", "SK.01", "T.X"]
KINDS = {"M.01": "managerial", "M.02": "managerial", "M.03": "managerial"} | {
    "SK.01": "sociocultural",
    "T.X": "technical",
}

levels = st.integers(min_value=1, max_value=5)
pairs = st.lists(st.tuples(levels, levels), min_size=1, max_size=12)


@st.composite
def weighted_items(draw: st.DrawFn) -> tuple[ItemKey, int | None]:
    """A weighted item with 2–6 options (weights 0–5) and a chosen option or a blank."""
    code = draw(st.sampled_from(CODES))
    count = draw(st.integers(min_value=2, max_value=6))
    weights = draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
    key = engine.weighted_key(code, dict(enumerate(weights)))
    chosen = draw(st.one_of(st.none(), st.integers(0, count - 1)))
    return key, chosen


@st.composite
def keyed_items(draw: st.DrawFn) -> tuple[ItemKey, int | None]:
    code = draw(st.sampled_from(CODES))
    count = draw(st.integers(min_value=2, max_value=6))
    key = engine.keyed_key(code, draw(st.integers(1, 5)), [draw(st.integers(0, count - 1))])
    return key, draw(st.one_of(st.none(), st.integers(0, count - 1)))


attempts = st.lists(st.one_of(weighted_items(), keyed_items()), min_size=1, max_size=40)
standards = st.dictionaries(st.sampled_from(CODES), levels, min_size=1)


@given(pairs)
def test_per_competency_jpm_is_above_0_and_at_most_100(found: list[tuple[int, int]]) -> None:
    jpm = engine.job_person_match(found, "per_competency")
    assert jpm is not None and Decimal(0) < jpm <= 100


@given(pairs)
def test_total_jpm_is_at_most_100(found: list[tuple[int, int]]) -> None:
    jpm = engine.job_person_match(found, "total")
    assert jpm is not None and Decimal(0) < jpm <= 100


@given(pairs)
def test_uncapped_jpm_is_bounded_by_the_5_to_1_ratio(found: list[tuple[int, int]]) -> None:
    jpm = engine.job_person_match(found, "none")
    assert jpm is not None and Decimal(20) <= jpm <= 500


@given(attempts)
def test_every_index_is_between_0_and_1(answers: list[tuple[ItemKey, int | None]]) -> None:
    for score in engine.competency_scores(answers, {}, POLICY.level_cutoffs):
        assert Decimal(0) <= score.index <= Decimal(1)
        assert 1 <= score.attained <= 5


@given(st.one_of(weighted_items(), keyed_items()))
def test_a_blank_scores_0(item: tuple[ItemKey, int | None]) -> None:
    assert engine.item_score(item[0], None) == 0


@settings(max_examples=200)
@given(attempts, standards, st.data())
def test_a_better_answer_never_lowers_the_jpm(
    answers: list[tuple[ItemKey, int | None]], standard: dict[str, int], data: st.DataObject
) -> None:
    """Choosing an option that weighs more (or raising the chosen option's weight in the key)
    never lowers any index, any level or the JPM, under each cap policy."""
    position = data.draw(st.integers(0, len(answers) - 1))
    key, chosen = answers[position]
    now = engine.item_score(key, chosen)
    better = [o for o, s in key.option_scores.items() if s > now]
    if better:
        changed = (key, data.draw(st.sampled_from(better)))
    else:
        raised = dict(key.option_scores)
        option = chosen if chosen is not None else 0
        raised[option] = raised.get(option, 0) + 1
        changed = (ItemKey(key.competency, max(key.max_score, raised[option]), raised), option)
    after = [*answers[:position], changed, *answers[position + 1 :]]
    for cap in ("per_competency", "total", "none"):
        policy = POLICY.model_copy(update={"cap": cap})
        before_score = engine.score_attempt(answers, policy, standard=standard, kinds=KINDS)
        after_score = engine.score_attempt(after, policy, standard=standard, kinds=KINDS)
        for old, new in zip(before_score.competencies, after_score.competencies, strict=True):
            assert new.index >= old.index and new.attained >= old.attained
        if before_score.jpm is not None:
            assert after_score.jpm is not None and after_score.jpm >= before_score.jpm


@given(attempts, standards)
def test_scoring_is_deterministic(
    answers: list[tuple[ItemKey, int | None]], standard: dict[str, int]
) -> None:
    first = engine.score_attempt(answers, POLICY, standard=standard, kinds=KINDS, rating="meets")
    again = engine.score_attempt(
        list(answers), POLICY, standard=dict(standard), kinds=KINDS, rating="meets"
    )
    assert first == again
