"""Scoring real finished attempts: answered through the kiosk, checked against a hand count."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from httpx import AsyncClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.competencies import service as competencies
from cact.competencies.definitions import CompetencyData
from cact.exam.models import Attempt, AttemptItem, Response
from cact.participants.models import Participant
from cact.scoring import service
from cact.scoring.models import Result, ResultCompetency
from cact.scoring.service import AttemptNotClosed, AttemptNotFound, rescore, score_attempt
from cact.standards.models import CompetencyStandard
from cact.standards.service import load_demo_standards
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting
from tests.scoring.sat import sit

ACTOR = Actor.system("test")
TENTHOUSANDTH = Decimal("0.0001")


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    sitting = await open_sitting(db, participants=3)
    await load_demo_standards(db, ACTOR)
    return sitting


async def _finished(client: AsyncClient, opened: OpenSitting, index: int = 0) -> int:
    kiosk = KioskClient(client, opened.participant_nos[index], opened.token)
    await sit(kiosk)
    return kiosk.attempt_id


async def _versions(db: AsyncSession, attempt_id: int) -> list[Result]:
    found = await db.scalars(
        select(Result)
        .where(Result.attempt_id == attempt_id)
        .order_by(Result.version)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def _competencies(db: AsyncSession, result_id: int) -> dict[str, ResultCompetency]:
    rows = await db.scalars(select(ResultCompetency).where(ResultCompetency.result_id == result_id))
    return {r.competency_code: r for r in rows}


def _level(index: Decimal) -> int:
    """SPEC §4's default cut-offs, written out by hand."""
    if index < Decimal("0.40"):
        return 1
    if index < Decimal("0.55"):
        return 2
    if index < Decimal("0.70"):
        return 3
    return 4 if index < Decimal("0.85") else 5


async def _hand_count(db: AsyncSession, attempt_id: int) -> dict[str, tuple[int, int]]:
    """Σ item score and Σ maximum per competency, straight from the bank's options."""
    rows = await db.execute(
        select(
            AttemptItem.id,
            Item.competency_code,
            Item.kind,
            ItemVersion.points,
            ItemOption.id,
            ItemOption.weight,
            ItemOption.correct,
        )
        .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .join(ItemOption, ItemOption.item_version_id == ItemVersion.id)
        .where(AttemptItem.attempt_id == attempt_id)
    )
    answered = await db.execute(
        select(Response.attempt_item_id, Response.option_id).where(
            Response.attempt_id == attempt_id
        )
    )
    chosen = {item_id: option_id for item_id, option_id in answered}
    items: dict[int, list[tuple[str, str, int | None, int, int | None, bool]]] = defaultdict(list)
    for row in rows:
        items[row[0]].append(row[1:])
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item_id, options in items.items():
        code, kind, points = options[0][0], options[0][1], options[0][2]
        pick = chosen.get(item_id)
        if kind == "weighted":
            score = next((w or 0 for _, _, _, o, w, _ in options if o == pick), 0)
            maximum = max(w or 0 for *_, w, _ in options)
        else:
            right = any(o == pick and c for _, _, _, o, _, c in options)
            score, maximum = (points or 1) if right else 0, points or 1
        totals[code][0] += score
        totals[code][1] += maximum
    return {code: (raw, maximum) for code, (raw, maximum) in totals.items()}


async def _standard(db: AsyncSession, attempt_id: int) -> dict[str, int]:
    rows = await db.execute(
        select(CompetencyStandard.competency_code, CompetencyStandard.required_level)
        .join(Participant, Participant.position_id == CompetencyStandard.position_id)
        .join(Attempt, Attempt.participant_id == Participant.id)
        .where(Attempt.id == attempt_id)
    )
    return dict(rows.all())


