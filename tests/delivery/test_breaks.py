"""Between sections the server owns a break: the next section's clock starts at the
participant's click or when the break ends, whichever is first — with no kiosk at all when the
break runs out (issue 13, honest transitions). Frozen clock: every millisecond is checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact import sweeper
from cact.audit.service import Actor
from cact.delivery import service as delivery
from cact.exam.models import AttemptItem, AttemptSection
from cact.proctoring import service as proctoring
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

PROCTOR = Actor.system("test")
GRACE = timedelta(seconds=10)
AFTER_FIRST = 120_000  # the demo blueprint's break_after_seconds on its first section
DEFAULT = 60_000  # its break_seconds (the blueprint default)


class FrozenClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=250000)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    clock = FrozenClock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    yield clock


async def _json(kiosk: KioskClient, method: str, path: str) -> Any:
    response = await kiosk.call(method, path)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    return response.json()  # type: ignore[attr-defined]


async def _in_first_break(
    client: AsyncClient, db: AsyncSession
) -> tuple[OpenSitting, KioskClient, dict[str, Any]]:
    """Logged in, started, first section submitted: the break after it has begun."""
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    first = (await _json(kiosk, "POST", "/attempt/start"))["current_section_id"]
    after = await _json(kiosk, "POST", f"/sections/{first}/submit")
    return opened, kiosk, after


async def _section(db: AsyncSession, section_id: int) -> AttemptSection:
    section = await db.get(AttemptSection, section_id)
    assert section is not None
    await db.refresh(section)
    return section


async def test_the_blueprint_gives_each_section_its_break_the_longer_one_where_scheduled(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=1)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    view = await _json(kiosk, "GET", "/attempt")
    # None before the first; the scheduled longer break after Manajerial; the default after that.
    assert [s["break_before_ms"] for s in view["sections"]] == [0, AFTER_FIRST, DEFAULT]
    assert "Jeda paling lama 2 menit" in view["instructions_html"]
    assert view["break_ends_at"] is None and view["break_remaining_ms"] is None


async def test_submitting_begins_the_break_and_a_reload_shows_the_same_countdown(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock
) -> None:
    _, kiosk, after = await _in_first_break(client, db)
    submitted_at = frozen.now
    following = after["sections"][1]
    assert [s["status"] for s in after["sections"]] == ["closed", "pending", "pending"]
    assert after["current_section_id"] == following["id"]
    assert after["break_remaining_ms"] == following["break_remaining_ms"] == AFTER_FIRST
    ends = submitted_at + timedelta(milliseconds=AFTER_FIRST)
    assert datetime.fromisoformat(after["break_ends_at"]) == ends
    # The section's own clock has not started: its full time is still there.
    assert following["remaining_ms"] == following["time_limit_ms"]

    frozen.tick(seconds=30, milliseconds=500)
    reloaded = await _json(kiosk, "GET", "/attempt")  # a reload, or another workstation
    assert reloaded["break_remaining_ms"] == AFTER_FIRST - 30_500
    assert datetime.fromisoformat(reloaded["break_ends_at"]) == ends
    beat = await _json(kiosk, "POST", "/heartbeat")
    assert beat["current_section_id"] == following["id"]
    assert beat["break_remaining_ms"] == AFTER_FIRST - 30_500
    assert beat["remaining_ms"] == following["time_limit_ms"]


async def test_the_click_before_the_break_ends_starts_the_clock_at_the_click(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock
) -> None:
    _, kiosk, after = await _in_first_break(client, db)
    clicked = frozen.tick(seconds=20)
    started = await _json(kiosk, "POST", "/attempt/start")  # "Mulai bagian ini"
    assert started["sections"][1]["status"] == "open"
    assert started["break_remaining_ms"] is None and started["break_ends_at"] is None
    section = await _section(db, after["current_section_id"])
    assert section.started_at == clicked
    assert section.deadline_at == clicked + timedelta(milliseconds=section.time_limit_ms)
    assert started["sections"][1]["remaining_ms"] == section.time_limit_ms
    # A second click (a retried request) changes nothing.
    frozen.tick(seconds=1)
    again = await _json(kiosk, "POST", "/attempt/start")
    assert again["sections"][1]["remaining_ms"] == section.time_limit_ms - 1000


async def test_asking_for_the_next_section_is_the_click_that_starts_it(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock
) -> None:
    """What today's clients do after a submit: load current_section_id."""
    _, kiosk, after = await _in_first_break(client, db)
    clicked = frozen.tick(seconds=5)
    loaded = await _json(kiosk, "GET", f"/sections/{after['current_section_id']}")
    assert loaded["status"] == "open" and loaded["items"]
    section = await _section(db, after["current_section_id"])
    assert section.started_at == clicked and loaded["remaining_ms"] == section.time_limit_ms


