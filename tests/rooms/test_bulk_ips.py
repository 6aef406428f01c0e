"""Workstation IPs bound in bulk, through the API and the room page: whole or nothing, every
bad line named (bad IPs, duplicates, unknown seats, an IP another seat keeps)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, admin_login


async def _room(client: AsyncClient, code: str = "LAB-IP") -> int:
    body = {"code": code, "name": "Lab IP", "rows": 2, "cols": 3}
    created = await client.post("/api/rooms", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _ips(room: dict[str, Any]) -> dict[str, str | None]:
    return {s["label"]: s["workstation_ip"] for s in room["seats"]}


async def _bind(client: AsyncClient, room_id: int, **body: object) -> Any:
    return await client.post(f"/api/rooms/{room_id}/workstation-ips", json=body)


async def test_a_pasted_list_binds_every_seat_at_once(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room_id = await _room(client)
    text = "kursi;ip\nA01; 10.0.0.11\n\n# baris kedua\na02\t10.0.0.12\nB01,fd00::0011\n"
    bound = await _bind(client, room_id, text=text)
    assert bound.status_code == 200, bound.text
    assert bound.json()["changed"] == 3
    ips = _ips(bound.json()["room"])
    assert ips["A01"] == "10.0.0.11" and ips["A02"] == "10.0.0.12" and ips["B01"] == "fd00::11"
    events = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "room.bind_ips"))
    ).all()
    assert len(events) == 1 and events[0].details["seats"]["A01"] == "10.0.0.11"

    # swapping two seats' IPs and removing one is one list too
    swapped = await _bind(
        client,
        room_id,
        bindings=[
            {"seat": "A01", "ip": "10.0.0.12"},
            {"seat": "A02", "ip": "10.0.0.11"},
            {"seat": "B01", "ip": "-"},
        ],
    )
    assert swapped.status_code == 200, swapped.text
    ips = _ips(swapped.json()["room"])
    assert (ips["A01"], ips["A02"], ips["B01"]) == ("10.0.0.12", "10.0.0.11", None)
    again = await _bind(client, room_id, bindings=[{"seat": "A01", "ip": "10.0.0.12"}])
    assert again.json()["changed"] == 0


async def test_every_bad_line_is_named_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room_id = await _room(client)
    first = await _bind(client, room_id, text="B03, 10.0.0.99")
    assert first.status_code == 200
    text = "\n".join(
        [
            "A01, 10.0.0.11",  # 1 good
            "A02, 10.0.0.300",  # 2 not an IP
            "Z99, 10.0.0.13",  # 3 unknown seat
            "A01, 10.0.0.14",  # 4 seat twice
            "B01, 10.0.0.11",  # 5 IP twice
            "B02, 10.0.0.99",  # 6 IP B03 keeps
            "A03, 10.0.0.15, extra",  # 7 three fields
        ]
    )
    refused = await _bind(client, room_id, text=text)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "workstation_ips_refused"
    found = [(p["line"], p["code"]) for p in body["detail"]]
    assert found == [
        (2, "bad_ip"),
        (3, "unknown_seat"),
        (4, "seat_twice"),
        (5, "ip_twice"),
        (6, "ip_taken"),
        (7, "bad_shape"),
    ]
    assert all(p["message"] and p["message_id"] for p in body["detail"])
    assert "B03" in body["detail"][4]["message"]
    room = (await client.get(f"/api/rooms/{room_id}")).json()
    assert _ips(room)["A01"] is None  # the good line was not saved either

    empty = await _bind(client, room_id, text="\n# nothing\n")
    assert empty.status_code == 422 and empty.json()["detail"][0]["code"] == "no_lines"
    malformed = await _bind(client, room_id, bindings=[{"ip": "10.0.0.1"}])
    assert malformed.status_code == 422  # no seat: the request itself is invalid
    assert (await _bind(client, 999_999, text="A01, 10.0.0.1")).status_code == 404


async def test_the_room_page_binds_a_csv_or_lists_its_bad_rows_first(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room_id = await _room(client)
    page = await client.get(f"/admin/rooms/{room_id}", headers=HTML)
    assert 'data-testid="ip-form"' in page.text
    url = f"/admin/rooms/{room_id}/workstation-ips"
    csv = "\ufeffkursi,ip\r\nA01,10.0.0.21\r\nA02,10.0.0.22\r\n".encode()
    saved = await client.post(url, headers=HTML, files={"file": ("ip.csv", csv, "text/csv")})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/admin/rooms/{room_id}?done=ips_bound"
    room = (await client.get(f"/api/rooms/{room_id}")).json()
    assert _ips(room)["A01"] == "10.0.0.21" and _ips(room)["A02"] == "10.0.0.22"

    refused = await client.post(
        f"{url}?lang=en", headers=HTML, data={"text": "A03, 10.0.0.21\nQ1, 10.0.0.30"}
    )
    assert refused.status_code == 422
    assert refused.text.index('data-testid="ip-report"') < refused.text.index("ed-crumbs")
    rows = table_rows(refused.text, "ip-problems")
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("1", "A03", "ip_taken"),
        ("2", "Q1", "unknown_seat"),
    ]
    assert "still bound to seat A01" in rows[0][3]
    assert "Q1, 10.0.0.30" in refused.text  # the pasted list comes back to be fixed

    binary = await client.post(
        url, headers=HTML, files={"file": ("ip.csv", b"\xff\xfe\x00A", "text/csv")}
    )
    assert binary.status_code == 422 and "UTF-8" in binary.text


async def test_odd_input_is_a_named_problem_never_a_server_error(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room_id = await _room(client, "LAB-ODD")
    odd = [
        {"text": 'A01, "10.0.0.1'},
        {"text": "A01, fe80::1%" + "e" * 80},
        {"text": "Ä" * 500 + ", 10.0.0.1"},
        {"text": "A01,,,"},
        {"text": ",10.0.0.1"},
        {"bindings": [{"seat": "", "ip": ""}]},
        {"bindings": [{"seat": "A01", "ip": "1" * 64}]},
    ]
    for body in odd:
        response = await _bind(client, room_id, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "workstation_ips_refused", body
    too_long = await _bind(client, room_id, bindings=[{"seat": "A01", "ip": "1" * 65}])
    assert too_long.status_code == 422  # refused by the schema