async def test_a_finished_attempt_is_scored_against_its_position_standard(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    before = len(await _versions(db, attempt_id))

    result = await score_attempt(db, attempt_id, actor=ACTOR)

    assert (result.version, result.is_current, result.reason) == (before + 1, True, "close")
    counted = await _hand_count(db, attempt_id)
    standard = await _standard(db, attempt_id)
    assert len(counted) == 10  # M.01–M.08, SK.01, T.ADM.01: every competency the form tested
    stored = await _competencies(db, result.id)
    assert set(stored) == set(counted)
    attained: dict[str, int] = {}
    for code, (raw, maximum) in counted.items():
        index = (Decimal(raw) / Decimal(maximum)).quantize(TENTHOUSANDTH, ROUND_HALF_UP)
        attained[code] = _level(index)
        row = stored[code]
        assert (row.raw_score, row.max_score, row.index) == (raw, maximum, index), code
        assert row.attained_level == attained[code], code
        assert (row.required_level, row.gap) == (standard[code], attained[code] - standard[code])
    capped = sum(min(attained[c], standard[c]) for c in standard)
    jpm = (Decimal(100 * capped) / Decimal(sum(standard.values()))).quantize(Decimal("0.01"))
    assert result.jpm == jpm
    expected = "Optimal" if jpm >= 90 else "Cukup Optimal" if jpm >= 78 else "Kurang Optimal"
    assert result.category == expected
    assert result.details["categories"]["pemetaan"] == expected
    assert result.details["untested"] == []
    assert result.nine_box is None  # no performance rating yet
    attempt = await db.get(Attempt, attempt_id, populate_existing=True)
    assert attempt is not None and attempt.scored_at is not None


async def _wrong_keyed_answer(db: AsyncSession, attempt_id: int) -> tuple[Item, str]:
    """A keyed item this attempt answered wrongly, and the label it chose."""
    rows = await db.execute(
        select(Item, ItemOption.label)
        .join(ItemVersion, ItemVersion.item_id == Item.id)
        .join(AttemptItem, AttemptItem.item_version_id == ItemVersion.id)
        .join(Response, Response.attempt_item_id == AttemptItem.id)
        .join(ItemOption, ItemOption.id == Response.option_id)
        .where(AttemptItem.attempt_id == attempt_id, Item.kind == "keyed", ~ItemOption.correct)
        .limit(1)
    )
    item, label = rows.one()
    return item, label


async def _correct_key(db: AsyncSession, item: Item, label: str, *, options: int = 4) -> int:
    """What an editor's key correction amounts to: a new version whose key is ``label``
    (with ``options`` < 4 the new version also loses options: no longer the same item).
    Returns the replaced version's id."""
    old = await db.scalar(
        select(ItemVersion)
        .options(selectinload(ItemVersion.options))
        .where(ItemVersion.item_id == item.id, ItemVersion.version == item.current_version)
    )
    assert old is not None
    db.add(
        ItemVersion(
            item_id=item.id,
            version=old.version + 1,
            level=old.level,
            stem_html=old.stem_html,
            points=old.points,
            options=[
                ItemOption(
                    position=o.position,
                    label=o.label,
                    text_html=o.text_html,
                    correct=o.label == label,
                )
                for o in old.options[:options]
            ],
        )
    )
    item.current_version = old.version + 1
    await db.flush()
    return old.id


async def test_a_rescore_after_a_key_correction_adds_a_version_and_keeps_the_old(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    scored_at_close = await _versions(db, attempt_id)  # once the close paths score
    first = (
        scored_at_close[0] if scored_at_close else await score_attempt(db, attempt_id, actor=ACTOR)
    )
    item, label = await _wrong_keyed_answer(db, attempt_id)
    await _correct_key(db, item, label)

    (second,) = await rescore(db, attempt_ids=[attempt_id], reason="kunci dikoreksi", actor=ACTOR)

    versions = await _versions(db, attempt_id)
    assert [(v.id, v.version, v.is_current) for v in versions] == [
        (first.id, 1, False),
        (second.id, 2, True),
    ]
    assert second.reason == "kunci dikoreksi" and second.details["keys"] == "current"
    old, new = await _competencies(db, first.id), await _competencies(db, second.id)
    assert new["T.ADM.01"].raw_score == old["T.ADM.01"].raw_score + 1  # the corrected item
    assert {c: r.raw_score for c, r in new.items() if c != "T.ADM.01"} == {
        c: r.raw_score for c, r in old.items() if c != "T.ADM.01"
    }
    logged = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "result.rescore", AuditEvent.sitting_id == opened.sitting.id
        )
    )
    assert logged is not None and logged.reason == "kunci dikoreksi"
    assert logged.details["attempts"] == [attempt_id]

    (as_sat,) = await rescore(
        db, attempt_ids=[attempt_id], reason="as presented", actor=ACTOR, keys="presented"
    )
    assert (await _competencies(db, as_sat.id))["T.ADM.01"].raw_score == old["T.ADM.01"].raw_score


