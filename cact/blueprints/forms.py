"""Turning a blueprint into one participant's form: pure, seeded, reproducible.

The same function serves the editor's preview and the opening of a sitting, so what an editor
previews is what a participant gets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """An active item's current version, as the form generator needs it."""

    item_id: str
    version_id: int
    competency: str
    level: int | None
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class Rule:
    competency: str
    count: int
    level: int | None = None


@dataclass(frozen=True)
class SectionDesign:
    title: str
    rules: Sequence[Rule] = ()
    item_ids: Sequence[str] = ()
    shuffle_items: bool = True
    shuffle_options: bool = True


@dataclass(frozen=True)
class FormItem:
    item_id: str
    version_id: int
    option_order: tuple[int, ...]


@dataclass
class FormSection:
    title: str
    items: list[FormItem] = field(default_factory=list)


@dataclass(frozen=True)
class Shortfall:
    section: int  # 1-based
    what: str  # "M.01 level 3" or an item id
    wanted: int
    available: int


def shortfalls(sections: Sequence[SectionDesign], pool: Sequence[Candidate]) -> list[Shortfall]:
    """Every rule the bank cannot satisfy, counting items already claimed by earlier rules."""
    by_id = {c.item_id: c for c in pool}
    claimed: set[str] = {item_id for s in sections for item_id in s.item_ids}
    found: list[Shortfall] = []
    for number, section in enumerate(sections, start=1):
        found += [
            Shortfall(number, item_id, 1, 0) for item_id in section.item_ids if item_id not in by_id
        ]
        for rule in section.rules:
            matching = [c for c in _matching(pool, rule) if c.item_id not in claimed]
            if len(matching) < rule.count:
                found.append(Shortfall(number, _describe(rule), rule.count, len(matching)))
            claimed.update(c.item_id for c in matching[: rule.count])
    return found


def generate(
    sections: Sequence[SectionDesign], pool: Sequence[Candidate], seed: int
) -> list[FormSection]:
    """One form. Raises ValueError when the bank cannot satisfy the design (check first)."""
    rng = random.Random(seed)
    by_id = {c.item_id: c for c in pool}
    used: set[str] = {item_id for s in sections for item_id in s.item_ids}
    form: list[FormSection] = []
    for section in sections:
        chosen = [by_id[item_id] for item_id in section.item_ids]
        for rule in section.rules:
            matching = [c for c in _matching(pool, rule) if c.item_id not in used]
            if len(matching) < rule.count:
                raise ValueError(f"not enough items for {_describe(rule)}")
            picked = sorted(rng.sample(matching, rule.count), key=lambda c: c.item_id)
            used.update(c.item_id for c in picked)
            chosen += picked
        if section.shuffle_items:
            rng.shuffle(chosen)
        form.append(FormSection(section.title, [_present(c, section, rng) for c in chosen]))
    return form


def _present(candidate: Candidate, section: SectionDesign, rng: random.Random) -> FormItem:
    order = list(candidate.option_ids)
    if section.shuffle_options:
        rng.shuffle(order)
    return FormItem(candidate.item_id, candidate.version_id, tuple(order))


def _matching(pool: Sequence[Candidate], rule: Rule) -> list[Candidate]:
    return sorted(
        (
            c
            for c in pool
            if c.competency == rule.competency and (rule.level is None or c.level == rule.level)
        ),
        key=lambda c: c.item_id,
    )


def _describe(rule: Rule) -> str:
    return rule.competency + (f" level {rule.level}" if rule.level is not None else "")
