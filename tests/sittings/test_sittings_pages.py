"""The admin pages for sittings and participants: rendered for a person (Accept: text/html),
forms that create, import, seat and open, and refusals explained on the page."""

from __future__ import annotations

from html import unescape
from zoneinfo import ZoneInfo

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.blueprints.repository import BlueprintRepository
from cact.demo import service as demo
from cact.exam.models import Sitting
from cact.participants.models import Participant
from cact.rooms import service as rooms
from tests.fixtures.factories import create_staff
from tests.fixtures.html import table_rows
from tests.participants.support import (
    HTML,
    admin_login,
    counts,
    csv_bytes,
    positions,
    untranslated,
)

NIP = [f"19900101202001{n:04d}" for n in range(1, 10)]


def _row(number: str, nip: str, name: str, seat: str = "", position: str = "JF-A") -> list[str]:
    return [number, nip, name, position, "BKPSDM", "Pemkab", "01-01-1990", "", "", seat]


async def _setup(db: AsyncSession) -> tuple[int, int]:
    await demo.load_bank(db)
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    room = await rooms.create_grid_room(db, "LAB-PG", "Lab Halaman", 2, 3, Actor.system())
    await positions(db, "JF-A")
    return room.id, blueprint.id


async def test_create_a_sitting_import_its_roster_seat_and_open_it_from_the_pages(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    rina = await create_staff(db, "proctor", username="rina")
    room_id, blueprint_id = await _setup(db)
    listing = await client.get("/admin/sittings", headers=HTML)
    assert listing.status_code == 200 and untranslated(listing.text) == []
    assert "rina" in listing.text  # offered as a proctor

    created = await client.post(
        "/admin/sittings",
        headers=HTML,
        data={
            "code": "ASN-PG",
            "title": "Asesmen Halaman",
            "room_id": str(room_id),
            "blueprint_id": str(blueprint_id),
            "starts_at": "2026-11-23T08:00",
            "scoring_policy_id": "",
            "end_screen": "results",
            "proctor_ids": [str(rina.id)],
        },
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    sitting = await db.scalar(select(Sitting).where(Sitting.code == "ASN-PG"))
    assert sitting is not None and sitting.end_screen == "results"
    wib = sitting.starts_at.astimezone(ZoneInfo("Asia/Jakarta"))  # the room's default zone
    assert wib.strftime("%Y-%m-%d %H:%M") == "2026-11-23 08:00"

    page = await client.get(created.headers["location"], headers=HTML)
    assert page.status_code == 200 and untranslated(page.text) == []
    assert "Sesi dibuat." in page.text and 'data-testid="open-form"' in page.text

    before = await counts(db)
    bad = csv_bytes([_row("P-1", NIP[0], "Siti", "A01"), _row("P-2", NIP[1], "Budi", "A01")])
    refused = await client.post(
        f"{url}/roster", headers=HTML, data={"action": "import"}, files={"file": ("p.csv", bad)}
    )
    assert refused.status_code == 422
    problems = table_rows(refused.text, "problems")
    assert [(p[2], p[3].split()[0], p[-1].split()[-1]) for p in problems] == [
        ("3", "J", "seat_twice")
    ]
    assert await counts(db) == before

    good = csv_bytes([_row("P-1", NIP[0], "Siti", "B01"), _row("P-2", NIP[1], "Budi")])
    checked = await client.post(
        f"{url}/roster", headers=HTML, data={"action": "check"}, files={"file": ("p.csv", good)}
    )
    assert checked.status_code == 200 and "Pemeriksaan selesai" in checked.text
    assert await counts(db) == before
    imported = await client.post(
        f"{url}/roster", headers=HTML, data={"action": "import"}, files={"file": ("p.csv", good)}
    )
    assert imported.status_code == 303
    detail = (await client.get(f"/api/sittings/{sitting.id}")).json()
    assert {e["participant_no"]: e["seat_label"] for e in detail["enrollments"]} == {
        "P-1": "B01",
        "P-2": "A01",
    }
    ids = {e["participant_no"]: e["id"] for e in detail["enrollments"]}
    seats = {
        s["label"]: s["id"] for s in (await client.get(f"/api/rooms/{room_id}")).json()["seats"]
    }
    roster_page = await client.get(url, headers=HTML)
    assert [r[0] for r in table_rows(roster_page.text, "roster")] == ["P-2", "P-1"]

    twice = await client.post(
        f"{url}/seats",
        headers=HTML,
        data={f"seat_{ids['P-1']}": str(seats["A03"]), f"seat_{ids['P-2']}": str(seats["A03"])},
    )
    assert twice.status_code == 409 and "A03" in twice.text
    by_hand = await client.post(
        f"{url}/seats",
        headers=HTML,
        data={f"seat_{ids['P-1']}": str(seats["A03"]), f"seat_{ids['P-2']}": str(seats["B03"])},
    )
    assert by_hand.status_code == 303
    detail = (await client.get(f"/api/sittings/{sitting.id}")).json()
    assert sorted(e["seat_label"] for e in detail["enrollments"]) == ["A03", "B03"]

    opened = await client.post(f"{url}/open", headers=HTML)
    assert opened.status_code == 303
    after = await client.get(opened.headers["location"], headers=HTML)
    assert 'data-testid="token"' in after.text and "Sesi dibuka" in after.text
    assert 'data-testid="open-form"' not in after.text
    again = await client.post(f"{url}/open", headers=HTML)
    assert again.status_code == 409 and "Sesi sudah dibuka sebelumnya." in again.text


async def test_waves_from_the_page_and_their_refusals(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    room_id, blueprint_id = await _setup(db)
    form = {
        "code": "BKD-2026",
        "title": "Pemetaan 2026",
        "room_id": str(room_id),
        "blueprint_id": str(blueprint_id),
        "starts": "2026-11-23 08:00\n2026-11-23 10:30\n\n24-11-2026 08:00\n",
    }
    bad = await client.post(
        "/admin/sittings/waves", headers=HTML, data={**form, "starts": "besok pagi"}
    )
    assert bad.status_code == 422 and "besok pagi" in unescape(bad.text)
    created = await client.post("/admin/sittings/waves", headers=HTML, data=form)
    assert created.status_code == 303
    listing = await client.get(created.headers["location"], headers=HTML)
    codes = sorted(r[0] for r in table_rows(listing.text, "sittings"))
    assert codes == ["BKD-2026-G1", "BKD-2026-G2", "BKD-2026-G3"]
    clash = await client.post("/admin/sittings/waves", headers=HTML, data=form)
    assert clash.status_code == 409 and "BKD-2026-G1" in clash.text


async def test_the_register_page_imports_searches_and_reports(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    await positions(db, "JF-A")
    page = await client.get("/admin/participants", headers=HTML)
    assert page.status_code == 200 and untranslated(page.text) == []
    header = ("nomor_peserta", "nip", "nama", "kode_jabatan", "tanggal_lahir", "pin", "kinerja")
    data = csv_bytes(
        [
            ["P-1", NIP[0], "Siti Rahmawati", "JF-A", "30 Maret 1985", "", "di atas ekspektasi"],
            ["", NIP[1], "Budi Santoso", "JF-A", "", "4821", ""],
            ["P-3", "12345", "Ayu", "JF-X", "", "", ""],
        ],
        header,
    )
    refused = await client.post(
        "/admin/participants/import?lang=en",
        headers=HTML,
        data={"action": "import", "sitting_id": ""},
        files={"file": ("peserta.csv", data)},
    )
    assert refused.status_code == 422
    rows = table_rows(refused.text, "problems")
    assert [(r[2], r[3].split()[0], r[-1].split()[-1]) for r in rows] == [
        ("4", "B", "nip_not_18_digits"),
        ("4", "D", "unknown_position"),
    ]
    assert 'The NIP "12345" must be exactly 18 digits.' in unescape(refused.text)

    fixed = data.replace(b"12345,Ayu,JF-X", NIP[2].encode() + b",Ayu,JF-A")
    imported = await client.post(
        "/admin/participants/import?lang=id",
        headers=HTML,
        data={"action": "import", "sitting_id": ""},
        files={"file": ("peserta.csv", fixed)},
    )
    assert imported.status_code == 200
    assert table_rows(imported.text, "roster-outcome")[:2] == [
        ["Baris", "3"],
        ["Peserta baru", "3"],
    ]
    found = await client.get("/admin/participants", params={"q": "budi"}, headers=HTML)
    listed = table_rows(found.text, "participants")
    assert [(r[0], r[2], r[5]) for r in listed] == [(NIP[1], "Budi Santoso", "PIN")]
    siti = await db.scalar(select(Participant).where(Participant.participant_no == "P-1"))
    assert siti is not None and siti.performance_rating == "above"

    template = await client.get("/admin/participants/template.csv")
    assert template.status_code == 200 and template.content.startswith(b"\xef\xbb\xbf")
    assert template.text.lstrip("\ufeff").startswith("nomor_peserta,nip,nama,kode_jabatan")