async def test_many_attempts_are_scored_with_a_constant_number_of_statements(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting, engine: AsyncEngine
) -> None:
    attempts = [await _finished(client, opened, n) for n in range(3)]
    await service.ensure_default_policy(db)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await service.score_attempts(db, attempts[:1], actor=ACTOR)
        one = len(statements)
        statements.clear()
        results = await service.score_attempts(db, attempts, actor=ACTOR)
        three = len(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert one == three, statements
    assert sorted(r.attempt_id for r in results) == sorted(attempts)
    assert all(r.is_current for r in results)


async def test_a_participant_without_a_position_gets_levels_but_no_jpm(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    attempt = await db.get(Attempt, attempt_id)
    assert attempt is not None
    participant = await db.get(Participant, attempt.participant_id)
    assert participant is not None
    participant.position_id = None
    await db.flush()

    result = await score_attempt(db, attempt_id, actor=ACTOR)

    assert (result.jpm, result.category, result.nine_box) == (None, None, None)
    stored = await _competencies(db, result.id)
    assert len(stored) == 10
    assert all(r.required_level is None and r.gap is None for r in stored.values())


async def test_untested_standard_competencies_are_listed_and_left_out_of_the_jpm(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    before = await score_attempt(db, attempt_id, actor=ACTOR)
    attempt = await db.get(Attempt, attempt_id)
    assert attempt is not None
    participant = await db.get(Participant, attempt.participant_id)
    assert participant is not None and participant.position_id is not None
    await competencies.upsert(
        db,
        [CompetencyData("T.KEU.01", "technical", "Pengelolaan Keuangan", "Financial Management")],
        ACTOR,
        source="test",
    )
    db.add(
        CompetencyStandard(
            position_id=participant.position_id, competency_code="T.KEU.01", required_level=4
        )
    )
    await db.flush()

    after = await score_attempt(db, attempt_id, actor=ACTOR)

    assert after.details["untested"] == [{"competency": "T.KEU.01", "required_level": 4}]
    assert after.jpm == before.jpm
    assert "T.KEU.01" not in await _competencies(db, after.id)


async def test_only_closed_attempts_are_scored(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    with pytest.raises(AttemptNotClosed):
        await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    with pytest.raises(AttemptNotFound):
        await score_attempt(db, 987_654_321, actor=ACTOR)


async def test_the_database_keeps_at_most_one_current_result_per_attempt(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    result = await score_attempt(db, attempt_id, actor=ACTOR)
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add(
                Result(
                    attempt_id=attempt_id,
                    version=result.version + 1,
                    is_current=True,
                    policy_id=result.policy_id,
                )
            )
            await db.flush()
    count = await db.scalar(
        select(func.count()).select_from(Result).where(Result.attempt_id == attempt_id)
    )
    assert count == result.version


async def test_closed_attempts_without_a_result_are_caught_up(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempts = [await _finished(client, opened, n) for n in range(2)]
    await db.execute(
        Attempt.__table__.update().where(Attempt.id.in_(attempts)).values(scored_at=None)
    )
    caught = await service.score_pending(db, actor=ACTOR)
    assert sorted(r.attempt_id for r in caught) == sorted(attempts)
    assert await service.score_pending(db, actor=ACTOR) == []


async def test_a_new_version_with_other_options_is_not_applied_by_a_rescore(
    client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    attempt_id = await _finished(client, opened)
    first = await score_attempt(db, attempt_id, actor=ACTOR)
    item, label = await _wrong_keyed_answer(db, attempt_id)
    replaced = await _correct_key(db, item, label, options=3)

    (second,) = await rescore(db, attempt_ids=[attempt_id], reason="soal diubah", actor=ACTOR)

    assert second.details["not_rekeyed_item_versions"] == [replaced]
    old, new = await _competencies(db, first.id), await _competencies(db, second.id)
    assert new["T.ADM.01"].raw_score == old["T.ADM.01"].raw_score
