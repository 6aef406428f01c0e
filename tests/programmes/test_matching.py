"""Position matching = the scoring engine's JPM of each person's own answers against the chosen
position's standard; the hand-checked example of docs/programmes.md."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.models import Item, ItemOption, ItemVersion
from cact.competencies.models import Competency
from cact.exam.models import Attempt, AttemptItem, Response, Sitting
from cact.programmes.analytics import match_one
from cact.programmes.models import Programme
from cact.scoring import engine
from cact.scoring.policy import PolicyBody, default_policy
from cact.scoring.service import ensure_default_policy
from cact.standards.models import CompetencyStandard, Position


async def _answers_by_participant(
    db: AsyncSession, programme_id: int
) -> dict[int, list[tuple[engine.ItemKey, int | None]]]:
    """Each assessed person's presented items with their keys and chosen option, from the rows."""
    rows = await db.execute(
        select(
            Attempt.participant_id,
            AttemptItem.id,
            AttemptItem.item_version_id,
            Item.kind,
            Item.competency_code,
            ItemVersion.points,
            Response.option_id,
        )
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .outerjoin(Response, Response.attempt_item_id == AttemptItem.id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Sitting.programme_id == programme_id,
            Attempt.status == "submitted",
            Attempt.started_at.is_not(None),
        )
    )
    options: dict[int, list[ItemOption]] = defaultdict(list)
    for option in await db.scalars(select(ItemOption)):
        options[option.item_version_id].append(option)
    found: dict[int, list[tuple[engine.ItemKey, int | None]]] = defaultdict(list)
    for pid, _, version, kind, code, points, chosen in rows:
        if kind == "weighted":
            key = engine.weighted_key(code, {o.id: o.weight for o in options[version]})
        else:
            key = engine.keyed_key(code, points, [o.id for o in options[version] if o.correct])
        found[pid].append((key, chosen))
    return found


async def test_matching_equals_the_engine_against_that_standard(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    target = await db.scalar(select(Position).where(Position.code == "JP-KABID"))
    assert target is not None
    standard = {
        s.competency_code: s.required_level
        for s in await db.scalars(
            select(CompetencyStandard).where(CompetencyStandard.position_id == target.id)
        )
    }
    policy = PolicyBody.model_validate((await ensure_default_policy(db)).body)
    kinds = {c.code: c.kind for c in await db.scalars(select(Competency))}
    answers = await _answers_by_participant(db, programme.id)
    response = await admin_client.get(
        f"/api/programmes/{programme.id}/analytics/matching", params={"position": "JP-KABID"}
    )
    assert response.status_code == 200, response.text
    rows = response.json()
    assert len(rows) == len(answers) == 47
    for row in rows:
        scored = engine.score_attempt(
            answers[row["participant_id"]], policy, standard=standard, kinds=kinds
        )
        assert Decimal(row["jpm"]) == scored.jpm, row
        assert row["category"] == scored.category
        assert row["gaps"] == {
            c.code: c.gap for c in scored.competencies if c.gap is not None and c.gap < 0
        }
    jpms = [Decimal(r["jpm"]) for r in rows]
    assert jpms == sorted(jpms, reverse=True)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert len(set(jpms)) > 3  # the demo has a spread to rank


async def test_matching_refuses_an_unknown_position_and_needs_one(
    admin_client: AsyncClient, programme: Programme
) -> None:
    url = f"/api/programmes/{programme.id}/analytics/matching"
    unknown = await admin_client.get(url, params={"position": "NOPE"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "position_not_found"
    missing = await admin_client.get(url)
    assert missing.status_code == 422
    table = await admin_client.get(f"/api/programmes/{programme.id}/tables/matching.xlsx")
    assert table.status_code == 422 and table.json()["error"] == "position_required"


def test_the_hand_checked_example_of_the_docs() -> None:
    """docs/programmes.md: Kepala Bidang's standard, one person's attained levels."""
    standard = {
        "M.01": 4,
        "M.02": 3,
        "M.03": 3,
        "M.04": 4,
        "M.05": 3,
        "M.06": 3,
        "M.07": 3,
        "M.08": 4,
        "SK.01": 3,
        "T.ADM.01": 2,
    }  # Σ 32
    levels = {
        "M.01": 3,
        "M.02": 4,
        "M.03": 3,
        "M.04": 3,
        "M.05": 3,
        "M.06": 2,
        "M.07": 3,
        "M.08": 4,
        "SK.01": 3,
        "T.ADM.01": 5,
    }
    policy = default_policy().body()
    jpm, category, gaps, untested = match_one(levels, standard, policy)
    # per competency capped at the required level: 3+3+3+3+3+2+3+4+3+2 = 29; 29 / 32 × 100
    assert jpm == Decimal("90.63")
    assert category == "Optimal"
    assert gaps == {"M.01": -1, "M.04": -1, "M.06": -1}
    assert untested == []
    # without T.ADM.01 on the form: 27 / 30 × 100 = 90.00, T.ADM.01 listed as untested
    del levels["T.ADM.01"]
    assert match_one(levels, standard, policy)[0] == Decimal("90.00")
    assert match_one(levels, standard, policy)[3] == ["T.ADM.01"]
