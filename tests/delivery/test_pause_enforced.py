"""A pause is enforced by the server: no answer, section, submit or finish while paused, and
resuming gives back every paused millisecond (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.delivery import service as delivery
from cact.exam.models import AnswerLog, Response
from cact.proctoring import service as proctoring
from tests.fixtures.sittings import KioskClient, open_sitting

PROCTOR = Actor.system("test")


class FrozenClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=123000)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    clock = FrozenClock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    yield clock


async def _pause(db: AsyncSession, scope: str, kiosk: KioskClient, sitting_id: int, at: datetime):  # type: ignore[no-untyped-def]
    if scope == "attempt":
        await proctoring.pause_attempt(db, kiosk.attempt_id, "listrik padam", PROCTOR, at)
    else:
        await proctoring.pause_sitting(db, sitting_id, "listrik padam", PROCTOR, at)
    await db.flush()


async def _resume(db: AsyncSession, scope: str, kiosk: KioskClient, sitting_id: int, at: datetime):  # type: ignore[no-untyped-def]
    if scope == "attempt":
        await proctoring.resume_attempt(db, kiosk.attempt_id, "listrik menyala", PROCTOR, at)
    else:
        await proctoring.resume_sitting(db, sitting_id, "listrik menyala", PROCTOR, at)
    await db.flush()


async def _answers(db: AsyncSession, attempt_id: int) -> tuple[list[tuple[int, int | None]], int]:
    rows = await db.execute(
        select(Response.seq, Response.option_id).where(Response.attempt_id == attempt_id)
    )
    logged = await db.scalar(
        select(func.count()).select_from(AnswerLog).where(AnswerLog.attempt_id == attempt_id)
    )
    return sorted((r.seq, r.option_id) for r in rows), int(logged or 0)


@pytest.mark.parametrize("scope", ["attempt", "sitting"])
async def test_every_kiosk_call_during_a_pause_answers_as_documented_and_writes_nothing(
    client: AsyncClient, db: AsyncSession, frozen: FrozenClock, scope: str
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
    section_id = attempt["current_section_id"]
    section = (await kiosk.call("GET", f"/sections/{section_id}")).json()  # type: ignore[attr-defined]
    item = section["items"][0]
    assert (await kiosk.answer(item["item_id"], item["options"][0]["option_id"])).status_code == 200
    before_pause = (await kiosk.call("POST", "/heartbeat")).json()  # type: ignore[attr-defined]
    written = await _answers(db, kiosk.attempt_id)

    await _pause(db, scope, kiosk, opened.sitting.id, frozen.now)
    frozen.now += timedelta(seconds=37, milliseconds=456)

    refused = {
        "save": await kiosk.answer(item["item_id"], item["options"][1]["option_id"]),
        "clear": await kiosk.answer(item["item_id"], None),
        "section": await kiosk.call("GET", f"/sections/{section_id}"),
        "submit": await kiosk.call("POST", f"/sections/{section_id}/submit"),
        "finish": await kiosk.call("POST", "/finish"),
    }
    for name, response in refused.items():
        assert response.status_code == 409, name  # type: ignore[attr-defined]
        assert response.json()["error"] == "attempt_paused", name  # type: ignore[attr-defined]
        assert "pengawas" in response.json()["detail"], name  # type: ignore[attr-defined]
    beat = (await kiosk.call("POST", "/heartbeat")).json()  # type: ignore[attr-defined]
    view = (await kiosk.call("GET", "/attempt")).json()  # type: ignore[attr-defined]
    assert beat["paused"] is True and view["paused"] is True
    assert view["status"] == "in_progress" and view["current_section_id"] == section_id
    # The clock stood still while paused: the same milliseconds as at the pause.
    assert beat["remaining_ms"] == before_pause["remaining_ms"]
    assert await _answers(db, kiosk.attempt_id) == written

    await _resume(db, scope, kiosk, opened.sitting.id, frozen.now)
    after = (await kiosk.call("POST", "/heartbeat")).json()  # type: ignore[attr-defined]
    assert after["paused"] is False
    assert after["remaining_ms"] == before_pause["remaining_ms"]  # to the millisecond
    frozen.now += timedelta(seconds=2)
    later = (await kiosk.call("POST", "/heartbeat")).json()  # type: ignore[attr-defined]
    assert later["remaining_ms"] == before_pause["remaining_ms"] - 2000
    saved = await kiosk.answer(item["item_id"], item["options"][1]["option_id"])
    assert saved.status_code == 200 and saved.json()["applied"] is True


async def test_a_paused_room_before_the_start_resumes_to_waiting_not_running(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, started=False)
    now = datetime.now(UTC)
    await proctoring.pause_sitting(db, opened.sitting.id, "menunggu", PROCTOR, now)
    sitting = await proctoring.resume_sitting(db, opened.sitting.id, "lanjut", PROCTOR, now)
    assert sitting.status == "open" and sitting.started_at is None
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    early = await kiosk.call("POST", "/attempt/start")
    assert early.status_code == 409  # type: ignore[attr-defined]
    assert early.json()["error"] == "sitting_not_started"  # type: ignore[attr-defined]
