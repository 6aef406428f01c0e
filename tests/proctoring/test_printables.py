"""What the proctor prints: daftar hadir, berita acara (counts and incidents) and login cards."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Enrollment, SittingProctor
from cact.participants.models import Participant
from cact.proctoring.printables import clock_time, long_date
from cact.rooms.models import Seat
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=5, started=False)


@pytest.fixture
async def proctor(app: object, db: AsyncSession, opened: OpenSitting) -> AsyncClient:
    user = await create_staff(db, "proctor")
    user.full_name = "Sri Wahyuni"
    db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=user.id))
    await db.flush()
    http = AsyncClient(
        transport=ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers={"Accept": "application/json"},
    )
    await login(http, user)
    return http


def _testid(html: str, name: str) -> str:
    found = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


async def _started(client: AsyncClient, opened: OpenSitting, n: int) -> KioskClient:
    kiosk = KioskClient(client, opened.participant_nos[n], opened.token)
    await kiosk.login()
    assert (await kiosk.call("POST", "/attempt/start")).status_code == 200  # type: ignore[attr-defined]
    return kiosk


async def test_the_berita_acara_counts_the_room_and_lists_every_incident(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    sitting_url = f"/api/proctor/sittings/{opened.sitting.id}"
    assert (await proctor.post(f"{sitting_url}/start")).status_code == 200
    done = await _started(client, opened, 0)
    assert (await done.call("POST", "/finish")).status_code == 200  # type: ignore[attr-defined]
    cheat = await _started(client, opened, 1)
    ended = await proctor.post(
        f"/api/proctor/attempts/{cheat.attempt_id}/terminate",
        json={"reason": "Membuka catatan di meja"},
    )
    assert ended.status_code == 200
    late = await _started(client, opened, 2)
    extra = await proctor.post(
        f"/api/proctor/attempts/{late.attempt_id}/extra-time",
        json={"minutes": 7, "reason": "Komputer sempat mati"},
    )
    assert extra.status_code == 200
    notes = [
        {"note": "AC ruangan mati 10 menit"},
        {"note": "Peserta pindah ke kursi cadangan", "attempt_id": late.attempt_id},
    ]
    for body in notes:
        assert (await proctor.post(f"{sitting_url}/incidents", json=body)).status_code == 204
    # participants 3 and 4 never come
    closed = await proctor.post(f"{sitting_url}/close", json={"reason": "Waktu sesi habis"})
    assert closed.status_code == 200

    page = await proctor.get(f"/proctor/sittings/{opened.sitting.id}/print/report")
    assert page.status_code == 200
    html = page.text
    assert "BERITA ACARA PELAKSANAAN" in html
    counts = {
        name: int(_testid(html, f"count-{name}"))
        for name in ("registered", "present", "absent", "finished", "terminated")
    }
    assert counts == {"registered": 5, "present": 3, "absent": 2, "finished": 2, "terminated": 1}
    assert 'data-testid="count-unfinished"' not in html  # everyone is done after the close
    assert _testid(html, "time-closed") != "belum ditutup"
    assert _testid(html, "time-started") != "—"
    assert re.search(r'data-testid="started-by">oleh staff\d+<', html)  # who pressed start

    rows = re.findall(r'<tr data-testid="incident-row">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    assert "AC ruangan mati 10 menit" in rows[0] and "Sri Wahyuni" in rows[0]
    late_name = await _name(proctor, opened, 2)
    assert "Peserta pindah ke kursi cadangan" in rows[1] and late_name in rows[1]
    actions = html[html.index('data-testid="report-actions"') :]
    assert "Ujian peserta dihentikan" in actions and "Membuka catatan di meja" in actions
    assert "+7 menit: Komputer sempat mati" in actions
    assert "Sesi ditutup" in actions and "Waktu sesi habis" in actions
    assert "Sri Wahyuni" in html[html.index('class="signatures"') :]  # the signature line
    assert "@page" not in html and "/static/proctor/print.css" in html


async def _name(proctor: AsyncClient, opened: OpenSitting, n: int) -> str:
    tiles = (await proctor.get(f"/api/proctor/sittings/{opened.sitting.id}/tiles")).json()
    return str(next(t["name"] for t in tiles["tiles"] if t["number"] == opened.participant_nos[n]))


async def test_the_berita_acara_of_a_quiet_room_says_so(
    proctor: AsyncClient, opened: OpenSitting
) -> None:
    html = (await proctor.get(f"/proctor/sittings/{opened.sitting.id}/print/report")).text
    assert 'data-testid="no-incidents"' in html
    assert _testid(html, "count-registered") == "5" and _testid(html, "count-absent") == "5"
    assert _testid(html, "time-closed") == "belum ditutup"


async def test_the_daftar_hadir_lists_the_roster_in_seat_order_with_a_signature_column(
    proctor: AsyncClient, opened: OpenSitting, db: AsyncSession
) -> None:
    html = (await proctor.get(f"/proctor/sittings/{opened.sitting.id}/print/attendance")).text
    assert "DAFTAR HADIR PESERTA" in html and "Tanda tangan" in html
    rows = re.findall(r'<tr data-testid="attendance-row">(.*?)</tr>', html, re.S)
    assert len(rows) == 5
    seated = (
        await db.execute(
            select(Seat.label, Participant.participant_no, Participant.name)
            .join(Enrollment, Enrollment.seat_id == Seat.id)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .where(Enrollment.sitting_id == opened.sitting.id)
            .order_by(Seat.grid_row, Seat.grid_col)
        )
    ).all()
    for row, (label, number, name) in zip(rows, seated, strict=True):
        assert label in row and number in row and name in row
    assert "1. .................." in rows[0] and "2. .................." in rows[1]
    assert "Sri Wahyuni" in html


async def test_login_cards_leave_the_token_blank_unless_asked(
    proctor: AsyncClient, opened: OpenSitting
) -> None:
    url = f"/proctor/sittings/{opened.sitting.id}/print/cards"
    blank = (await proctor.get(url)).text
    assert blank.count('data-testid="login-card"') == 5
    assert opened.token not in blank and 'class="lc-blank"' in blank
    for number in opened.participant_nos:
        assert f">{number}<" in blank
    with_token = (await proctor.get(f"{url}?token=1")).text
    assert with_token.count(f">{opened.token}<") == 5


def test_dates_and_times_are_written_the_indonesian_way() -> None:
    moment = datetime(2026, 11, 23, 1, 5, tzinfo=UTC)  # 08.05 WIB, 09.05 WITA, 10.05 WIT
    assert long_date(moment) == "Senin, 23 November 2026"
    assert clock_time(moment) == "08.05 WIB"  # the default zone, Asia/Jakarta
    assert clock_time(moment, "Asia/Makassar") == "09.05 WITA"
    assert clock_time(moment, "Asia/Jayapura") == "10.05 WIT"
    assert long_date(datetime(2026, 11, 23, 16, 30, tzinfo=UTC), "Asia/Jayapura").startswith(
        "Selasa"
    )
    assert long_date(None) == "—" and clock_time(None) == "—"
