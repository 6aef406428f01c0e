"""Rooms and seats through the API and the admin pages."""

from __future__ import annotations

from html import unescape

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Enrollment
from cact.rooms import service as rooms
from tests.fixtures.factories import create_participant, create_sitting, create_staff, login
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, admin_login, untranslated


async def _room(client: AsyncClient, **body: object) -> dict[str, object]:
    payload = {"code": "LAB-1", "name": "Lab Komputer 1", "rows": 2, "cols": 3, **body}
    response = await client.post("/api/rooms", json=payload)
    assert response.status_code == 201, response.text
    room: dict[str, object] = response.json()
    return room


def _labels(room: dict[str, object]) -> list[str]:
    seats = room["seats"]
    assert isinstance(seats, list)
    return [s["label"] for s in seats]


async def test_a_room_is_a_grid_of_labelled_seats(client: AsyncClient, db: AsyncSession) -> None:
    await admin_login(client, db)
    room = await _room(client, location="Gedung B lantai 2")
    assert _labels(room) == ["A01", "A02", "A03", "B01", "B02", "B03"]
    assert room["seat_count"] == 6
    numbered = await _room(client, code="LAB-2", labels="number")
    assert _labels(numbered) == ["01", "02", "03", "04", "05", "06"]

    taken = await client.post(
        "/api/rooms", json={"code": "lab-1", "name": "x", "rows": 1, "cols": 1}
    )
    assert taken.status_code == 409 and taken.json()["error"] == "room_code_taken"
    too_big = await client.post(
        "/api/rooms", json={"code": "X", "name": "x", "rows": 27, "cols": 1}
    )
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["field"] == "body.rows"

    listed = (await client.get("/api/rooms")).json()
    assert [(r["code"], r["seat_count"]) for r in listed] == [("LAB-1", 6), ("LAB-2", 6)]
    renamed = await client.patch(f"/api/rooms/{room['id']}", json={"name": "Lab Utama"})
    assert renamed.json()["name"] == "Lab Utama"
    assert renamed.json()["location"] == "Gedung B lantai 2"


