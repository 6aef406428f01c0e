"""Scoring closed attempts into versioned results, in the caller's transaction (flush only).

``score_attempts`` is the one write path: close (one attempt or a herd), re-score after a key
correction and policy changes all go through it, with a constant number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.exam import service as exam
from cact.exam.statuses import CLOSED_ATTEMPT, AttemptStatus
from cact.kit.errors import Conflict, NotFound
from cact.scoring import engine
from cact.scoring.engine import AttemptScore, ItemKey
from cact.scoring.models import Result, ScoringPolicy
from cact.scoring.policy import DEFAULT_CODE, PolicyBody, body_json, default_policy
from cact.scoring.repository import (
    AttemptFacts,
    OptionRow,
    PolicyRepository,
    ScoringRepository,
)

Keys = Literal["presented", "current"]


class AttemptNotFound(NotFound):
    code = "attempt_not_found"
    message = "Percobaan ujian tidak ditemukan. / Attempt not found."


class AttemptNotClosed(Conflict):
    code = "attempt_not_closed"
    message = (
        "Percobaan ujian belum ditutup; penilaian dilakukan saat ditutup. / "
        "The attempt is not closed yet; it is scored when it closes."
    )


async def ensure_default_policy(db: AsyncSession) -> ScoringPolicy:
    """The newest version of the ``default`` policy; the shipped one is stored the first time."""
    policies = PolicyRepository(db)
    found = await policies.latest(DEFAULT_CODE)
    if found is None:
        shipped = default_policy()
        await policies.insert_if_absent(shipped.code, shipped.version, body_json(shipped.body()))
        found = await policies.latest(DEFAULT_CODE)
        assert found is not None
    return found


async def _policies(
    db: AsyncSession, ids: Collection[int | None]
) -> dict[int | None, tuple[ScoringPolicy, PolicyBody]]:
    found: dict[int | None, tuple[ScoringPolicy, PolicyBody]] = {}
    chosen = [i for i in ids if i is not None]
    for row in (await PolicyRepository(db).by_ids(chosen)).values() if chosen else ():
        found[row.id] = (row, PolicyBody.model_validate(row.body))
    if None in ids:
        row = await ensure_default_policy(db)
        found[None] = (row, PolicyBody.model_validate(row.body))
    return found


def _key(rows: Sequence[OptionRow]) -> ItemKey:
    first = rows[0]
    if first.kind == "keyed":
        correct = [r.option_id for r in rows if r.correct]
        return engine.keyed_key(first.competency, first.points, correct)
    return engine.weighted_key(first.competency, {r.option_id: r.weight for r in rows})


def _rekeyed(presented: Sequence[OptionRow], current: Sequence[OptionRow]) -> ItemKey | None:
    """The current version's key applied to the presented options, matched by label; None when
    the labels differ (the item changed, not only its key)."""
    by_label = {r.label: r for r in current}
    if set(by_label) != {r.label for r in presented}:
        return None
    return _key(
        [
            replace(
                r,
                points=by_label[r.label].points,
                weight=by_label[r.label].weight,
                correct=by_label[r.label].correct,
            )
            for r in presented
        ]
    )


async def _item_keys(
    repository: ScoringRepository, ids: Collection[int], keys: Keys
) -> tuple[dict[int, ItemKey], set[int]]:
    """Each presented version's key; with ``keys="current"`` the item's corrected key where one
    exists. Also the presented versions that could not be re-keyed."""
    grouped: dict[int, list[OptionRow]] = defaultdict(list)
    for row in await repository.presented_options(ids):
        grouped[row.version_id].append(row)
    found = {version: _key(rows) for version, rows in grouped.items()}
    kept: set[int] = set()
    if keys == "current":
        corrected: dict[int, list[OptionRow]] = defaultdict(list)
        for row in await repository.corrected_options(ids):
            corrected[row.version_id].append(row)
        for version, rows in corrected.items():
            rekeyed = _rekeyed(grouped[version], rows)
            if rekeyed is None:
                kept.add(version)
            else:
                found[version] = rekeyed
    return found, kept


async def _answers(
    repository: ScoringRepository,
    ids: Collection[int],
    item_keys: dict[int, ItemKey],
    kept: set[int],
) -> tuple[dict[int, list[tuple[ItemKey, int | None]]], dict[int, set[int]]]:
    """Each attempt's (item key, chosen option) pairs, and the versions it had that a re-key
    could not reach."""
    answers: dict[int, list[tuple[ItemKey, int | None]]] = {}
    not_rekeyed: dict[int, set[int]] = defaultdict(set)
    for attempt_id, versions, options in await repository.answers(ids):
        answers[attempt_id] = [(item_keys[v], o) for v, o in zip(versions, options, strict=True)]
        if kept:
            not_rekeyed[attempt_id] = kept.intersection(versions)
    return answers, not_rekeyed


@dataclass(frozen=True)
class _Scored:
    facts: AttemptFacts
    policy: ScoringPolicy
    score: AttemptScore


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _details(scored: _Scored, keys: Keys, kept: Collection[int]) -> dict[str, Any]:
    score, facts = scored.score, scored.facts
    details: dict[str, Any] = {
        "keys": keys,
        "position_id": facts.position_id,
        "position_group": facts.position_group,
        "performance_rating": facts.rating,
        "potential": score.potential,
        "categories": score.categories,
        "combined_parts": {k: float(v) for k, v in score.parts.items()},
        "untested": [{"competency": c, "required_level": lvl} for c, lvl in score.untested],
        "answered": {c.code: [c.answered, c.items] for c in score.competencies},
    }
    if kept:
        details["not_rekeyed_item_versions"] = sorted(kept)
    return details


def _result(
    scored: _Scored, version: int, reason: str, details: dict[str, Any]
) -> tuple[Result, list[tuple[Any, ...]]]:
    score = scored.score
    result = Result(
        attempt_id=scored.facts.attempt_id,
        version=version,
        is_current=True,
        policy_id=scored.policy.id,
        jpm=score.jpm,
        category=score.category,
        combined_score=score.combined,
        nine_box=score.nine_box,
        reason=reason[:200],
        details=details,
    )
    competencies = [
        (c.code, Decimal(c.raw), Decimal(c.maximum), c.index, c.attained, c.required, c.gap)
        for c in score.competencies
    ]
    return result, competencies


async def score_attempts(
    db: AsyncSession,
    attempt_ids: Iterable[int],
    *,
    reason: str = "close",
    actor: Actor,
    keys: Keys = "presented",
) -> list[Result]:
    """Score closed attempts: each gets a new current result version (the previous one is kept,
    no longer current). Constant number of statements however many attempts; flush only."""
    return await _score(db, attempt_ids, reason, actor, keys, "result.score")


async def _score(
    db: AsyncSession,
    attempt_ids: Iterable[int],
    reason: str,
    actor: Actor,
    keys: Keys,
    action: str,
) -> list[Result]:
    ids = sorted(set(attempt_ids))
    if not ids:
        return []
    await db.flush()  # the caller's pending changes (the close itself) first
    repository = ScoringRepository(db)
    facts = await repository.attempt_facts(ids, lock=True)
    missing = [i for i in ids if i not in facts]
    if missing:
        raise AttemptNotFound(f"attempt {missing[0]}")
    still_open = [i for i, f in facts.items() if f.status not in CLOSED_ATTEMPT]
    if still_open:
        raise AttemptNotClosed(f"attempt {still_open[0]}")
    policies = await _policies(db, {f.policy_id for f in facts.values()})
    item_keys, kept = await _item_keys(repository, ids, keys)
    standards = await repository.standards({f.position_id for f in facts.values() if f.position_id})
    kinds = await repository.competency_kinds()
    answers, not_rekeyed = await _answers(repository, ids, item_keys, kept)
    scored = []
    for attempt_id in ids:
        fact = facts[attempt_id]
        row, body = policies[fact.policy_id]
        if fact.status == AttemptStatus.TERMINATED and not body.terminated.scored:
            continue  # the policy leaves terminated attempts unscored: no (current) result
        score = engine.score_attempt(
            answers.get(attempt_id, []),
            body,
            standard=standards.get(fact.position_id) if fact.position_id else None,
            kinds=kinds,
            group=fact.position_group,
            rating=fact.rating,
        )
        scored.append(_Scored(fact, row, score))
    previous = await repository.retire_current(ids)
    rows = [
        _result(
            s,
            previous.get(s.facts.attempt_id, 0) + 1,
            reason,
            _details(s, keys, not_rekeyed[s.facts.attempt_id]),
        )
        for s in scored
    ]
    results = [r for r, _ in rows]
    await repository.copy_results(results, [c for _, c in rows])
    await repository.mark_scored(ids)
    await _audit(db, actor, action, facts.values(), reason, keys=keys)
    return results


async def _audit(
    db: AsyncSession,
    actor: Actor,
    action: str,
    facts: Iterable[AttemptFacts],
    reason: str,
    **details: object,
) -> None:
    """One event per sitting, so each sitting's log shows its scorings."""
    by_sitting: dict[int, list[int]] = defaultdict(list)
    for fact in facts:
        by_sitting[fact.sitting_id].append(fact.attempt_id)
    for sitting_id, attempt_ids in sorted(by_sitting.items()):
        single = len(attempt_ids) == 1
        await audit.record(
            db,
            actor,
            action,
            target_type="attempt" if single else "sitting",
            target_id=attempt_ids[0] if single else sitting_id,
            reason=reason,
            sitting_id=sitting_id,
            details={"attempts": attempt_ids, **details},
        )


