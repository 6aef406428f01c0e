"""Coverage of the target population and moving the absent and unscheduled to a later wave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.demo.programme import ABSENT_EVERY, FIRST_WAVE, POPULATION, SECOND_WAVE
from cact.exam.models import Attempt, Enrollment, Sitting
from cact.programmes.models import Programme
from cact.scoring.models import Result
from tests.fixtures.factories import create_room


def _absent(wave: range) -> int:
    return sum(1 for k in range(len(wave)) if k % ABSENT_EVERY == 3)


async def test_coverage_counts_follow_the_waves(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    response = await admin_client.get(f"/api/programmes/{programme.id}/coverage")
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    absent = _absent(FIRST_WAVE) + _absent(SECOND_WAVE)
    sat = len(FIRST_WAVE) + len(SECOND_WAVE) - absent
    unscheduled = POPULATION - len(FIRST_WAVE) - len(SECOND_WAVE)
    assert counts == {
        "population": POPULATION,
        "assessed": sat,
        "scheduled": 0,
        "absent": absent,
        "unscheduled": unscheduled,
        "outside_population": 0,
    }
    # the same numbers straight from the tables
    scored = await db.scalar(
        select(func.count(Attempt.participant_id.distinct()))
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Result, Result.attempt_id == Attempt.id)
        .where(Sitting.programme_id == programme.id, Result.is_current)
    )
    assert scored == sat
    statuses = {m["status"] for m in response.json()["members"]}
    assert statuses == {"assessed", "absent", "unscheduled"}


async def test_moving_the_absent_and_unscheduled_to_a_later_wave(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    first = (await admin_client.get(f"/api/programmes/{programme.id}")).json()["sittings"][0]
    source = await db.get(Sitting, first["id"])
    assert source is not None
    room = await create_room(db, seats=20)
    wave3 = Sitting(
        code="W3",
        title="Gelombang 3",
        room_id=room.id,
        blueprint_id=source.blueprint_id,
        starts_at=datetime.now(UTC) + timedelta(days=3),
    )
    db.add(wave3)
    await db.flush()
    url = f"/api/programmes/{programme.id}"
    # not yet a wave of this programme
    refused = await admin_client.post(f"{url}/move", json={"sitting_id": wave3.id})
    assert refused.status_code == 409 and refused.json()["error"] == "sitting_not_in_programme"
    assert (await admin_client.put(f"{url}/sittings/{wave3.id}")).status_code == 200
    # a closed wave is refused
    closed = await admin_client.post(f"{url}/move", json={"sitting_id": first["id"]})
    assert closed.status_code == 409 and closed.json()["error"] == "wave_not_scheduled"
    before = (await admin_client.get(f"{url}/coverage")).json()["counts"]
    # only the absent first
    moved = await admin_client.post(
        f"{url}/move", json={"sitting_id": wave3.id, "which": ["absent"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == {
        "sitting_id": wave3.id,
        "moved": before["absent"],
        "absent": before["absent"],
        "unscheduled": 0,
        "left": 0,
    }
    after = (await admin_client.get(f"{url}/coverage")).json()
    assert after["counts"]["absent"] == 0
    assert after["counts"]["scheduled"] == before["absent"]
    assert after["counts"]["assessed"] == before["assessed"]
    for member in after["members"]:
        if member["status"] == "scheduled":
            assert "W3" in member["sittings"]
    # then the unscheduled: 20 seats hold the 7 absent and the 6 unscheduled
    again = await admin_client.post(f"{url}/move", json={"sitting_id": wave3.id})
    assert again.status_code == 200, again.text
    assert again.json()["moved"] == before["unscheduled"] == 6
    assert again.json()["unscheduled"] == 6 and again.json()["absent"] == 0
    enrolled = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.sitting_id == wave3.id)
    )
    assert enrolled == before["absent"] + before["unscheduled"] == 13
    final = (await admin_client.get(f"{url}/coverage")).json()["counts"]
    assert final["unscheduled"] == 0 and final["absent"] == 0 and final["scheduled"] == 13


async def test_move_with_too_few_seats_moves_nobody(
    admin_client: AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    source = await db.scalar(select(Sitting).where(Sitting.programme_id == programme.id))
    assert source is not None
    room = await create_room(db, seats=2)
    wave = Sitting(
        code="W-SMALL",
        title="Kecil",
        room_id=room.id,
        blueprint_id=source.blueprint_id,
        starts_at=datetime.now(UTC),
        programme_id=programme.id,
    )
    db.add(wave)
    await db.flush()
    url = f"/api/programmes/{programme.id}"
    refused = await admin_client.post(f"{url}/move", json={"sitting_id": wave.id})
    assert refused.status_code == 409 and refused.json()["error"] == "not_enough_seats"
    count = await db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.sitting_id == wave.id)
    )
    assert count == 0
    limited = await admin_client.post(f"{url}/move", json={"sitting_id": wave.id, "limit": 2})
    assert limited.status_code == 200 and limited.json()["moved"] == 2
    assert limited.json()["left"] > 0
    bad = await admin_client.post(
        f"{url}/move", json={"sitting_id": wave.id, "which": ["assessed"]}
    )
    assert bad.status_code == 422
