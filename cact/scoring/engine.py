"""The scoring engine: responses + standard + policy → a result. Pure and deterministic.

No database, no clock, no randomness: the same inputs always give the same numbers, which is what
makes a re-score after a key correction trustworthy. Formulas are in docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from cact.scoring.policy import POTENTIALS, Band, CapPolicy, NineBox, PolicyBody, WeightPart

INDEX_PLACES = 4  # index 0.0000–1.0000
SCORE_PLACES = 2  # JPM and combined score
HUNDRED = Fraction(100)


@dataclass(frozen=True)
class ItemKey:
    """What one presented item version is worth: the score of each option id (absent = 0)."""

    competency: str
    max_score: int
    option_scores: Mapping[int, int]


def weighted_key(competency: str, weights: Mapping[int, int | None]) -> ItemKey:
    """Situational judgement: every option scores its weight."""
    scores = {option: weight or 0 for option, weight in weights.items()}
    return ItemKey(competency, max(scores.values(), default=0), scores)


def keyed_key(competency: str, points: int | None, correct: Iterable[int]) -> ItemKey:
    """Multiple choice: the correct option scores ``points`` (1 when the bank left it blank)."""
    worth = points or 1
    return ItemKey(competency, worth, dict.fromkeys(correct, worth))


def item_score(key: ItemKey, option_id: int | None) -> int:
    """Weighted → weight of the chosen option; keyed → points if correct; blank → 0."""
    if option_id is None:
        return 0
    return key.option_scores.get(option_id, 0)


def _round(numerator: int, denominator: int, places: int) -> Decimal:
    """numerator / denominator (≥ 0) rounded half up to ``places``, in integers: exact."""
    unit = 10**places
    rounded = (2 * numerator * unit + denominator) // (2 * denominator)
    return Decimal(rounded).scaleb(-places)


def _round_fraction(value: Fraction, places: int) -> Decimal:
    return _round(value.numerator, value.denominator, places)


def competency_index(raw: int, maximum: int) -> Decimal:
    """Σ item scores / Σ maximum item scores, 0–1, rounded half up to four places."""
    if maximum <= 0:
        return Decimal("0.0000")
    return _round(raw, maximum, INDEX_PLACES)


def attained_level(index: Decimal, cutoffs: Sequence[Decimal]) -> int:
    """The first cut-off the (rounded) index stays below gives its level; none → level 5."""
    for level, cutoff in enumerate(cutoffs, start=1):
        if index < cutoff:
            return level
    return len(cutoffs) + 1


def _ratio(pairs: Iterable[tuple[int, int]], cap: CapPolicy) -> Fraction | None:
    """JPM as an exact fraction of 100 over (attained, required) pairs; None without pairs."""
    attained = required = 0
    for got, needed in pairs:
        attained += min(got, needed) if cap == "per_competency" else got
        required += needed
    if required == 0:
        return None
    jpm = HUNDRED * Fraction(attained, required)
    return min(jpm, HUNDRED) if cap == "total" else jpm


def job_person_match(pairs: Iterable[tuple[int, int]], cap: CapPolicy) -> Decimal | None:
    """JPM = Σ attained / Σ required × 100, capped per competency, in total, or not at all."""
    ratio = _ratio(pairs, cap)
    return None if ratio is None else _round_fraction(ratio, SCORE_PLACES)


def category(score: Decimal | None, bands: Sequence[Band]) -> Band | None:
    """The first band whose minimum the (rounded, as reported) score reaches."""
    if score is None:
        return None
    return next(b for b in bands if b.min is None or score >= b.min)


def potential(jpm: Decimal, nine_box: NineBox) -> str:
    if jpm >= nine_box.potential_high:
        return POTENTIALS[2]
    return POTENTIALS[1] if jpm >= nine_box.potential_medium else POTENTIALS[0]


def nine_box_cell(jpm: Decimal | None, rating: str | None, nine_box: NineBox) -> int | None:
    """Box 1–9 from potential (JPM) × performance rating; None when either is unknown."""
    if jpm is None or rating not in nine_box.boxes:
        return None
    return nine_box.boxes[rating][potential(jpm, nine_box)]  # type: ignore[index]


@dataclass(frozen=True)
class CompetencyScore:
    code: str
    raw: int
    maximum: int
    index: Decimal
    attained: int
    required: int | None
    items: int
    answered: int

    @property
    def gap(self) -> int | None:
        return None if self.required is None else self.attained - self.required


@dataclass(frozen=True)
class AttemptScore:
    competencies: tuple[CompetencyScore, ...]
    untested: tuple[tuple[str, int], ...]  # (code, required level) in the standard, not on the form
    jpm: Decimal | None
    category: str | None
    categories: dict[str, str] = field(default_factory=dict)
    combined: Decimal | None = None
    parts: dict[str, Decimal] = field(default_factory=dict)
    potential: str | None = None
    nine_box: int | None = None


@dataclass
class _Tally:
    raw: int = 0
    maximum: int = 0
    items: int = 0
    answered: int = 0


def tally(answers: Iterable[tuple[ItemKey, int | None]]) -> dict[str, _Tally]:
    """Σ item scores, Σ maxima, items and answers per competency (the hot loop of a herd)."""
    tallies: dict[str, _Tally] = {}
    for key, option_id in answers:
        found = tallies.get(key.competency)
        if found is None:
            found = tallies[key.competency] = _Tally()
        found.maximum += key.max_score
        found.items += 1
        if option_id is not None:  # item_score, inlined: blank → 0
            found.raw += key.option_scores.get(option_id, 0)
            found.answered += 1
    return tallies


def competency_scores(
    answers: Iterable[tuple[ItemKey, int | None]],
    standard: Mapping[str, int],
    cutoffs: Sequence[Decimal],
) -> tuple[CompetencyScore, ...]:
    scores = []
    for code, t in sorted(tally(answers).items()):
        index = competency_index(t.raw, t.maximum)
        scores.append(
            CompetencyScore(
                code=code,
                raw=t.raw,
                maximum=t.maximum,
                index=index,
                attained=attained_level(index, cutoffs),
                required=standard.get(code),
                items=t.items,
                answered=t.answered,
            )
        )
    return tuple(scores)


def _combined(
    scores: Sequence[CompetencyScore],
    parts: Sequence[WeightPart],
    kinds: Mapping[str, str],
    cap: CapPolicy,
) -> tuple[Decimal | None, dict[str, Decimal]]:
    """Σ weight × part JPM / Σ weight; None unless every part has a tested required competency."""
    ratios: dict[str, Fraction] = {}
    for part in parts:
        pairs = [
            (s.attained, s.required)
            for s in scores
            if s.required is not None and kinds.get(s.code) in part.kinds
        ]
        ratio = _ratio(pairs, cap)
        if ratio is not None:
            ratios[part.name] = ratio
    shown = {name: _round_fraction(r, SCORE_PLACES) for name, r in ratios.items()}
    if not parts or len(ratios) < len(parts):
        return None, shown
    total = sum((Fraction(p.weight) * ratios[p.name] for p in parts), Fraction(0))
    combined = total / sum(Fraction(p.weight) for p in parts)
    return _round_fraction(combined, SCORE_PLACES), shown


def score_attempt(
    answers: Iterable[tuple[ItemKey, int | None]],
    policy: PolicyBody,
    *,
    standard: Mapping[str, int] | None,
    kinds: Mapping[str, str],
    group: str | None = None,
    rating: str | None = None,
) -> AttemptScore:
    """Everything SPEC §4 asks of one attempt. ``standard`` maps competency → required level
    (None or empty: no position standard, so no JPM, category or nine-box)."""
    required = standard or {}
    scores = competency_scores(answers, required, policy.level_cutoffs)
    return score_levels(scores, policy, standard=required, kinds=kinds, group=group, rating=rating)


def score_levels(
    scores: Sequence[CompetencyScore],
    policy: PolicyBody,
    *,
    standard: Mapping[str, int] | None,
    kinds: Mapping[str, str],
    group: str | None = None,
    rating: str | None = None,
) -> AttemptScore:
    """JPM, categories, combined score and nine-box from levels already attained: the attempt's
    own, or the final levels of an integrated profile (docs/scoring.md, "Integrasi")."""
    required = standard or {}
    tested = {s.code for s in scores}
    untested = tuple(sorted((c, lvl) for c, lvl in required.items() if c not in tested))
    jpm = job_person_match(
        ((s.attained, s.required) for s in scores if s.required is not None), policy.cap
    )
    combined, parts = _combined(scores, policy.weightings.get(group or "", []), kinds, policy.cap)
    basis = combined if policy.category_from == "combined" else jpm
    categories = {
        name: band.code
        for name, bands in policy.category_scales.items()
        if (band := category(basis, bands)) is not None
    }
    return AttemptScore(
        competencies=tuple(scores),
        untested=untested,
        jpm=jpm,
        category=categories.get(policy.category_scale),
        categories=categories,
        combined=combined,
        parts=parts,
        potential=None if jpm is None else potential(jpm, policy.nine_box),
        nine_box=nine_box_cell(jpm, rating, policy.nine_box),
    )


@dataclass(frozen=True)
class LevelText:
    """A level of the competency dictionary: what the recommendation is built from."""

    name_id: str
    name_en: str
    descriptor_id: str
    descriptor_en: str
    indicators_id: tuple[str, ...] = ()
    indicators_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    competency: str
    attained: int
    required: int
    gap: int
    text_id: str
    text_en: str
    indicators_id: tuple[str, ...]
    indicators_en: tuple[str, ...]


def recommendations(
    scores: Iterable[tuple[str, int, int | None]],
    dictionary: Mapping[tuple[str, int], LevelText],
) -> list[Recommendation]:
    """One per negative gap, from the dictionary's descriptor of the REQUIRED level.

    ``scores`` are (competency, attained, required); a level missing from the dictionary still
    gets a recommendation naming the competency and the level to reach.
    """
    found = []
    for code, attained, required in scores:
        if required is None or attained >= required:
            continue
        text = dictionary.get((code, required))
        name_id = text.name_id if text else code
        name_en = (text.name_en or text.name_id) if text else code
        descriptor_id = f": {text.descriptor_id}" if text and text.descriptor_id else "."
        descriptor_en = f": {text.descriptor_en}" if text and text.descriptor_en else "."
        found.append(
            Recommendation(
                competency=code,
                attained=attained,
                required=required,
                gap=attained - required,
                text_id=f"Kembangkan {name_id} ({code}) hingga level {required}{descriptor_id}",
                text_en=f"Develop {name_en} ({code}) to level {required}{descriptor_en}",
                indicators_id=text.indicators_id if text else (),
                indicators_en=text.indicators_en if text else (),
            )
        )
    return found