async def score_attempt(
    db: AsyncSession,
    attempt_id: int,
    *,
    reason: str = "close",
    actor: Actor,
    keys: Keys = "presented",
) -> Result:
    """Score one closed attempt (the close paths call this under the attempt's row lock)."""
    (result,) = await score_attempts(db, [attempt_id], reason=reason, actor=actor, keys=keys)
    return result


async def rescore(
    db: AsyncSession,
    *,
    attempt_ids: Sequence[int] | None = None,
    sitting_id: int | None = None,
    reason: str,
    actor: Actor,
    keys: Keys = "current",
) -> list[Result]:
    """New result versions for these attempts (or every closed attempt of the sitting), with the
    items' corrected keys by default; the old versions stay. Audited with the reason."""
    if sitting_id is not None:
        await exam.get_sitting(db, sitting_id)
        attempt_ids = await ScoringRepository(db).closed_attempt_ids(sitting_id, CLOSED_ATTEMPT)
    return await _score(db, attempt_ids or [], reason, actor, keys, "result.rescore")


async def score_pending(db: AsyncSession, *, actor: Actor, limit: int = 500) -> list[Result]:
    """Catch up: score closed attempts that have no result yet (``attempt.scored_at`` is null),
    e.g. when a close path kept its close but rolled back a failed scoring. Safe to run from
    several workers at once."""
    ids = await ScoringRepository(db).unscored_attempt_ids(CLOSED_ATTEMPT, limit)
    return await score_attempts(db, ids, reason="catch-up", actor=actor)
