"""Sittings through the admin API: create, waves, proctors, scoring policy, end screen, roster
and seats (in seat order or by hand, never one seat twice), design locked once opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.blueprints.repository import BlueprintRepository
from cact.demo import service as demo
from cact.exam.models import Sitting, SittingProctor
from cact.rooms import service as rooms
from cact.rooms.models import Room
from cact.scoring.policies import list_policies
from tests.fixtures.factories import create_blueprint, create_participant, create_staff
from tests.participants.support import admin_login

ACTOR = Actor.system("test")
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def _room(db: AsyncSession, code: str = "LAB-S", rows: int = 2, cols: int = 3) -> Room:
    room = await rooms.create_grid_room(db, code, "Lab", rows, cols, ACTOR)
    return await rooms.get_room(db, room.id)


async def _new_sitting(client: AsyncClient, db: AsyncSession, **body: object) -> dict[str, object]:
    room = await _room(db, f"LAB-{body.get('code', 'S')}")
    blueprint = await create_blueprint(db)
    payload = {
        "code": "ASN-01",
        "title": "Asesmen Kompetensi",
        "room_id": room.id,
        "blueprint_id": blueprint.id,
        "starts_at": START.isoformat(),
        **body,
    }
    response = await client.post("/api/sittings", json=payload)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def _enrol(client: AsyncClient, db: AsyncSession, sitting_id: object, n: int) -> list[str]:
    numbers = [(await create_participant(db, f"Peserta {i}")).participant_no for i in range(n)]
    response = await client.post(
        f"/api/sittings/{sitting_id}/enrollments", json={"participant_nos": numbers}
    )
    assert response.status_code == 200, response.text
    return numbers


def _seats(detail: dict[str, object]) -> dict[str, str | None]:
    enrollments = detail["enrollments"]
    assert isinstance(enrollments, list)
    return {e["participant_no"]: e["seat_label"] for e in enrollments}


async def test_a_sitting_with_proctors_a_policy_and_an_end_screen(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    rina = await create_staff(db, "proctor", username="rina")
    policy = (await list_policies(db))[0]
    sitting = await _new_sitting(
        client, db, proctor_ids=[rina.id], scoring_policy_id=policy.id, end_screen="results"
    )
    assert sitting["status"] == "scheduled" and sitting["token"] is None
    assert (sitting["scoring_policy_id"], sitting["end_screen"]) == (policy.id, "results")
    assert [p["username"] for p in sitting["proctors"]] == ["rina"]  # type: ignore[union-attr]

    listed = (await client.get("/api/sittings")).json()
    assert [(s["code"], s["enrolled"]) for s in listed] == [("ASN-01", 0)]
    again = await client.post(
        "/api/sittings",
        json={
            **{k: sitting[k] for k in ("title", "room_id", "blueprint_id")},
            "code": "asn-01",
            "starts_at": START.isoformat(),
        },
    )
    assert again.status_code == 409 and again.json()["error"] == "sitting_code_taken"
    naive = await client.post(
        "/api/sittings",
        json={
            **{k: sitting[k] for k in ("title", "room_id", "blueprint_id")},
            "code": "X",
            "starts_at": "2026-11-23T08:00:00",
        },
    )
    assert naive.status_code == 422  # a start time says which time zone it is in
    unknown_policy = await client.patch(
        f"/api/sittings/{sitting['id']}", json={"scoring_policy_id": 999999999}
    )
    assert unknown_policy.status_code == 404
    default = await client.patch(f"/api/sittings/{sitting['id']}", json={"scoring_policy_id": None})
    assert default.json()["scoring_policy_id"] is None
    assert default.json()["end_screen"] == "results"


async def test_waves_share_room_blueprint_and_proctors(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    rina = await create_staff(db, "proctor")
    room = await _room(db)
    blueprint = await create_blueprint(db)
    starts = [START, START + timedelta(hours=2, minutes=30), START + timedelta(days=1)]
    body = {
        "code": "ASN-2026",
        "title": "Asesmen 2026",
        "room_id": room.id,
        "blueprint_id": blueprint.id,
        "starts": [s.isoformat() for s in starts],
        "proctor_ids": [rina.id],
    }
    response = await client.post("/api/sittings/waves", json=body)
    assert response.status_code == 201, response.text
    waves = sorted(response.json(), key=lambda s: s["code"])
    assert [w["code"] for w in waves] == ["ASN-2026-G1", "ASN-2026-G2", "ASN-2026-G3"]
    assert [w["title"] for w in waves][1] == "Asesmen 2026 — Gelombang 2"
    assert {w["blueprint_id"] for w in waves} == {blueprint.id}
    assert [datetime.fromisoformat(w["starts_at"]) for w in waves] == starts
    assert all([p["id"] for p in w["proctors"]] == [rina.id] for w in waves)

    before = await db.scalar(select(func.count()).select_from(Sitting))
    clash = await client.post(
        "/api/sittings/waves", json={**body, "starts": body["starts"][:2] * 2}
    )
    assert clash.status_code == 409 and "ASN-2026-G1" in clash.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Sitting)) == before


async def test_only_proctor_accounts_are_assigned(client: AsyncClient, db: AsyncSession) -> None:
    await admin_login(client, db)
    sitting = await _new_sitting(client, db)
    rina, budi = await create_staff(db, "proctor"), await create_staff(db, "proctor", "editor")
    editor = await create_staff(db, "editor")
    gone = await create_staff(db, "proctor", is_active=False)
    url = f"/api/sittings/{sitting['id']}/proctors"
    assigned = await client.put(url, json={"staff_ids": [rina.id, budi.id]})
    assert {p["id"] for p in assigned.json()["proctors"]} == {rina.id, budi.id}
    refused = await client.put(url, json={"staff_ids": [rina.id, editor.id, gone.id]})
    assert refused.status_code == 422 and refused.json()["error"] == "not_a_proctor"
    assert str(editor.id) in refused.json()["detail"]
    replaced = await client.put(url, json={"staff_ids": [budi.id]})
    assert [p["id"] for p in replaced.json()["proctors"]] == [budi.id]
    rows = await db.scalar(
        select(func.count())
        .select_from(SittingProctor)
        .where(SittingProctor.sitting_id == sitting["id"])
    )
    assert rows == 1


async def test_seats_in_seat_order_and_by_hand_never_twice(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    sitting = await _new_sitting(client, db)
    base = f"/api/sittings/{sitting['id']}"
    numbers = await _enrol(client, db, sitting["id"], 3)
    detail = (await client.get(base)).json()
    assert _seats(detail) == dict(zip(numbers, ["A01", "A02", "A03"], strict=True))
    room = (await client.get(f"/api/rooms/{sitting['room_id']}")).json()
    by_label = {s["label"]: s["id"] for s in room["seats"]}
    ids = {e["participant_no"]: e["id"] for e in detail["enrollments"]}

    moved = await client.put(
        f"{base}/seats",
        json={
            "seats": [
                {"enrollment_id": ids[numbers[0]], "seat_id": by_label["A02"]},
                {"enrollment_id": ids[numbers[1]], "seat_id": by_label["A01"]},
                {"enrollment_id": ids[numbers[2]], "seat_id": None},
            ]
        },
    )
    assert moved.status_code == 200, moved.text
    assert _seats(moved.json()) == {numbers[0]: "A02", numbers[1]: "A01", numbers[2]: None}

    twice = await client.put(
        f"{base}/seats",
        json={"seats": [{"enrollment_id": ids[numbers[2]], "seat_id": by_label["A01"]}]},
    )
    assert twice.status_code == 409 and twice.json()["error"] == "seat_twice"
    assert "A01" in twice.json()["detail"]
    other_room = await _room(db, "LAB-OTHER", 1, 1)
    elsewhere = await client.put(
        f"{base}/seats",
        json={"seats": [{"enrollment_id": ids[numbers[2]], "seat_id": other_room.seats[0].id}]},
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["error"] == "seat_not_in_room"
    assert _seats((await client.get(base)).json())[numbers[2]] is None

    missing_only = await client.post(f"{base}/seats/auto", json={"only_missing": True})
    assert _seats(missing_only.json()) == {numbers[0]: "A02", numbers[1]: "A01", numbers[2]: "A03"}
    everyone = await client.post(f"{base}/seats/auto", json={})
    assert _seats(everyone.json()) == dict(zip(numbers, ["A01", "A02", "A03"], strict=True))

    more = await _enrol(client, db, sitting["id"], 3)
    full = await client.post(
        f"{base}/enrollments",
        json={"participant_nos": [(await create_participant(db)).participant_no]},
    )
    assert full.status_code == 409 and full.json()["error"] == "not_enough_seats"
    assert _seats((await client.get(base)).json())[more[-1]] == "B03"
    unknown = await client.post(f"{base}/enrollments", json={"participant_nos": ["NOBODY"]})
    assert unknown.status_code == 422 and "NOBODY" in unknown.json()["detail"]


async def test_room_and_blueprint_change_only_while_scheduled(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    await demo.load_bank(db)
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    sitting = await _new_sitting(client, db, blueprint_id=blueprint.id)
    base = f"/api/sittings/{sitting['id']}"
    empty = await client.post(f"{base}/open")
    assert empty.status_code == 409 and empty.json()["error"] == "empty_roster"
    numbers = await _enrol(client, db, sitting["id"], 2)

    bigger = await _room(db, "LAB-BIG", 3, 3)
    moved = await client.patch(base, json={"room_id": bigger.id, "title": "Pindah ruangan"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["room_code"] == "LAB-BIG"
    assert _seats(moved.json()) == dict(zip(numbers, ["A01", "A02"], strict=True))
    tiny = await _room(db, "LAB-TINY", 1, 1)
    too_small = await client.patch(base, json={"room_id": tiny.id})
    assert too_small.status_code == 409 and too_small.json()["error"] == "not_enough_seats"

    opened = await client.post(f"{base}/open")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    locked = await client.patch(base, json={"room_id": tiny.id})
    assert locked.status_code == 409 and locked.json()["error"] == "sitting_design_locked"
    other = await create_blueprint(db)
    locked = await client.patch(base, json={"blueprint_id": other.id})
    assert locked.status_code == 409
    retitled = await client.patch(base, json={"title": "Sesi Pagi", "end_screen": "results"})
    assert retitled.status_code == 200 and retitled.json()["title"] == "Sesi Pagi"
    late = await client.post(f"{base}/enrollments", json={"participant_nos": numbers})
    assert late.status_code == 409 and late.json()["error"] == "roster_sitting_not_scheduled"
    twice = await client.post(f"{base}/open")
    assert twice.status_code == 409 and twice.json()["error"] == "sitting_not_scheduled"

    reseated = await client.post(f"{base}/seats/auto", json={})
    assert reseated.status_code == 200  # opened, not started: the admin may still seat people
    running = await db.get(Sitting, sitting["id"])
    assert running is not None
    running.status = "running"
    await db.flush()
    refused = await client.post(f"{base}/seats/auto", json={})
    assert refused.status_code == 409 and refused.json()["error"] == "seats_with_proctors"


async def test_a_participant_leaves_the_roster_before_the_sitting_opens(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    sitting = await _new_sitting(client, db)
    await _enrol(client, db, sitting["id"], 2)
    detail = (await client.get(f"/api/sittings/{sitting['id']}")).json()
    first = detail["enrollments"][0]["id"]
    gone = await client.delete(f"/api/sittings/{sitting['id']}/enrollments/{first}")
    assert gone.status_code == 204
    assert (await client.get(f"/api/sittings/{sitting['id']}")).json()["enrolled"] == 1
    again = await client.delete(f"/api/sittings/{sitting['id']}/enrollments/{first}")
    assert again.status_code == 404


async def test_out_of_range_ids_and_nul_characters_are_refused_never_a_500(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    huge = 2**63
    for method, url, body in [
        ("GET", f"/api/rooms/{huge}", None),
        ("GET", f"/api/sittings/{huge}", None),
        ("PUT", "/api/sittings/1/proctors", {"staff_ids": [huge]}),
        ("PUT", "/api/sittings/1/seats", {"seats": [{"enrollment_id": huge, "seat_id": 1}]}),
        ("POST", "/api/rooms", {"code": "LAB-N", "name": "Lab\x00", "rows": 1, "cols": 1}),
        ("GET", "/api/participants?q=a%00b", None),
        ("GET", f"/api/audit/export?sitting_id={huge}", None),
        ("GET", "/api/audit/export?action=a%00b", None),
    ]:
        response = await client.request(method, url, json=body)
        assert response.status_code == 422, (url, response.text)
    for url in (f"/admin/sittings/{huge}", "/admin/participants?q=a%00b", "/admin/audit?actor=%00"):
        page = await client.get(url, headers={"Accept": "text/html"})
        assert page.status_code in (200, 422), (url, page.text)
