"""Every upload's problems: at the top of the page it returns to, in reading order (file, sheet,
row, column), the plain-language message before the technical field path and code."""

from __future__ import annotations

from html import unescape

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.rooms import service as rooms
from item_bank.problems import Problem, reading_order
from tests.fixtures.factories import create_blueprint, create_sitting
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, admin_login, csv_bytes, positions

NIP = [f"19900101202001{n:04d}" for n in range(1, 10)]


def _problem(file: str, row: int | None, column: str | None = None, code: str = "x") -> Problem:
    return Problem(
        file=file, row=row, column=column, code=code, message_id="pesan", message_en="message"
    )


def test_reading_order_is_file_then_row_then_column_with_file_wide_problems_first() -> None:
    found = [
        _problem("b.csv", 3, "B"),
        _problem("a.csv", 9, "AA"),
        _problem("a.csv", 9, "Z"),
        _problem("a.csv", 2, "C"),
        _problem("a.csv", None, code="file_wide"),
        _problem("b.csv", 3, "B", code="second_in_cell"),
    ]
    ordered = [(p.file, p.row, p.column, p.code) for p in reading_order(found)]
    assert ordered == [
        ("a.csv", None, None, "file_wide"),
        ("a.csv", 2, "C", "x"),
        ("a.csv", 9, "Z", "x"),
        ("a.csv", 9, "AA", "x"),
        ("b.csv", 3, "B", "x"),
        ("b.csv", 3, "B", "second_in_cell"),
    ]


def _header(html: str) -> list[str]:
    table = html.split('data-testid="problems"', 1)[1].split("</thead>", 1)[0]
    cells = table.split("<th")[1:]
    return [unescape(cell.split(">", 1)[1].split("<", 1)[0]).strip() for cell in cells]


async def test_a_failed_roster_import_on_the_sitting_page_comes_first_plain_words_first(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    await positions(db, "JF-A")
    room = await rooms.create_grid_room(db, "LAB-PT", "Lab", 2, 3, Actor.system())
    sitting = await create_sitting(
        db, await rooms.get_room(db, room.id), await create_blueprint(db)
    )
    bad = csv_bytes(
        [
            ["P-1", "123", "Siti", "JF-X", "", "", "", "", "", ""],
            ["P-2", NIP[1], "Budi", "JF-A", "", "", "99-99-1990", "", "", ""],
            ["P-3", "456", "Ayu", "JF-A", "", "", "", "", "", ""],
        ]
    )
    refused = await client.post(
        f"/admin/sittings/{sitting.id}/roster?lang=en",
        headers=HTML,
        data={"action": "import"},
        files={"file": ("peserta.csv", bad)},
    )
    assert refused.status_code == 422
    page = refused.text
    # the report sits above the sitting's settings, roster and the import form itself
    assert page.index('data-testid="roster-report"') < page.index('data-testid="settings-form"')
    assert page.index('data-testid="roster-report"') < page.index('data-testid="roster-form"')
    header = _header(page)
    assert header.index("Message") < header.index("Technical detail")
    rows = table_rows(page, "problems")
    places = [(int(r[2]), r[3].split()[0]) for r in rows]
    assert places == sorted(places, key=lambda p: (p[0], len(p[1]), p[1]))
    assert {r[2] for r in rows} == {"2", "3", "4"}
    assert all(r[1] == "peserta.csv" and r[4] for r in rows)
    assert rows[0][-1].split()[-1] == "nip_not_18_digits"


async def test_a_failed_standards_upload_shows_its_problems_above_the_form(
    client: AsyncClient, db: AsyncSession
) -> None:
    await admin_login(client, db)
    bad = "kode_jabatan,nama_jabatan,M.01,X.99\nJF-1,Analis,7,3\nJF-2,,3,9\n"
    response = await client.post(
        "/admin/standards", headers=HTML, files={"file": ("standar.csv", bad.encode(), "text/csv")}
    )
    assert response.status_code == 422
    page = response.text
    assert page.index('data-testid="problems"') < page.index('data-testid="standards-file"')
    rows = table_rows(page, "problems")
    rows_seen = [int(r[2]) if r[2] else 0 for r in rows]
    assert rows_seen == sorted(rows_seen) and all(r[4] for r in rows)
