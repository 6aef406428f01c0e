"""Roster import against the database: every problem at once by row and column and nothing
written; a good roster registered, enrolled and seated; a re-import updates; the sitting opens."""

from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.auth.passwords import verify_password
from cact.blueprints.repository import BlueprintRepository
from cact.demo import service as demo
from cact.exam.models import Attempt, AttemptItem, Enrollment, Sitting
from cact.participants.models import Participant
from cact.rooms import service as rooms
from cact.rooms.models import Room, Seat
from cact.rosters.service import import_roster
from tests.fixtures.factories import create_blueprint, create_sitting
from tests.participants.support import (
    HEADER,
    admin_login,
    counts,
    csv_bytes,
    positions,
    xlsx_bytes,
)

ACTOR = Actor.system("test")
NIP = [f"19850330201001{n:04d}" for n in range(1, 30)]


async def _room(db: AsyncSession, rows: int = 2, cols: int = 3) -> Room:
    room = await rooms.create_grid_room(db, f"LAB-R{rows}{cols}", "Lab", rows, cols, ACTOR)
    return await rooms.get_room(db, room.id)


async def _sitting(db: AsyncSession, room: Room) -> Sitting:
    return await create_sitting(db, room, await create_blueprint(db))


async def _seats(db: AsyncSession, sitting: Sitting) -> dict[str, str | None]:
    rows = await db.execute(
        select(Participant.participant_no, Seat.label)
        .join(Enrollment, Enrollment.participant_id == Participant.id)
        .outerjoin(Seat, Seat.id == Enrollment.seat_id)
        .where(Enrollment.sitting_id == sitting.id)
    )
    return dict(rows.all())


def row(number: str, nip: str, name: str, position: str = "JF-A", **more: str) -> list[str]:
    values = {"unit_kerja": "", "instansi": "", "tanggal_lahir": "", "pin": "", "kinerja": ""}
    values.update(more)
    return [
        number,
        nip,
        name,
        position,
        values["unit_kerja"],
        values["instansi"],
        values["tanggal_lahir"],
        values["pin"],
        values["kinerja"],
        values.get("kursi", ""),
    ]


async def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(
    db: AsyncSession,
) -> None:
    await positions(db, "JF-A")
    room = await _room(db, 4, 6)
    sitting = await _sitting(db, room)
    taken = Participant(participant_no="X-001", nip=NIP[20], name="Sudah Duduk")
    other = Participant(participant_no="Y-001", nip=NIP[21], name="Terdaftar")
    third = Participant(participant_no="Z-001", nip=NIP[22], name="Orang Ketiga")
    db.add_all([taken, other, third])
    await db.flush()
    b03 = next(s for s in room.seats if s.label == "B03")
    db.add(Enrollment(sitting_id=sitting.id, participant_id=taken.id, seat_id=b03.id))
    await db.flush()
    before = await counts(db)

    rows = [
        row("P-001", NIP[0], "Baik", kursi="A01"),  # 2: fine
        row("P-002", NIP[1][:17], "NIP pendek"),  # 3
        row("P-003", NIP[0], "NIP kembar"),  # 4
        row("P-001", NIP[2], "Nomor kembar"),  # 5
        row("P-006", NIP[3], "Jabatan asing", "JF-NOPE"),  # 6
        row("P-007", NIP[4], ""),  # 7
        row("P-008", NIP[5], "Tanggal", tanggal_lahir="31/02/1990"),  # 8
        row("P-009", NIP[6], "Kursi asing", kursi="Z99"),  # 9
        row("P-010", NIP[7], "Kursi dua kali", kursi="a01"),  # 10
        row("P-011", NIP[8], "Kinerja", kinerja="bagus sekali"),  # 11
        row("P-012", NIP[9], "PIN", pin="12"),  # 12
        row("", "", "Tanpa identitas"),  # 13
        row("P-014", "1.98503E+17", "NIP dibulatkan Excel"),  # 14
        row("P-015", NIP[10], "Tanpa jabatan", ""),  # 15
        row("X-001", NIP[22], "Nomor X, NIP Z"),  # 16
        row("P-017", NIP[11], "Kursi terisi", kursi="B03"),  # 17
        row("Y-001", "", "Y lewat nomor"),  # 18
        row("", NIP[21], "Y lewat NIP"),  # 19
        row("P-020", NIP[12], "N" * 201),  # 20
        row("P 021", NIP[13], "Nomor berspasi"),  # 21
    ]
    report = await import_roster(
        db, csv_bytes(rows), "peserta.csv", sitting_id=sitting.id, actor=ACTOR
    )

    assert not report.valid
    rows_in_order = [p.row or 0 for p in report.problems]
    assert rows_in_order == sorted(rows_in_order)  # as a person reads the file
    found = {(p.row, p.column, p.code) for p in report.problems}
    assert found == {
        (3, "B", "nip_not_18_digits"),
        (4, "B", "duplicate_nip"),
        (5, "A", "duplicate_number"),
        (6, "D", "unknown_position"),
        (7, "C", "missing_name"),
        (8, "G", "bad_date"),
        (9, "J", "unknown_seat"),
        (10, "J", "seat_twice"),
        (11, "I", "bad_rating"),
        (12, "H", "bad_pin"),
        (13, "A", "missing_identity"),
        (14, "B", "digits_lost"),
        (15, "D", "missing_position"),
        (16, "B", "identity_conflict"),
        (17, "J", "seat_taken"),
        (19, "A", "same_participant"),
        (20, "C", "value_too_long"),
        (21, "A", "invalid_number"),
    }
    for problem in report.problems:
        assert problem.file == "peserta.csv"
        assert problem.header == HEADER[ord(problem.column or "A") - ord("A")]
        assert problem.message_id and problem.message_en
        assert problem.message_id != problem.message_en
        assert "{" not in problem.message_id + problem.message_en
    by_code = {p.code: p for p in report.problems}
    assert "X-001 (Sudah Duduk)" in by_code["seat_taken"].message_en
    assert "baris 2" in by_code["duplicate_number"].message_id
    assert "row 2" in by_code["duplicate_number"].message_en
    assert "LAB-R46" in by_code["unknown_seat"].message_en
    assert await counts(db) == before


