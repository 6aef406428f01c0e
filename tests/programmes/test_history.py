"""A person across programmes: the latest valid result, at the boundary of its validity."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.programmes.history import add_months, is_valid, valid_until
from cact.rooms.models import Room
from tests.programmes import seed

TICK = timedelta(microseconds=1)


def test_validity_ends_exactly_at_the_period_and_months_are_calendar_months() -> None:
    assessed = datetime(2023, 12, 2, 3, 0, tzinfo=UTC)
    until = valid_until(assessed, 36)
    assert until == datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    assert is_valid(assessed, 36, until - TICK)
    assert not is_valid(assessed, 36, until)
    assert not is_valid(assessed, 36, assessed - TICK)  # not before it was taken
    assert is_valid(assessed, None, until - TICK)  # no programme: the default three years
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 30, tzinfo=UTC), 3) == datetime(2026, 2, 28, tzinfo=UTC)


async def test_the_latest_valid_result_at_its_boundary(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    old_programme = await seed.programme(db, validity_months=36)
    new_programme = await seed.programme(db, validity_months=12)
    guru = await seed.position(db, "GURU-H", "guru", {"M.01": 3})
    first = await seed.sitting(db, old_programme, "HIST-2023")
    second = await seed.sitting(db, new_programme, "HIST-2025")
    ani = await seed.person(db, "Ani", "SD 1", guru, old_programme)
    t1 = datetime(2023, 12, 2, 3, tzinfo=UTC)
    t2 = datetime(2025, 6, 10, 3, tzinfo=UTC)
    a1 = await seed.result(db, first, ani, {"M.01": (2, 3)}, closed_at=t1, jpm="66.67")
    a2 = await seed.result(db, second, ani, {"M.01": (4, 3)}, closed_at=t2, jpm="100.00")
    url = f"/api/people/{ani.nip}/history"

    async def latest(at: datetime) -> int | None:
        response = await admin_client.get(url, params={"as_of": at.isoformat()})
        assert response.status_code == 200, response.text
        body = response.json()
        marked = [r["attempt_id"] for r in body["results"] if r["latest_valid"]]
        assert marked == (
            [body["latest_valid_attempt_id"]] if body["latest_valid_attempt_id"] else []
        )
        assert len(body["results"]) == 2  # earlier results are kept
        return body["latest_valid_attempt_id"]  # type: ignore[no-any-return]

    assert await latest(t2 - TICK) == a1.id  # before the second: only the first
    assert await latest(t2) == a2.id  # the newer one wins from its moment on
    second_end = datetime(2026, 6, 10, 3, tzinfo=UTC)  # 12 months
    assert await latest(second_end - TICK) == a2.id
    assert await latest(second_end) == a1.id  # expired: the first (36 months) still holds
    first_end = datetime(2026, 12, 2, 3, tzinfo=UTC)
    assert await latest(first_end - TICK) == a1.id
    assert await latest(first_end) is None
    body = (await admin_client.get(url, params={"as_of": first_end.isoformat()})).json()
    assert [r["valid"] for r in body["results"]] == [False, False]
    assert body["results"][0]["levels"] == {"M.01": 2}
    unknown = await admin_client.get("/api/people/199901012020011999/history")
    assert unknown.status_code == 404 and unknown.json()["error"] == "person_not_found"
    assert (await admin_client.get("/api/people/12345/history")).status_code == 422


async def test_the_person_page_reads_each_date_in_the_zone_of_the_room_it_was_taken_in(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    programme = await seed.programme(db, validity_months=12)
    guru = await seed.position(db, "GURU-Z", "guru", {"M.01": 3})
    west = await seed.sitting(db, programme, "ZONE-WIB")
    east = await seed.sitting(db, programme, "ZONE-WIT")
    (await db.get(Room, east.room_id)).time_zone = "Asia/Jayapura"  # type: ignore[union-attr]
    budi = await seed.person(db, "Budi", "SD 2", guru, programme)
    evening = datetime(2025, 3, 4, 16, 30, tzinfo=UTC)  # 23.30 WIB on the 4th, 01.30 WIT on the 5th
    await seed.result(db, west, budi, {"M.01": (3, 3)}, closed_at=evening, jpm="100.00")
    await seed.result(db, east, budi, {"M.01": (3, 3)}, closed_at=evening + TICK, jpm="100.00")
    await db.flush()
    body = (await admin_client.get(f"/api/people/{budi.nip}/history")).json()
    assert [r["time_zone"] for r in body["results"]] == ["Asia/Jakarta", "Asia/Jayapura"]
    page = (await admin_client.get(f"/admin/people/{budi.id}")).text
    rows = re.findall(
        r"<td class=\"ed-nowrap\">(\d{4}-\d\d-\d\d)</td><td>[^<]*</td><td><a[^>]*>(ZONE-\w+)", page
    )
    assert rows == [("2025-03-04", "ZONE-WIB"), ("2025-03-05", "ZONE-WIT")]