async def test_with_no_kiosk_the_break_ends_by_itself_and_the_clock_starts_at_its_end(
    client: AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: FrozenClock,
) -> None:
    _, kiosk, after = await _in_first_break(client, db)
    ends = frozen.now + timedelta(milliseconds=AFTER_FIRST)
    await db.commit()
    frozen.tick(milliseconds=AFTER_FIRST - 1)
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 0  # one millisecond early
    frozen.tick(seconds=1, milliseconds=1)  # the sweep comes a second late
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 1
    section = await _section(db, after["current_section_id"])
    assert section.status == "open" and section.started_at == ends
    view = await _json(kiosk, "GET", "/attempt")
    assert view["sections"][1]["remaining_ms"] == section.time_limit_ms - 1000
    assert view["current_section_id"] == section.id and view["break_remaining_ms"] is None

    # And on through the whole attempt with the kiosk closed: deadline, break, deadline, close.
    for _ in range(3):
        frozen.tick(hours=1)
        await sweeper.sweep_once(sessionmaker, GRACE)
        frozen.tick(minutes=5)
        await sweeper.sweep_once(sessionmaker, GRACE)
    final = await _json(kiosk, "GET", "/attempt")
    assert final["status"] == "expired"
    assert {s["status"] for s in final["sections"]} == {"closed"}


async def test_after_the_break_ends_but_before_a_sweep_the_clock_is_already_honest(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock
) -> None:
    _, kiosk, after = await _in_first_break(client, db)
    ends = frozen.now + timedelta(milliseconds=AFTER_FIRST)
    frozen.tick(milliseconds=AFTER_FIRST + 4_000)
    view = await _json(kiosk, "GET", "/attempt")
    limit = view["sections"][1]["time_limit_ms"]
    assert view["break_remaining_ms"] == 0
    assert view["sections"][1]["remaining_ms"] == limit - 4_000
    late_click = await _json(kiosk, "POST", "/attempt/start")
    assert late_click["sections"][1]["remaining_ms"] == limit - 4_000
    assert (await _section(db, after["current_section_id"])).started_at == ends


async def test_early_requests_during_a_break_are_answered_as_documented(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock
) -> None:
    _, kiosk, after = await _in_first_break(client, db)
    waiting, later = after["sections"][1]["id"], after["sections"][2]["id"]
    item = await db.scalar(select(AttemptItem).where(AttemptItem.attempt_section_id == waiting))
    assert item is not None
    refused = {
        "save to the waiting section": await kiosk.answer(item.id, item.option_order[0]),
        "submit the waiting section": await kiosk.call("POST", f"/sections/{waiting}/submit"),
        "a later section": await kiosk.call("GET", f"/sections/{later}"),
    }
    for name, response in refused.items():
        assert response.status_code == 409, name  # type: ignore[attr-defined]
        assert response.json()["error"] == "section_not_started", name  # type: ignore[attr-defined]
    still = await _json(kiosk, "GET", "/attempt")
    assert [s["status"] for s in still["sections"]] == ["closed", "pending", "pending"]
    assert still["break_remaining_ms"] == AFTER_FIRST


@pytest.mark.parametrize("scope", ["attempt", "sitting"])
async def test_a_pause_during_the_break_freezes_it_and_gives_the_time_back(
    client: AsyncClient,
    db: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    frozen: FrozenClock,
    scope: str,
) -> None:
    opened, kiosk, after = await _in_first_break(client, db)
    waiting = after["current_section_id"]
    frozen.tick(seconds=30)
    if scope == "attempt":
        await proctoring.pause_attempt(db, kiosk.attempt_id, "listrik padam", PROCTOR, frozen.now)
    else:
        await proctoring.pause_sitting(db, opened.sitting.id, "listrik padam", PROCTOR, frozen.now)
    await db.commit()
    frozen.tick(minutes=10)  # far past the break's old end
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 0  # a paused break does not end
    view = await _json(kiosk, "GET", "/attempt")
    assert view["paused"] is True and view["break_remaining_ms"] == AFTER_FIRST - 30_000
    clicked = await _json(kiosk, "POST", "/attempt/start")  # nothing starts while paused
    assert clicked["paused"] is True and clicked["sections"][1]["status"] == "pending"
    asked = await kiosk.call("GET", f"/sections/{waiting}")
    assert asked.status_code == 409  # type: ignore[attr-defined]
    assert asked.json()["error"] == "attempt_paused"  # type: ignore[attr-defined]

    if scope == "attempt":
        await proctoring.resume_attempt(db, kiosk.attempt_id, "menyala", PROCTOR, frozen.now)
    else:
        await proctoring.resume_sitting(db, opened.sitting.id, "menyala", PROCTOR, frozen.now)
    await db.commit()
    resumed = await _json(kiosk, "POST", "/heartbeat")
    assert resumed["paused"] is False
    assert resumed["break_remaining_ms"] == AFTER_FIRST - 30_000  # to the millisecond
    section = await _section(db, waiting)
    assert section.paused_ms == 0  # the section's own clock never ran
    frozen.tick(milliseconds=AFTER_FIRST - 30_000)
    assert await sweeper.sweep_once(sessionmaker, GRACE) == 1
    section = await _section(db, waiting)
    assert section.status == "open" and section.started_at == frozen.now