async def test_too_few_free_seats_is_one_problem_for_the_file(db: AsyncSession) -> None:
    await positions(db, "JF-A")
    sitting = await _sitting(db, await _room(db, 1, 2))
    rows = [row(f"P-{n}", NIP[n], f"Peserta {n}") for n in range(3)]
    before = await counts(db)
    report = await import_roster(db, csv_bytes(rows), "p.csv", sitting_id=sitting.id, actor=ACTOR)
    assert [(p.row, p.code) for p in report.problems] == [(None, "not_enough_seats")]
    assert "2" in report.problems[0].message_en and "3" in report.problems[0].message_en
    assert await counts(db) == before


async def test_a_good_roster_registers_enrols_and_seats_everyone(db: AsyncSession) -> None:
    await positions(db, "JF-A", "JF-B")
    room = await _room(db)
    sitting = await _sitting(db, room)
    rows = [
        row(
            "P-001",
            NIP[0],
            "Siti Rahmawati",
            unit_kerja="BKPSDM",
            tanggal_lahir="30-03-1985",
            kinerja="sesuai ekspektasi",
            kursi="B01",
        ),
        row("", NIP[1], "Budi Santoso", "jf-b", pin="482913", instansi="Pemkab Contoh"),
        row("P-003", "", "Ayu Lestari", kursi="A01"),
    ]
    report = await import_roster(
        db, csv_bytes(rows), "peserta.csv", sitting_id=sitting.id, actor=ACTOR
    )

    assert report.valid, report.problems
    assert (report.created, report.updated, report.enrolled, report.seated) == (3, 0, 3, 3)
    assert await _seats(db, sitting) == {"P-001": "B01", NIP[1]: "A02", "P-003": "A01"}
    siti = await db.scalar(select(Participant).where(Participant.participant_no == "P-001"))
    assert siti is not None
    assert (siti.nip, siti.birth_date, siti.performance_rating, siti.unit) == (
        NIP[0],
        date(1985, 3, 30),
        "meets",
        "BKPSDM",
    )
    budi = await db.scalar(select(Participant).where(Participant.nip == NIP[1]))
    assert budi is not None and budi.pin_hash is not None
    assert budi.pin_hash.startswith("$argon2")
    assert await verify_password(budi.pin_hash, "482913")
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "roster.import"))
    assert event is not None and event.sitting_id == sitting.id
    assert event.details["created"] == 3


