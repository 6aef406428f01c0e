"""The room dashboard: tile status rules, counters, the tiles API and who may see a room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Attempt, Enrollment, SittingProctor
from cact.participants.models import Participant
from cact.proctoring.dashboard import DISCONNECTED_AFTER, tile_status
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def _status(**given: object) -> str:
    facts: dict[str, object] = {
        "attempt_status": "in_progress",
        "paused": False,
        "attendance": "registered",
        "logged_in": True,
        "last_active": NOW - timedelta(seconds=5),
        "now": NOW,
    }
    facts.update(given)
    return tile_status(**facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"attempt_status": None, "logged_in": False, "last_active": None}, "not_logged_in"),
        ({"attempt_status": "not_started", "logged_in": False}, "not_logged_in"),
        ({"attempt_status": "not_started", "logged_in": True}, "ready"),
        ({"attempt_status": "not_started", "attendance": "absent", "logged_in": False}, "absent"),
        ({}, "working"),
        ({"last_active": NOW - DISCONNECTED_AFTER}, "working"),
        ({"last_active": NOW - DISCONNECTED_AFTER - timedelta(seconds=1)}, "disconnected"),
        ({"last_active": None}, "disconnected"),
        ({"paused": True}, "paused"),
        ({"paused": True, "last_active": NOW - timedelta(hours=1)}, "paused"),
        ({"attempt_status": "submitted"}, "finished"),
        ({"attempt_status": "expired", "paused": True}, "finished"),
        ({"attempt_status": "terminated", "attendance": "absent"}, "finished"),
        # Someone marked absent who then works is present: the work wins.
        ({"attendance": "absent"}, "working"),
    ],
)
def test_tile_status_rules(given: dict[str, object], expected: str) -> None:
    assert _status(**given) == expected


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=8)


async def _proctor_client(app: object, db: AsyncSession, sitting_id: int | None) -> AsyncClient:
    user = await create_staff(db, "proctor")
    if sitting_id is not None:
        db.add(SittingProctor(sitting_id=sitting_id, staff_user_id=user.id))
        await db.flush()
    http = AsyncClient(
        transport=ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers={"Accept": "application/json"},
    )
    await login(http, user)
    return http


@pytest.fixture
async def proctor(app: object, db: AsyncSession, opened: OpenSitting) -> AsyncClient:
    return await _proctor_client(app, db, opened.sitting.id)


async def _kiosk(client: AsyncClient, opened: OpenSitting, n: int, *, start: bool) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[n], opened.token)
    await kiosk.login()
    if start:
        assert (await kiosk.call("POST", "/attempt/start")).status_code == 200
    return kiosk


async def _items(kiosk: KioskClient) -> list[dict[str, object]]:
    attempt = (await kiosk.call("GET", "/attempt")).json()  # type: ignore[attr-defined]
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
    items: list[dict[str, object]] = section["items"]
    return items


async def test_the_tiles_show_every_state_of_the_room_and_the_counters_add_up(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    sitting_url = f"/api/proctor/sittings/{opened.sitting.id}"
    working = await _kiosk(client, opened, 0, start=True)
    for item in (await _items(working))[:3]:
        option = item["options"][0]["option_id"]  # type: ignore[index]
        assert (await working.answer(int(str(item["item_id"])), option)).json()["applied"]
    paused = await _kiosk(client, opened, 1, start=True)
    reason = {"reason": "Ke toilet"}
    assert (
        await proctor.post(f"/api/proctor/attempts/{paused.attempt_id}/pause", json=reason)
    ).status_code == 200
    finished = await _kiosk(client, opened, 2, start=True)
    assert (await finished.call("POST", "/finish")).status_code == 200  # type: ignore[attr-defined]
    quiet = await _kiosk(client, opened, 3, start=True)
    await db.execute(
        update(Attempt)
        .where(Attempt.id == quiet.attempt_id)
        .values(last_seen_at=datetime.now(UTC) - timedelta(seconds=60))
    )
    # participant 4 never logs in
    absent = await db.scalar(
        select(Enrollment.id)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .where(
            Enrollment.sitting_id == opened.sitting.id,
            Participant.participant_no == opened.participant_nos[5],
        )
    )
    assert (
        await proctor.post(f"{sitting_url}/enrollments/{absent}/absent", json={"reason": "Sakit"})
    ).status_code == 204
    await _kiosk(client, opened, 6, start=False)  # logged in, not started yet
    waiting = await _kiosk(client, opened, 7, start=False)
    again = await client.post(
        "/api/kiosk/v1/login",
        json={"participant_no": waiting.participant_no, "token": opened.token},
    )
    assert again.status_code == 409  # another workstation: a reset request for the proctor

    response = await proctor.get(f"{sitting_url}/tiles")
    assert response.status_code == 200, response.text
    body = response.json()
    tiles = {t["number"]: t for t in body["tiles"]}
    status = {n: tiles[n]["status"] for n in opened.participant_nos}
    assert [status[n] for n in opened.participant_nos] == [
        "working",
        "paused",
        "finished",
        "disconnected",
        "not_logged_in",
        "absent",
        "ready",
        "ready",
    ]
    first = tiles[opened.participant_nos[0]]
    assert first["answered"] == 3 and first["items"] > 3
    assert first["section"]["position"] == 1 and first["section"]["title"] == "Manajerial"
    assert first["counting"] is True and 0 < first["remaining_ms"] <= 60 * 60_000
    assert first["seat"]["label"] and first["ip"]
    assert tiles[opened.participant_nos[1]]["counting"] is False
    assert tiles[opened.participant_nos[2]]["section"] is None
    # The server announces the one change time alone makes; the page only shows it.
    change = first["status_changes"]
    assert change["to"] == "disconnected"
    assert datetime.fromisoformat(change["at"]) == datetime.fromisoformat(
        first["last_active_at"]
    ) + timedelta(seconds=45)
    assert tiles[opened.participant_nos[1]]["status_changes"] is None
    assert tiles[opened.participant_nos[7]]["reset_requested"] is True
    assert body["counters"] == {
        "registered": 8,
        "logged_in": 6,
        "working": 1,
        "paused": 1,
        "finished": 1,
        "disconnected": 1,
        "absent": 1,
        "not_logged_in": 1,
    }
    assert body["sitting"]["token"] == opened.token and body["sitting"]["status"] == "running"
    assert len(body["seats"]) == 40 and body["disconnected_after_ms"] == 45_000
    seat_order = [(t["seat"]["row"], t["seat"]["col"]) for t in body["tiles"]]
    assert seat_order == sorted(seat_order)

    paused_all = await proctor.post(f"{sitting_url}/pause", json={"reason": "Listrik padam"})
    assert paused_all.status_code == 200
    during = {
        t["number"]: t["status"]
        for t in (await proctor.get(f"{sitting_url}/tiles")).json()["tiles"]
    }
    assert during[opened.participant_nos[0]] == "paused"  # the whole room stands still
    assert during[opened.participant_nos[2]] == "finished"


async def test_a_proctor_of_another_sitting_gets_403_on_every_page_the_stream_and_the_tiles(
    app: object, db: AsyncSession, opened: OpenSitting
) -> None:
    other = await open_sitting(db, participants=1)
    outsider = await _proctor_client(app, db, other.sitting.id)
    s = opened.sitting.id
    paths = [
        f"/proctor/sittings/{s}",
        f"/proctor/sittings/{s}/print/attendance",
        f"/proctor/sittings/{s}/print/report",
        f"/proctor/sittings/{s}/print/cards",
        f"/proctor/sittings/{s}/print/cards?token=1",
        f"/api/proctor/sittings/{s}/tiles",
        f"/api/proctor/sittings/{s}/events",
    ]
    for path in paths:
        response = await outsider.get(path)
        assert response.status_code == 403, path
        assert opened.token not in response.text, path
    listing = await outsider.get("/proctor")
    assert listing.status_code == 200
    assert f"/proctor/sittings/{other.sitting.id}" in listing.text
    assert f'/proctor/sittings/{s}"' not in listing.text
    # their own room is theirs to see
    assert (await outsider.get(f"/proctor/sittings/{other.sitting.id}")).status_code == 200
    assert (
        await outsider.get(f"/api/proctor/sittings/{other.sitting.id}/tiles")
    ).status_code == 200
    missing = await outsider.get("/api/proctor/sittings/987654321/tiles")
    assert missing.status_code == 404


async def test_an_admin_sees_every_sitting_and_an_editor_none(
    app: object, db: AsyncSession, opened: OpenSitting
) -> None:
    admin = await create_staff(db, "admin")
    http = AsyncClient(
        transport=ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
    )
    await login(http, admin)
    listing = await http.get("/proctor")
    assert f"/proctor/sittings/{opened.sitting.id}" in listing.text
    page = await http.get(f"/proctor/sittings/{opened.sitting.id}")
    assert page.status_code == 200
    assert 'data-testid="seat-grid"' in page.text and opened.token in page.text
    assert "/static/proctor/dashboard.js" in page.text
    home = await http.get("/staff")
    assert 'href="/proctor"' in home.text

    editor = await create_staff(db, "editor")
    http.cookies.clear()
    await login(http, editor)
    assert (await http.get(f"/proctor/sittings/{opened.sitting.id}")).status_code == 403
    assert (await http.get("/proctor")).status_code == 403


async def test_the_proctor_list_shows_the_assigned_sittings_with_their_state(
    proctor: AsyncClient, opened: OpenSitting
) -> None:
    page = await proctor.get("/proctor", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert opened.sitting.code in page.text and "Lab Komputer Demo" in page.text
    assert "berjalan" in page.text  # the status, in Bahasa Indonesia by default
    english = await proctor.get("/proctor?lang=en")
    assert "Your sittings" in english.text and ">running<" in english.text


async def test_a_tile_between_sections_shows_the_next_section_and_its_break(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    kiosk = await _kiosk(client, opened, 0, start=True)
    first = (await kiosk.call("GET", "/attempt")).json()["current_section_id"]  # type: ignore[attr-defined]
    assert (await kiosk.call("POST", f"/sections/{first}/submit")).status_code == 200  # type: ignore[attr-defined]
    tiles = (await proctor.get(f"/api/proctor/sittings/{opened.sitting.id}/tiles")).json()
    tile = next(t for t in tiles["tiles"] if t["attempt_id"] == kiosk.attempt_id)
    assert tile["section"]["position"] == 2 and tile["counting"] is False
    assert 0 < tile["break_remaining_ms"] <= 120_000  # the demo's break after its first section
    others = [t for t in tiles["tiles"] if t["attempt_id"] != kiosk.attempt_id]
    assert all(t["break_remaining_ms"] is None for t in others)
