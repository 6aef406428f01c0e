"""One time zone per room, inherited by its sittings: a sitting in Asia/Makassar reads WITA on
the dashboard, the berita acara, the daftar hadir, the individual report and the exports' local
columns, and its start-time input is read in WITA. A zone the database does not know is a 422."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Sitting
from cact.kit.timezones import label
from cact.rooms.models import Room
from cact.scoring.models import Result
from tests.exports.support import csv_records, finished_sitting
from tests.fixtures.factories import create_staff, login
from tests.participants.support import HTML

# 00.30 UTC is 07.30 WIB, 08.30 WITA, 09.30 WIT.
START = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)


def test_labels_of_indonesia_and_elsewhere() -> None:
    assert [label(z) for z in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")] == [
        "WIB",
        "WITA",
        "WIT",
    ]
    assert label("Asia/Pontianak") == "WIB"
    assert label("Europe/Berlin", datetime(2026, 1, 5, tzinfo=UTC)) == "CET"
    assert label("Europe/Berlin", datetime(2026, 7, 5, tzinfo=UTC)) == "CEST"
    assert label("Asia/Dubai") == "UTC+4"  # the zone database has no letters for it
    assert label("Asia/Kathmandu") == "UTC+5:45"


async def test_a_zone_the_database_does_not_know_is_a_clear_422(
    client: AsyncClient, db: AsyncSession
) -> None:
    await login(client, await create_staff(db, "admin"))
    created = await client.post(
        "/api/rooms", json={"code": "LAB-Z", "name": "Lab Z", "rows": 1, "cols": 2}
    )
    assert created.status_code == 201 and created.json()["time_zone"] == "Asia/Jakarta"
    room_id = created.json()["id"]
    for bad in ("Asia/Bandung", "WITA", "", "UTC+8", "localtime"):
        refused = await client.patch(f"/api/rooms/{room_id}", json={"time_zone": bad})
        assert refused.status_code == 422, bad
        (problem,) = refused.json()["detail"]
        assert problem["field"] == "body.time_zone"
        assert "Zona waktu" in problem["message"] and "IANA" in problem["message"]
    bad_create = await client.post(
        "/api/rooms",
        json={"code": "LAB-Y", "name": "Lab Y", "rows": 1, "cols": 1, "time_zone": "Mars/Base"},
    )
    assert bad_create.status_code == 422
    moved = await client.patch(f"/api/rooms/{room_id}", json={"time_zone": "Asia/Makassar"})
    assert moved.status_code == 200 and moved.json()["time_zone"] == "Asia/Makassar"

    page = await client.post(
        f"/admin/rooms/{room_id}", headers=HTML, data={"name": "Lab Z", "time_zone": "Nowhere/X"}
    )
    assert page.status_code == 422 and "Nowhere/X" in unescape(page.text)
    saved = await client.post(
        f"/admin/rooms/{room_id}",
        headers=HTML,
        data={"name": "Lab Z", "time_zone": "Asia/Jayapura"},
    )
    assert saved.status_code == 303
    shown = await client.get(f"/admin/rooms/{room_id}", headers=HTML)
    assert "WIT (Asia/Jayapura)" in shown.text


async def test_a_sitting_in_makassar_reads_wita_everywhere(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, attempts = await finished_sitting(client, db)
    sitting = opened.sitting
    room = await db.get(Room, sitting.room_id)
    assert room is not None
    room.time_zone = "Asia/Makassar"
    sitting.starts_at = START
    await db.flush()
    await login(client, await create_staff(db, "admin", "proctor"))

    dashboard = await client.get(f"/proctor/sittings/{sitting.id}", headers=HTML)
    assert dashboard.status_code == 200
    found = re.search(r'id="proctor-sitting">(.*?)</script>', dashboard.text, re.S)
    assert found is not None
    zone = json.loads(unescape(found.group(1)))["time_zone"]
    assert zone == {"name": "Asia/Makassar", "label": "WITA", "offset_minutes": 480}

    assert sitting.opened_at is not None
    opened_wita = (sitting.opened_at + timedelta(hours=8)).strftime("%H.%M")
    for printable, shown in (("report", opened_wita), ("attendance", "08.30")):
        page = await client.get(f"/proctor/sittings/{sitting.id}/print/{printable}")
        assert page.status_code == 200  # berita acara: opened at; daftar hadir: scheduled start
        assert f"{shown} WITA" in page.text, printable
        assert " WIB" not in page.text, printable

    report = await client.get(f"/reports/attempts/{attempts[0]}")
    assert report.status_code == 200
    assert "02-12-2026 08:30 WITA" in report.text  # the sitting's start
    result = await db.scalar(select(Result).where(Result.attempt_id == attempts[0]))
    assert result is not None
    scored_wita = (result.scored_at + timedelta(hours=8)).strftime("%d-%m-%Y %H:%M")
    assert f"{scored_wita} WITA" in report.text

    results = csv_records(
        (await client.get(f"/api/sittings/{sitting.id}/exports/results.csv")).text
    )
    row = next(r for r in results if int(r["attempt_id"]) == attempts[0])
    assert (row["time_zone"], row["time_zone_label"]) == ("Asia/Makassar", "WITA")
    scored_utc = datetime.fromisoformat(row["scored_at"])
    local = datetime.strptime(row["scored_at_local"], "%Y-%m-%d %H:%M:%S")
    assert local == (scored_utc + timedelta(hours=8)).replace(tzinfo=None, microsecond=0)
    responses = csv_records(
        (await client.get(f"/api/sittings/{sitting.id}/exports/responses.csv-id")).text, ";"
    )
    answered = next(r for r in responses if r["saved_at"])
    saved_utc = datetime.fromisoformat(answered["saved_at"])
    saved_local = datetime.strptime(answered["saved_at_local"], "%Y-%m-%d %H:%M:%S")
    assert saved_local == (saved_utc + timedelta(hours=8)).replace(tzinfo=None, microsecond=0)
    assert answered["time_zone_label"] == "WITA"
    audit = csv_records((await client.get(f"/api/sittings/{sitting.id}/exports/audit.csv")).text)
    assert {r["time_zone_label"] for r in audit} == {"WITA"}


async def test_start_times_are_typed_in_the_rooms_zone(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, _ = await finished_sitting(client, db, participants=1)
    room = await db.get(Room, opened.sitting.room_id)
    assert room is not None
    room.time_zone = "Asia/Makassar"
    await db.flush()
    await login(client, await create_staff(db, "admin"))

    form = await client.get("/admin/sittings", headers=HTML)
    assert "WITA" in form.text  # the room is offered with its zone
    created = await client.post(
        "/admin/sittings",
        headers=HTML,
        data={
            "code": "WITA-1",
            "title": "Sesi Makassar",
            "room_id": str(room.id),
            "blueprint_id": str(opened.sitting.blueprint_id),
            "starts_at": "2026-12-03T09:00",
            "end_screen": "completion",
        },
    )
    assert created.status_code == 303, created.text
    sitting = await db.scalar(select(Sitting).where(Sitting.code == "WITA-1"))
    assert sitting is not None
    assert sitting.starts_at == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09.00 WITA

    page = await client.get(f"/admin/sittings/{sitting.id}", headers=HTML)
    text = unescape(page.text)
    assert 'value="2026-12-03T09:00"' in text
    assert "Dibaca dalam WITA (Asia/Makassar), zona waktu ruangan." in text
    assert "2026-12-03 09:00 WITA" in text
    moved = await client.post(
        f"/admin/sittings/{sitting.id}",
        headers=HTML,
        data={"code": "WITA-1", "title": "Sesi Makassar", "starts_at": "2026-12-03T10:15"},
    )
    assert moved.status_code == 303, moved.text
    await db.refresh(sitting)
    assert sitting.starts_at == datetime(2026, 12, 3, 2, 15, tzinfo=UTC)
    api = await client.get(f"/api/sittings/{sitting.id}")
    assert api.json()["time_zone"] == "Asia/Makassar"
