"""The proctor's actions on a live room: timers, tokens, resets, closing — each audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.exam.models import AttemptSection, Enrollment, SittingProctor
from cact.exam.repository import AttemptRepository
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting


async def _started(client: AsyncClient, opened: OpenSitting, n: int = 0) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[n], opened.token)
    await kiosk.login()
    assert (await kiosk.call("POST", "/attempt/start")).status_code == 200
    return kiosk


async def _remaining(kiosk: KioskClient) -> int:
    return int((await kiosk.call("POST", "/heartbeat")).json()["remaining_ms"])


async def test_extra_time_grows_the_running_section(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    kiosk = await _started(client, opened)
    before = await _remaining(kiosk)
    response = await proctor.post(
        f"/api/proctor/attempts/{kiosk.attempt_id}/extra-time",
        json={"minutes": 5, "reason": "Komputer sempat mati"},
    )
    assert response.status_code == 200, response.text
    assert await _remaining(kiosk) - before > 5 * 60_000 - 2_000
    no_reason = await proctor.post(
        f"/api/proctor/attempts/{kiosk.attempt_id}/extra-time", json={"minutes": 5}
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"][0]["field"] == "body.reason"


async def test_pausing_one_attempt_stops_its_clock_and_resuming_gives_the_time_back(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    kiosk = await _started(client, opened)
    url = f"/api/proctor/attempts/{kiosk.attempt_id}"
    assert (await proctor.post(f"{url}/pause", json={"reason": "Ke toilet"})).status_code == 200
    beat = (await kiosk.call("POST", "/heartbeat")).json()
    assert beat["paused"] is True
    frozen = beat["remaining_ms"]
    await asyncio.sleep(0.3)
    assert await _remaining(kiosk) == frozen  # the clock stands still while paused
    # as if the pause had begun ten minutes ago
    await db.execute(
        update(AttemptSection)
        .where(AttemptSection.attempt_id == kiosk.attempt_id, AttemptSection.status == "open")
        .values(
            paused_at=AttemptSection.paused_at - timedelta(minutes=10),
            deadline_at=AttemptSection.deadline_at - timedelta(minutes=10),
        )
    )
    assert (await proctor.post(f"{url}/resume", json={"reason": "Kembali"})).status_code == 200
    after = (await kiosk.call("POST", "/heartbeat")).json()
    assert after["paused"] is False
    assert abs(after["remaining_ms"] - frozen) < 2_000
    section = await db.scalar(
        select(AttemptSection)
        .where(AttemptSection.attempt_id == kiosk.attempt_id, AttemptSection.position == 1)
        .execution_options(populate_existing=True)
    )
    assert section is not None and section.paused_ms >= 10 * 60_000


async def test_pausing_the_whole_room_pauses_every_kiosk_until_it_resumes(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    first, second = await _started(client, opened, 0), await _started(client, opened, 1)
    sitting_url = f"/api/proctor/sittings/{opened.sitting.id}"
    paused = await proctor.post(f"{sitting_url}/pause", json={"reason": "Listrik padam"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    for kiosk in (first, second):
        assert (await kiosk.call("POST", "/heartbeat")).json()["paused"] is True
    resumed = await proctor.post(f"{sitting_url}/resume", json={"reason": "Listrik kembali"})
    assert resumed.json()["status"] == "running"
    for kiosk in (first, second):
        assert (await kiosk.call("POST", "/heartbeat")).json()["paused"] is False
    twice = await proctor.post(f"{sitting_url}/resume", json={"reason": "lagi"})
    assert twice.status_code == 409


async def test_a_rotated_token_leaves_the_old_one_valid_for_a_short_grace(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    old = opened.token
    rotated = (await proctor.post(f"/api/proctor/sittings/{opened.sitting.id}/token/rotate")).json()
    assert rotated["token"] != old and rotated["previous_token"] == old
    valid_until = datetime.fromisoformat(rotated["previous_token_valid_until"])
    assert timedelta(0) < valid_until - datetime.now(UTC) <= timedelta(minutes=2)
    kiosk = KioskClient(client, opened.participant_nos[0], old)
    await kiosk.login()  # still inside the grace
    fresh = KioskClient(client, opened.participant_nos[1], rotated["token"])
    await fresh.login()


async def test_reset_login_lets_the_participant_continue_elsewhere_with_every_answer(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    kiosk = await _started(client, opened)
    attempt = (await kiosk.call("GET", "/attempt")).json()
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()
    given = {}
    for item in section["items"][:4]:
        option = item["options"][1]["option_id"]
        assert (await kiosk.answer(item["item_id"], option)).json()["applied"]
        given[str(item["item_id"])] = option
    refused = await client.post(
        "/api/kiosk/v1/login", json={"participant_no": kiosk.participant_no, "token": opened.token}
    )
    assert refused.status_code == 409  # another workstation: the proctor must reset

    reset = await proctor.post(
        f"/api/proctor/attempts/{kiosk.attempt_id}/reset-login",
        json={"reason": "Pindah ke komputer B07"},
    )
    assert reset.status_code == 200
    assert reset.json()["reset_requested_at"] is None
    assert (await kiosk.call("GET", "/attempt")).status_code == 401  # the old kiosk is out

    elsewhere = KioskClient(client, kiosk.participant_no, opened.token)
    await elsewhere.login()
    again = (await elsewhere.call("GET", f"/sections/{attempt['current_section_id']}")).json()
    assert {k: v["option_id"] for k, v in again["answers"].items()} == given


async def test_terminate_and_close_sitting_close_attempts_for_good(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    first, second = await _started(client, opened, 0), await _started(client, opened, 1)
    ended = await proctor.post(
        f"/api/proctor/attempts/{first.attempt_id}/terminate", json={"reason": "Membawa catatan"}
    )
    assert ended.json()["status"] == "terminated"
    assert (await first.call("POST", "/heartbeat")).json()["status"] == "terminated"
    closed = await proctor.post(
        f"/api/proctor/sittings/{opened.sitting.id}/close", json={"reason": "Waktu sesi habis"}
    )
    assert closed.status_code == 200
    assert closed.json()["closed_attempts"] == [second.attempt_id]
    assert closed.json()["sitting"]["status"] == "closed"
    assert (await second.call("POST", "/heartbeat")).json()["status"] == "submitted"
    again = await proctor.post(f"/api/proctor/sittings/{opened.sitting.id}/close", json={})
    assert again.status_code == 409
    actions = set(
        (
            await db.scalars(
                select(AuditEvent.action).where(AuditEvent.sitting_id == opened.sitting.id)
            )
        ).all()
    )
    assert {"attempt.terminate", "sitting.close"} <= actions


async def test_incidents_absence_and_seat_moves_are_recorded(
    proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    sitting_url = f"/api/proctor/sittings/{opened.sitting.id}"
    assert (
        await proctor.post(f"{sitting_url}/incidents", json={"note": "AC ruangan mati 10 menit"})
    ).status_code == 204
    enrollment = await db.scalar(
        select(Enrollment).where(Enrollment.sitting_id == opened.sitting.id).order_by(Enrollment.id)
    )
    assert enrollment is not None
    absent = await proctor.post(
        f"{sitting_url}/enrollments/{enrollment.id}/absent", json={"reason": "Tidak hadir"}
    )
    assert absent.status_code == 204
    free_seat = await db.scalar(
        select(func.max(Enrollment.seat_id)).where(Enrollment.sitting_id == opened.sitting.id)
    )
    assert free_seat is not None
    taken = await proctor.post(
        f"{sitting_url}/enrollments/{enrollment.id}/seat",
        json={"seat_id": free_seat, "reason": "Komputer rusak"},
    )
    assert taken.status_code == 409 and taken.json()["error"] == "seat_taken"
    moved = await proctor.post(
        f"{sitting_url}/enrollments/{enrollment.id}/seat",
        json={"seat_id": free_seat + 1, "reason": "Komputer rusak"},
    )
    assert moved.status_code == 204
    notes = (
        await db.scalars(
            select(AuditEvent.reason).where(
                AuditEvent.sitting_id == opened.sitting.id, AuditEvent.action == "sitting.incident"
            )
        )
    ).all()
    assert notes == ["AC ruangan mati 10 menit"]


async def test_a_proctor_of_another_sitting_gets_403_on_every_action(
    app: object, client: AsyncClient, db: AsyncSession, opened: OpenSitting
) -> None:
    kiosk = await _started(client, opened)
    outsider = await create_staff(db, "proctor")
    other = await open_sitting(db, participants=1)
    db.add(SittingProctor(sitting_id=other.sitting.id, staff_user_id=outsider.id))
    await db.flush()
    http = AsyncClient(
        transport=ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers={"Accept": "application/json"},
    )
    await login(http, outsider)
    s, a = f"/api/proctor/sittings/{opened.sitting.id}", f"/api/proctor/attempts/{kiosk.attempt_id}"
    reason = {"reason": "coba-coba"}
    calls = [
        (f"{s}/open", {}),
        (f"{s}/start", {}),
        (f"{s}/token/rotate", {}),
        (f"{s}/pause", reason),
        (f"{s}/resume", reason),
        (f"{s}/close", reason),
        (f"{s}/incidents", {"note": "xyz"}),
        (f"{s}/enrollments/1/absent", reason),
        (f"{s}/enrollments/1/seat", {"seat_id": 1, **reason}),
        (f"{a}/reset-login", reason),
        (f"{a}/extra-time", {"minutes": 1, **reason}),
        (f"{a}/pause", reason),
        (f"{a}/resume", reason),
        (f"{a}/terminate", reason),
    ]
    for path, body in calls:
        response = await http.post(path, json=body)
        assert response.status_code == 403, path
        assert response.json()["error"] == "not_your_sitting", path
    assert (await kiosk.call("POST", "/heartbeat")).json()["status"] == "in_progress"


async def test_a_room_resume_names_the_attempts_paused_one_by_one_for_the_push(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    first, second = await _started(client, opened, 0), await _started(client, opened, 1)
    alone = await proctor.post(
        f"/api/proctor/attempts/{second.attempt_id}/pause", json={"reason": "Sakit kepala"}
    )
    assert alone.status_code == 200
    sitting_url = f"/api/proctor/sittings/{opened.sitting.id}"
    await proctor.post(f"{sitting_url}/pause", json={"reason": "Listrik padam"})
    await proctor.post(f"{sitting_url}/resume", json={"reason": "Listrik kembali"})
    repository = AttemptRepository(db)
    assert await repository.paused_one_by_one(opened.sitting.id, 10) == [second.attempt_id]
    assert await repository.paused_one_by_one(opened.sitting.id, 0) is None  # too many to name
    assert (await first.call("POST", "/heartbeat")).json()["paused"] is False
    assert (await second.call("POST", "/heartbeat")).json()["paused"] is True
