"""A simulated sitting on the demo blueprint's sampled forms (2 of 4 items per managerial
competency, 3 of 5 for SK.01, 10 of 18 technical), 300 attempts answered from known Rasch /
partial credit parameters and stored as the app stores them: reliability on every scale,
difficulties recovered, the calibration stored per item version and audited."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.models import ItemCalibration
from cact.analysis.rasch import category_probabilities
from cact.analysis.stats import MIN_REST_ITEMS
from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.demo import service as demo
from cact.exam import opening
from cact.exam.models import Attempt, AttemptItem, Response, Sitting
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings
from tests.fixtures.factories import create_staff, login
from tests.participants.support import HTML

ATTEMPTS = 300
SEED = 2026
STEPS = np.array([-1.0, 0.0, 1.0])  # partial credit thresholds around a weighted item's location


async def _sitting(db: AsyncSession, participants: int, *, suffix: str) -> Sitting:
    """The demo blueprint in a room big enough for the roster, opened: forms generated."""
    actor = Actor.system("test")
    await demo.load_bank(db)
    room = await rooms.create_grid_room(
        db, f"LAB-{suffix}", "Lab simulasi", rows=15, cols=20, actor=actor
    )
    blueprint = await demo.BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    sitting = await sittings.create_sitting(
        db,
        code=f"SIM-{suffix}",
        title="Simulasi",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC),
        actor=actor,
    )
    await db.refresh(room, ["seats"])
    roster = await demo._participants(db, participants)
    await seating.enroll_in_seat_order(db, sitting, roster, room.seats, actor)
    return await opening.open_sitting(db, sitting.id, actor)


async def _answer_from_the_model(db: AsyncSession, sitting_id: int) -> dict[int, float]:
    """Every presented item answered: θ ~ N(0, 1); a keyed item right with the Rasch
    probability, a weighted item's option (weights 1–4) by the partial credit model. Item
    locations are spread evenly over −1.5…1.5 within each competency. Returns the true
    location per item version; the attempts are submitted and the sitting closed."""
    rng = np.random.default_rng(SEED)
    rows = (
        await db.execute(
            select(
                AttemptItem.id,
                AttemptItem.attempt_id,
                ItemVersion.id,
                Item.competency_code,
                Item.kind,
            )
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
            .join(Item, Item.id == ItemVersion.item_id)
            .where(Attempt.sitting_id == sitting_id)
            .order_by(AttemptItem.id)
        )
    ).all()
    options: dict[int, list[tuple[int, float, bool]]] = defaultdict(list)
    versions = {version for _, _, version, _, _ in rows}
    for version, option_id, weight, correct in await db.execute(
        select(ItemOption.item_version_id, ItemOption.id, ItemOption.weight, ItemOption.correct)
        .where(ItemOption.item_version_id.in_(versions))
        .order_by(ItemOption.id)
    ):
        options[version].append((option_id, float(weight or 0), bool(correct)))
    by_scale: dict[str, list[int]] = defaultdict(list)
    for version, competency in sorted({(v, c) for _, _, v, c, _ in rows}):
        by_scale[competency].append(version)
    truth: dict[int, float] = {}
    for competency in sorted(by_scale):
        pool = by_scale[competency]
        for version, location in zip(pool, np.linspace(-1.5, 1.5, len(pool)), strict=True):
            truth[version] = float(location)
    theta = {a: float(rng.normal()) for a in sorted({a for _, a, _, _, _ in rows})}
    now = datetime.now(UTC)
    responses = []
    for attempt_item_id, attempt_id, version, _, kind in rows:
        if kind == "keyed":
            p = 1 / (1 + math.exp(-(theta[attempt_id] - truth[version])))
            right = rng.random() < p
            chosen = next(o for o, _, correct in options[version] if correct == right)
        else:
            by_weight = sorted(options[version], key=lambda o: o[1])
            p = category_probabilities(np.array([theta[attempt_id]]), truth[version] + STEPS)
            chosen = by_weight[int(rng.choice(4, p=p[0]))][0]
        responses.append(
            Response(
                attempt_item_id=attempt_item_id,
                attempt_id=attempt_id,
                option_id=chosen,
                seq=1,
                first_answered_at=now,
                saved_at=now,
            )
        )
    db.add_all(responses)
    await db.execute(
        update(Attempt)
        .where(Attempt.sitting_id == sitting_id)
        .values(status="submitted", close_reason="finished")
    )
    await db.execute(
        update(Sitting).where(Sitting.id == sitting_id).values(status="closed", closed_at=now)
    )
    await db.flush()
    return truth


@pytest.mark.slow
async def test_a_sampled_sitting_has_reliability_everywhere_and_recovers_difficulties(
    client: AsyncClient, db: AsyncSession
) -> None:
    sitting = await _sitting(db, ATTEMPTS, suffix="300")
    truth = await _answer_from_the_model(db, sitting.id)
    admin = await create_staff(db, "admin")
    await login(client, admin)

    response = await client.get(f"/api/sittings/{sitting.id}/item-analysis")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {s["competency"] for s in body["scales"]} == {
        *(f"M.0{k}" for k in range(1, 9)),
        "SK.01",
        "T.ADM",
    } or len(body["scales"]) == 10
    for scale in body["scales"]:
        assert scale["n"] == ATTEMPTS
        assert scale["n_complete"] == 0 or scale["items"] == scale["form_items"]
        assert scale["alpha"] is None  # no attempt saw a whole pool: the old blank
        for key in ("alpha_form", "person_reliability", "marginal_reliability", "sem"):
            assert scale[key] is not None, (scale["competency"], key)
        assert scale["mean_total"] is not None and scale["sd_total"] is not None
        assert 0 <= scale["alpha_form"] < 1 and 0 <= scale["person_reliability"] < 1
    assert {s["form_items"] for s in body["scales"]} == {2.0, 3.0, 10.0}

    # Difficulties: every scale's estimates against its own (centred) truth.
    errors, standard = [], []
    for code, calibration in body["calibrations"].items():
        items = [i for i in calibration["items"] if i["difficulty"] is not None]
        true = np.array([truth[i["key"]] for i in items])
        got = np.array([i["difficulty"] for i in items])
        assert len(items) == len([v for v in truth if v in {i["key"] for i in items}])
        errors += list(got - (true - true.mean()))
        standard += [i["se"] for i in items]
        assert calibration["model"] == ("rasch" if code.startswith("T") else "pcm")
        assert calibration["converged"]
    errors_arr, se_arr = np.array(errors), np.array(standard)
    assert len(errors) == len(truth)
    assert float(np.sqrt(np.mean(errors_arr**2))) < 0.25  # n ≈ 150 per item
    assert float(np.abs(errors_arr / se_arr).max()) < 3.5
    # Two or three items per form leave too few others in the scale: the whole test is the rest.
    form_items = {s["competency"]: s["form_items"] for s in body["scales"]}
    for item in body["items"]:
        short = form_items[item["competency"]] - 1 < MIN_REST_ITEMS
        assert item["discrimination_basis"] == ("test" if short else "scale"), item["item_id"]

    # The first analysis after close stored the calibration, as the system, audited.
    stored = (
        await db.scalars(select(ItemCalibration).where(ItemCalibration.sitting_id == sitting.id))
    ).all()
    assert {row.item_version_id for row in stored} == set(truth)
    assert all(row.n > 100 and row.se and row.infit and row.outfit for row in stored)
    assert {row.model for row in stored} == {"rasch", "pcm"}
    events = (
        await db.scalars(
            select(AuditEvent).where(
                AuditEvent.sitting_id == sitting.id, AuditEvent.action == "analysis.calibrated"
            )
        )
    ).all()
    assert [(e.actor_kind, e.details["items"]) for e in events] == [("system", len(truth))]
    again = await client.get(f"/api/sittings/{sitting.id}/item-analysis")
    assert again.status_code == 200
    count = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "analysis.calibrated")
    )
    assert await db.scalar(count) == 1  # stored once, not on every view

    # On demand: replaced, audited as the admin; the stored rows read back through the API.
    done = await client.post(f"/api/sittings/{sitting.id}/item-analysis/calibration")
    assert done.status_code == 200 and done.json()["stored"] == len(truth)
    assert await db.scalar(count) == 2
    listed = (await client.get(f"/api/sittings/{sitting.id}/item-analysis/calibration")).json()
    assert len(listed["items"]) == len(truth)
    assert {r["item_version_id"] for r in listed["items"]} == set(truth)

    # The page: reliability on every scale row, one Wright map per scale, an item's curves.
    page = await client.get(f"/admin/sittings/{sitting.id}/item-analysis", headers=HTML)
    assert page.status_code == 200
    assert page.text.count('class="chart wright-map"') == len(body["scales"])
    assert page.text.count('class="chart icc"') == len(body["scales"])
    first = body["items"][0]["item_id"]
    chosen = await client.get(
        f"/admin/sittings/{sitting.id}/item-analysis?icc={first}", headers=HTML
    )
    assert 'data-testid="chosen-icc"' in chosen.text


async def test_calibrating_again_is_refused_before_close_and_for_non_admins(
    client: AsyncClient, db: AsyncSession
) -> None:
    sitting = await _sitting(db, 12, suffix="12")
    await login(client, await create_staff(db, "proctor"))
    refused = await client.post(f"/api/sittings/{sitting.id}/item-analysis/calibration")
    assert refused.status_code == 403
    await login(client, await create_staff(db, "admin"))
    open_ = await client.post(f"/api/sittings/{sitting.id}/item-analysis/calibration")
    assert open_.status_code == 409 and open_.json()["error"] == "sitting_not_closed"
    missing = await client.post("/api/sittings/999999/item-analysis/calibration")
    assert missing.status_code == 404
    assert (await client.get("/api/sittings/999999/item-analysis/calibration")).status_code == 404
    page = await client.post(f"/admin/sittings/{sitting.id}/item-analysis/calibrate", headers=HTML)
    assert page.status_code in (403, 409)  # no CSRF token: refused either way
    assert await db.scalar(select(func.count()).select_from(ItemCalibration)) == 0