async def test_seats_are_renamed_bound_to_an_ip_added_and_relabelled(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room = await _room(client)
    seats = {s["label"]: s["id"] for s in room["seats"]}  # type: ignore[attr-defined]
    base = f"/api/rooms/{room['id']}/seats"

    renamed = await client.patch(f"{base}/{seats['A01']}", json={"label": "PC-01"})
    assert renamed.status_code == 200 and renamed.json()["label"] == "PC-01"
    twice = await client.patch(f"{base}/{seats['A02']}", json={"label": "pc-01"})
    assert twice.status_code == 409 and twice.json()["error"] == "seat_label_taken"

    bound = await client.patch(f"{base}/{seats['A02']}", json={"workstation_ip": "10.0.5.21"})
    assert bound.json()["workstation_ip"] == "10.0.5.21" and bound.json()["label"] == "A02"
    same_ip = await client.patch(f"{base}/{seats['A03']}", json={"workstation_ip": "10.0.5.21"})
    assert same_ip.status_code == 409 and same_ip.json()["error"] == "workstation_ip_taken"
    not_ip = await client.patch(f"{base}/{seats['A03']}", json={"workstation_ip": "10.0.5"})
    assert not_ip.status_code == 422
    unbound = await client.patch(f"{base}/{seats['A02']}", json={"workstation_ip": None})
    assert unbound.json()["workstation_ip"] is None

    added = await client.post(base, json={"label": "C01", "grid_row": 3, "grid_col": 1})
    assert added.status_code == 201
    same_place = await client.post(base, json={"label": "C09", "grid_row": 3, "grid_col": 1})
    assert same_place.status_code == 409 and same_place.json()["error"] == "seat_place_taken"
    unknown = await client.patch(f"{base}/999999999", json={"label": "Q"})
    assert unknown.status_code == 404

    relabelled = await client.post(f"/api/rooms/{room['id']}/relabel", json={"labels": "number"})
    assert _labels(relabelled.json()) == ["01", "02", "03", "04", "05", "06", "07"]


async def test_a_seat_or_room_a_sitting_uses_cannot_be_deleted(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room = await _room(client)
    seats = room["seats"]
    assert isinstance(seats, list)
    used, free = seats[0]["id"], seats[1]["id"]
    sitting = await create_sitting(db, await rooms.get_room(db, int(str(room["id"]))))
    participant = await create_participant(db)
    db.add(Enrollment(sitting_id=sitting.id, participant_id=participant.id, seat_id=used))
    await db.flush()

    refused = await client.delete(f"/api/rooms/{room['id']}/seats/{used}")
    assert refused.status_code == 409 and refused.json()["error"] == "seat_in_use"
    detail = (await client.get(f"/api/rooms/{room['id']}")).json()
    assert [s["in_use"] for s in detail["seats"]][:2] == [True, False]
    assert (await client.delete(f"/api/rooms/{room['id']}/seats/{free}")).status_code == 204
    assert (await client.get(f"/api/rooms/{room['id']}")).json()["seat_count"] == 5
    in_use = await client.delete(f"/api/rooms/{room['id']}")
    assert in_use.status_code == 409 and in_use.json()["error"] == "room_in_use"
    spare = await _room(client, code="LAB-9")
    assert (await client.delete(f"/api/rooms/{spare['id']}")).status_code == 204


async def test_the_room_pages_create_edit_and_explain_refusals(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    empty = await client.get("/admin/rooms", headers=HTML)
    assert empty.status_code == 200 and 'data-testid="room-form"' in empty.text

    created = await client.post(
        "/admin/rooms",
        headers=HTML,
        data={
            "code": "LAB-P",
            "name": "Lab Halaman",
            "rows": "2",
            "cols": "2",
            "labels": "letter_number",
        },
    )
    assert created.status_code == 303
    page_url = created.headers["location"]
    page = await client.get(page_url, headers=HTML)
    assert page.status_code == 200
    assert table_rows(page.text, "seat-plan") == [["A01", "A02"], ["B01", "B02"]]
    assert "Ruangan dan kursinya dibuat." in page.text
    assert untranslated(page.text) == []

    again = await client.post(
        "/admin/rooms", headers=HTML, data={"code": "LAB-P", "name": "x", "rows": "1", "cols": "1"}
    )
    assert again.status_code == 409
    assert "Kode ruangan sudah dipakai." in again.text
    bad = await client.post(
        "/admin/rooms?lang=en",
        headers=HTML,
        data={"code": "LAB-Q", "name": "x", "rows": "x", "cols": "1"},
    )
    assert bad.status_code == 422 and 'The field "Rows" is not valid' in unescape(bad.text)

    room_id = page_url.split("/")[-1].split("?")[0]
    seat_id = (await client.get(f"/api/rooms/{room_id}")).json()["seats"][0]["id"]
    saved = await client.post(
        f"/admin/rooms/{room_id}/seats/{seat_id}",
        headers=HTML,
        data={"label": "Meja-1", "workstation_ip": "192.168.10.11"},
    )
    assert saved.status_code == 303
    seat = (await client.get(f"/api/rooms/{room_id}")).json()["seats"][0]
    assert (seat["label"], seat["workstation_ip"]) == ("Meja-1", "192.168.10.11")
    clash = await client.post(
        f"/admin/rooms/{room_id}/seats/{seat_id}", headers=HTML, data={"label": "A02"}
    )
    assert (
        clash.status_code == 409 and "That seat label is taken in this room." in clash.text
    )  # the language chosen above stays

    missing = await client.get("/admin/rooms/999999999", headers=HTML)
    assert missing.status_code == 404 and "Room not found." in missing.text


async def test_the_admin_pages_refuse_other_roles(client: AsyncClient, db: AsyncSession) -> None:
    anonymous = await client.get("/admin/rooms", headers=HTML)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await login(client, await create_staff(db, "editor", "proctor"))
    for path in (
        "/admin/rooms",
        "/admin/participants",
        "/admin/sittings",
        "/admin/staff",
        "/admin/audit",
    ):
        refused = await client.get(path, headers=HTML)
        assert refused.status_code == 403, path
