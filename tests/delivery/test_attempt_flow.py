"""Sections run in blueprint order on server-owned clocks; answers save idempotently by seq."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import AnswerLog, AttemptSection, Response
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db)


@pytest.fixture
async def kiosk(client: AsyncClient, opened: OpenSitting) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    return kiosk


async def _started(kiosk: KioskClient) -> dict[str, object]:
    response = await kiosk.call("POST", "/attempt/start")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _first_section(kiosk: KioskClient) -> dict[str, object]:
    attempt = await _started(kiosk)
    response = await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")
    assert response.status_code == 200
    return dict(response.json())


async def test_the_attempt_before_start_has_every_section_pending(kiosk: KioskClient) -> None:
    body = (await kiosk.call("GET", "/attempt")).json()
    assert body["status"] == "not_started"
    assert body["current_section_id"] is None
    assert [s["title"] for s in body["sections"]] == ["Manajerial", "Sosial Kultural", "Teknis"]
    assert [s["item_count"] for s in body["sections"]] == [16, 3, 10]
    assert [s["remaining_ms"] for s in body["sections"]] == [1_200_000, 300_000, 900_000]
    assert {s["status"] for s in body["sections"]} == {"pending"}
    assert "3 bagian" in body["instructions_html"]


async def test_start_opens_the_first_section_with_a_stored_deadline(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    body = await _started(kiosk)
    assert body["status"] == "in_progress"
    first = body["sections"][0]
    assert first["status"] == "open"
    assert 1_195_000 < first["remaining_ms"] <= 1_200_000
    section = await db.get(AttemptSection, first["id"])
    assert section is not None and section.deadline_at is not None
    again = await _started(kiosk)  # a second start (a reload) changes nothing
    assert again["sections"][0]["remaining_ms"] <= first["remaining_ms"]


async def test_a_section_lists_its_items_in_presented_order_without_secrets(
    kiosk: KioskClient,
) -> None:
    section = await _first_section(kiosk)
    items = section["items"]
    assert isinstance(items, list)
    assert [i["number"] for i in items] == list(range(1, 17))
    assert all([o["label"] for o in i["options"]] == ["A", "B", "C", "D"] for i in items)
    assert section["answers"] == {}
    assert "weight" not in str(section) and "correct" not in str(section)


async def test_saves_apply_only_with_a_higher_seq_and_every_applied_one_is_logged(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    section = await _first_section(kiosk)
    item = section["items"][0]  # type: ignore[index]
    a, b = item["options"][0]["option_id"], item["options"][1]["option_id"]

    first = await kiosk.answer(item["item_id"], a, seq=5)
    assert first.status_code == 200
    assert first.json()["applied"] is True and first.json()["stored_seq"] == 5
    stale = await kiosk.answer(item["item_id"], b, seq=4)
    assert stale.status_code == 200
    assert stale.json() == {**stale.json(), "applied": False, "stored_seq": 5}
    duplicate = await kiosk.answer(item["item_id"], a, seq=5)
    assert duplicate.json()["applied"] is False
    newer = await kiosk.answer(item["item_id"], b, doubtful=True, seq=6)
    assert newer.json()["applied"] is True

    stored = await db.get(Response, item["item_id"], populate_existing=True)
    assert stored is not None
    assert (stored.option_id, stored.doubtful, stored.seq, stored.change_count) == (b, True, 6, 2)
    logged = await db.scalar(
        select(func.count())
        .select_from(AnswerLog)
        .where(AnswerLog.attempt_item_id == item["item_id"])
    )
    assert logged == 2

    view = (await kiosk.call("GET", f"/sections/{section['id']}")).json()
    assert view["answers"][str(item["item_id"])] == {"option_id": b, "doubtful": True, "seq": 6}
    summary = (await kiosk.call("GET", "/attempt")).json()["sections"][0]
    assert summary["answered_count"] == 1


async def test_change_count_counts_changes_of_the_chosen_option_only(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    """The first choice counts, so does every other option and a clearing; the same option
    again or a ragu-ragu toggle is a save (logged) but no change (docs/exports.md)."""
    section = await _first_section(kiosk)
    item, other = section["items"][0], section["items"][1]  # type: ignore[index]
    a, b = item["options"][0]["option_id"], item["options"][1]["option_id"]
    steps = [
        (a, False, 1),  # first choice
        (a, False, 1),  # the same option saved again
        (a, True, 1),  # ragu-ragu on
        (a, False, 1),  # ragu-ragu off
        (b, False, 2),  # another option
        (None, False, 3),  # cleared
        (None, True, 3),  # ragu-ragu on a blank item
        (a, True, 4),  # chosen again
    ]
    for option, doubtful, count in steps:
        saved = await kiosk.answer(item["item_id"], option, doubtful=doubtful)
        assert saved.json()["applied"] is True
        stored = await db.get(Response, item["item_id"], populate_existing=True)
        assert stored is not None and stored.change_count == count, (option, doubtful)
    logged = await db.scalar(
        select(func.count())
        .select_from(AnswerLog)
        .where(AnswerLog.attempt_item_id == item["item_id"])
    )
    assert logged == len(steps)  # every accepted save is still in the answer log
    await kiosk.answer(other["item_id"], None, doubtful=True)  # flagged, never answered
    blank = await db.get(Response, other["item_id"], populate_existing=True)
    assert blank is not None and blank.change_count == 0


async def test_clearing_an_answer_is_a_save_with_no_option(kiosk: KioskClient) -> None:
    section = await _first_section(kiosk)
    item = section["items"][0]  # type: ignore[index]
    await kiosk.answer(item["item_id"], item["options"][2]["option_id"])
    cleared = await kiosk.answer(item["item_id"], None)
    assert cleared.json()["applied"] is True
    summary = (await kiosk.call("GET", "/attempt")).json()["sections"][0]
    assert summary["answered_count"] == 0


async def test_bad_saves_get_their_own_errors(
    kiosk: KioskClient, client: AsyncClient, opened: OpenSitting
) -> None:
    section = await _first_section(kiosk)
    item = section["items"][0]  # type: ignore[index]
    other_item = section["items"][1]  # type: ignore[index]
    foreign_option = other_item["options"][0]["option_id"]
    assert (await kiosk.answer(item["item_id"], foreign_option)).status_code == 422
    assert (await kiosk.answer(999_999_999, None)).status_code == 404
    malformed = await kiosk.call("PUT", f"/answers/{item['item_id']}", json={"option_id": 1})
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["detail"]} == {"body.seq"}

    neighbour = KioskClient(client, opened.participant_nos[1], opened.token)
    await neighbour.login()
    await _started(neighbour)
    stolen = await neighbour.answer(item["item_id"], item["options"][0]["option_id"])
    assert stolen.status_code == 403
    assert stolen.json()["error"] == "not_your_attempt"
    peek = await neighbour.call("GET", f"/sections/{section['id']}")
    assert peek.status_code == 403


async def _move_deadline(db: AsyncSession, section_id: int, seconds_ago: float) -> None:
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.id == section_id)
        .values(deadline_at=datetime.now(UTC) - timedelta(seconds=seconds_ago))
    )


async def test_a_save_within_the_grace_is_kept_and_one_after_it_is_refused(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    section = await _first_section(kiosk)
    item = section["items"][0]  # type: ignore[index]
    option = item["options"][0]["option_id"]
    await _move_deadline(db, int(str(section["id"])), seconds_ago=2)  # grace is 10 s
    assert (await kiosk.answer(item["item_id"], option)).json()["applied"] is True
    await _move_deadline(db, int(str(section["id"])), seconds_ago=30)
    late = await kiosk.answer(item["item_id"], None)
    assert late.status_code == 409
    assert late.json()["error"] == "section_closed"


async def test_submitting_a_section_opens_the_next_and_a_closed_one_stays_closed(
    kiosk: KioskClient,
) -> None:
    section = await _first_section(kiosk)
    after = (await kiosk.call("POST", f"/sections/{section['id']}/submit")).json()
    # The demo blueprint's break after its first section: the next waits, its id is current.
    assert [s["status"] for s in after["sections"]] == ["closed", "pending", "pending"]
    assert after["current_section_id"] == after["sections"][1]["id"]
    assert after["break_remaining_ms"] == 120_000
    # Asking for it is the participant's click that starts it.
    opened = await kiosk.call("GET", f"/sections/{after['current_section_id']}")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    again = await kiosk.call("POST", f"/sections/{section['id']}/submit")
    assert again.status_code == 409
    reopen = await kiosk.call("GET", f"/sections/{section['id']}")
    assert reopen.status_code == 409
    pending = await kiosk.call("GET", f"/sections/{after['sections'][2]['id']}")
    assert pending.status_code == 409
    assert pending.json()["error"] == "section_not_started"


async def test_finish_closes_everything_and_later_saves_are_refused(kiosk: KioskClient) -> None:
    section = await _first_section(kiosk)
    item = section["items"][0]  # type: ignore[index]
    finished = (await kiosk.call("POST", "/finish")).json()
    assert finished["status"] == "submitted"
    assert {s["status"] for s in finished["sections"]} == {"closed"}
    late = await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    assert late.status_code == 409
    assert late.json()["error"] == "attempt_closed"
    assert (await kiosk.call("POST", "/finish")).status_code == 409


async def test_heartbeat_reports_status_pause_and_time_left(
    kiosk: KioskClient, db: AsyncSession
) -> None:
    await _started(kiosk)
    beat = (await kiosk.call("POST", "/heartbeat")).json()
    assert beat["status"] == "in_progress" and beat["paused"] is False
    assert 0 < beat["remaining_ms"] <= 1_200_000


async def test_the_end_screen_shows_own_results_only_when_the_sitting_says_so(
    kiosk: KioskClient, opened: OpenSitting, db: AsyncSession
) -> None:
    await _first_section(kiosk)
    opened.sitting.end_screen = "results"
    await db.flush()
    finished = (await kiosk.call("POST", "/finish")).json()
    results = finished["results"]
    assert results is not None
    codes = {c["competency"] for c in results["competencies"]}
    assert {"M.01", "SK.01", "T.ADM.01"} <= codes
    assert all(1 <= c["attained_level"] <= 5 for c in results["competencies"])
    assert "weight" not in str(finished) and "score" not in str(finished)


async def test_by_default_the_end_screen_shows_completion_only(kiosk: KioskClient) -> None:
    await _first_section(kiosk)
    finished = (await kiosk.call("POST", "/finish")).json()
    assert finished["status"] == "submitted" and finished["results"] is None