async def test_a_re_import_updates_people_and_seats_and_the_sitting_then_opens(
    client: AsyncClient, db: AsyncSession
) -> None:
    await demo.load_bank(db)
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    await positions(db, "JF-A", "JF-B")
    room = await _room(db)
    sitting = await create_sitting(db, room, blueprint)
    first = [
        row("P-001", NIP[0], "Siti", unit_kerja="BKPSDM", kursi="A01"),
        row("P-002", NIP[1], "Budi", kursi="A02"),
        row("P-003", NIP[2], "Ayu"),
    ]
    report = await import_roster(db, csv_bytes(first), "a.csv", sitting_id=sitting.id, actor=ACTOR)
    assert report.valid, report.problems
    assert await _seats(db, sitting) == {"P-001": "A01", "P-002": "A02", "P-003": "A03"}

    again = [
        # matched by NIP, the number is given: it changes; the empty unit keeps "BKPSDM"
        row("P-101", NIP[0], "Siti Rahmawati", "JF-B", kursi="A02"),
        row("P-002", "", "Budi Santoso", kursi="A01"),  # the two swap seats
        row("P-004", NIP[3], "Dewi"),  # new: the next free seat
    ]
    report = await import_roster(
        db, xlsx_bytes(again), "b.xlsx", sitting_id=sitting.id, actor=ACTOR
    )
    assert report.valid, report.problems
    assert (report.created, report.updated, report.enrolled, report.seated) == (1, 2, 1, 3)
    assert await counts(db) == (4, 4)
    assert await _seats(db, sitting) == {
        "P-101": "A02",
        "P-002": "A01",
        "P-003": "A03",  # not in the file: stays where it was
        "P-004": "B01",
    }
    siti = await db.scalar(select(Participant).where(Participant.nip == NIP[0]))
    assert siti is not None
    assert (siti.participant_no, siti.name, siti.unit) == ("P-101", "Siti Rahmawati", "BKPSDM")
    budi = await db.scalar(select(Participant).where(Participant.participant_no == "P-002"))
    assert budi is not None and budi.nip == NIP[1]  # an empty NIP cell keeps the stored one

    await admin_login(client, db)
    opened = await client.post(f"/api/sittings/{sitting.id}/open")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open" and len(opened.json()["token"]) == 6
    attempts = await db.scalar(
        select(func.count()).select_from(Attempt).where(Attempt.sitting_id == sitting.id)
    )
    items = await db.scalar(
        select(func.count())
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.sitting_id == sitting.id)
    )
    assert attempts == 4 and (items or 0) > 0

    late = await client.post(
        "/api/participants/import",
        data={"sitting_id": str(sitting.id)},
        files={"file": ("c.csv", csv_bytes([row("P-009", NIP[9], "Terlambat")]), "text/csv")},
    )
    assert late.status_code == 409
    assert late.json()["error"] == "roster_sitting_not_scheduled"


async def test_register_only_import_and_a_check_that_writes_nothing(db: AsyncSession) -> None:
    await positions(db, "JF-A")
    data = csv_bytes([row("P-001", NIP[0], "Siti")[:9]], HEADER[:9])
    before = await counts(db)
    checked = await import_roster(db, data, "p.csv", sitting_id=None, actor=ACTOR, dry_run=True)
    assert checked.valid and checked.dry_run and checked.created == 1
    assert await counts(db) == before
    done = await import_roster(db, data, "p.csv", sitting_id=None, actor=ACTOR)
    assert done.valid and done.created == 1 and done.enrolled == 0
    assert await counts(db) == (before[0] + 1, before[1])


async def test_a_seat_column_without_a_sitting_is_a_problem(db: AsyncSession) -> None:
    await positions(db, "JF-A")
    data = csv_bytes([row("P-001", NIP[0], "Siti", kursi="A01")])
    report = await import_roster(db, data, "p.csv", sitting_id=None, actor=ACTOR)
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (1, "J", "seat_without_sitting")
    ]


async def test_the_api_refuses_an_xlsx_with_a_nip_typed_as_a_number(
    client: AsyncClient, db: AsyncSession
) -> None:
    await positions(db, "JF-A")
    sitting = await _sitting(db, await _room(db))
    await admin_login(client, db)
    before = await counts(db)
    bad = xlsx_bytes(
        [
            row("P-001", NIP[0], "Siti"),
            [*row("P-002", "", "Budi")[:1], 198503302010011002, *row("P-002", "", "Budi")[2:]],
        ]
    )
    refused = await client.post(
        "/api/participants/import",
        data={"sitting_id": str(sitting.id)},
        files={"file": ("peserta.xlsx", bad, "application/octet-stream")},
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "invalid_roster"
    assert [(p["sheet"], p["row"], p["column"], p["code"]) for p in body["detail"]] == [
        ("Peserta", 3, "B", "digits_lost")
    ]
    assert await counts(db) == before

    good = xlsx_bytes([row("P-001", NIP[0], "Siti"), row("P-002", NIP[1], "Budi")])
    accepted = await client.post(
        "/api/participants/import",
        data={"sitting_id": str(sitting.id)},
        files={"file": ("peserta.xlsx", good, "application/octet-stream")},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["enrolled"] == 2
    listed = await client.get("/api/participants", params={"q": "budi"})
    assert [p["participant_no"] for p in listed.json()["items"]] == ["P-002"]
    assert listed.json()["items"][0]["has_pin"] is False
    assert "pin_hash" not in listed.json()["items"][0]
