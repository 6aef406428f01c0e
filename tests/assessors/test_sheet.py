"""The XLSX rating sheet: the template lists my participants × the method's competencies; the
import is all or nothing with every problem by row (files written with openpyxl)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors.models import AssessorRating
from tests.assessors.support import World, as_user, world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["nomor_peserta", "nama", "kode_kompetensi", "level", "catatan"]


@pytest.fixture
async def w(db: AsyncSession) -> World:
    return await world(db)


def _xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _method_id(client: AsyncClient, code: str) -> int:
    mine = (await client.get("/api/assessor/assignments")).json()
    assert mine
    page = await client.get("/assessor")
    marker = f'data-testid="sheet-{code}"'
    href = page.text.split(marker)[0].rsplit('href="', 1)[1].split('"')[0]
    return int(href.rsplit("/", 1)[1].removesuffix(".xlsx"))


async def _upload(client: AsyncClient, method_id: int, data: bytes, **form: str) -> Response:
    return await client.post(
        f"/api/assessor/sheet/{method_id}",
        files={"file": ("penilaian.xlsx", data, XLSX)},
        data=form,
    )


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(AssessorRating)) or 0)


async def test_the_template_lists_my_participants_and_the_methods_competencies(
    client: AsyncClient, w: World
) -> None:
    await as_user(client, w.assessor)
    lgd = await _method_id(client, "LGD")
    answer = await client.get(f"/api/assessor/sheet/{lgd}.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    rows = list(book["penilaian"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (w.people[0].participant_no, "Ani", "M.01"),
        (w.people[0].participant_no, "Ani", "M.03"),
        (w.people[1].participant_no, "Budi", "M.01"),
        (w.people[1].participant_no, "Budi", "M.03"),
    ]
    assert "petunjuk" in book.sheetnames
    await as_user(client, w.other)
    theirs = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/api/assessor/sheet/{lgd}.xlsx")).content)
    )
    names = {r[1] for r in list(theirs["penilaian"].iter_rows(values_only=True))[1:]}
    assert names == {"Budi"}  # only the other assessor's own participant


async def test_a_filled_template_saves_every_rating(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    lgd = await _method_id(client, "LGD")
    book = openpyxl.load_workbook(
        io.BytesIO((await client.get(f"/api/assessor/sheet/{lgd}.xlsx")).content)
    )
    sheet = book["penilaian"]
    sheet["D2"], sheet["E2"] = 3, "Mengajak semua bicara"
    sheet["D3"] = "4"
    sheet["D4"] = 2.0  # a spreadsheet's number
    buffer = io.BytesIO()
    book.save(buffer)
    checked = await _upload(client, lgd, buffer.getvalue(), dry_run="true")
    assert checked.status_code == 200 and await _count(db) == 0
    saved = await _upload(client, lgd, buffer.getvalue())
    assert saved.status_code == 200, saved.text
    assert saved.json()["changed"] == 3
    ratings = (await db.scalars(select(AssessorRating).order_by(AssessorRating.id))).all()
    assert [(r.competency_code, r.level, r.source, r.version) for r in ratings] == [
        ("M.01", 3, "sheet", 1),
        ("M.03", 4, "sheet", 1),
        ("M.01", 2, "sheet", 1),
    ]
    assert ratings[0].evidence == "Mengajak semua bicara"
    again = await _upload(client, lgd, buffer.getvalue())
    assert again.json()["changed"] == 0 and await _count(db) == 3


async def test_every_bad_row_is_reported_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    lgd = await _method_id(client, "LGD")
    ani, budi, citra = (p.participant_no for p in w.people)
    data = _xlsx(
        [
            [ani, "Ani", "M.01", 3, "baik"],  # row 2: good
            [ani, "Ani", "M.03", 7, ""],  # 3: bad level
            [budi, "Budi", "M.03", "tiga", ""],  # 4: bad level
            ["P-TIDAK-ADA", "?", "M.01", 3, ""],  # 5: unknown participant
            [citra, "Citra", "M.01", 3, ""],  # 6: registered, not assigned to me
            [budi, "Budi", "M.02", 3, ""],  # 7: M.02 is the interview's, not LGD's
            [ani, "Ani", "M.01", 4, ""],  # 8: duplicate of row 2
            [budi, "Budi", "M.01", None, "catatan tanpa level"],  # 9: a note without a level
            [budi, "Budi", "M.03", None, None],  # 10: not rated: skipped (no duplicate)
            [ani, "Ani", "M.03", 2.5, ""],  # 11: not a whole number, and row 3 again
        ]
    )
    answer = await _upload(client, lgd, data)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "invalid_rating_sheet"
    assert [(p["row"], p["column"], p["code"]) for p in body["detail"]] == [
        (3, "D", "bad_level"),
        (4, "D", "bad_level"),
        (5, "A", "unknown_participant"),
        (6, "A", "unassigned"),
        (7, "C", "competency_not_for_method"),
        (8, "C", "duplicate_row"),
        (9, "D", "bad_level"),
        (11, "C", "duplicate_row"),
        (11, "D", "bad_level"),
    ]
    assert all(" / " not in p["message_id"] and p["message_en"] for p in body["detail"])
    assert await _count(db) == 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        (
            "penilaian.xlsx",
            _xlsx([["P1", "x", "M.01", 3, ""]], ["nomor", "nama"]),
            "missing_column",
        ),
        ("penilaian.xlsx", b"not a workbook", "bad_zip"),
        ("penilaian.pdf", b"%PDF", "unsupported_file_type"),
        ("penilaian.xlsx", _xlsx([]), "no_rows"),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused(
    client: AsyncClient, db: AsyncSession, w: World, name: str, data: bytes, code: str
) -> None:
    await as_user(client, w.assessor)
    lgd = await _method_id(client, "LGD")
    answer = await client.post(f"/api/assessor/sheet/{lgd}", files={"file": (name, data, XLSX)})
    assert answer.status_code == 422, answer.text
    assert code in [p["code"] for p in answer.json()["detail"]]
    assert await _count(db) == 0


async def test_the_sheet_page_reports_by_row(
    client: AsyncClient, db: AsyncSession, w: World
) -> None:
    await as_user(client, w.assessor)
    lgd = await _method_id(client, "LGD")
    csrf = client.headers["X-CSRF-Token"]
    data = _xlsx([[w.people[0].participant_no, "Ani", "M.01", 9, ""]])
    answer = await client.post(
        "/assessor/sheet",
        data={"method_id": str(lgd), "action": "import", "csrf_token": csrf},
        files={"file": ("penilaian.xlsx", data, XLSX)},
        headers={"Accept": "text/html"},
    )
    assert answer.status_code == 422
    assert 'data-testid="sheet-report"' in answer.text and "Level" in answer.text
    assert await _count(db) == 0
    good = _xlsx([[w.people[0].participant_no, "Ani", "M.01", 4, "baik"]])
    saved = await client.post(
        "/assessor/sheet",
        data={"method_id": str(lgd), "action": "import", "csrf_token": csrf},
        files={"file": ("penilaian.xlsx", good, XLSX)},
    )
    assert saved.status_code == 200 and await _count(db) == 1
    assert "1 penilaian berubah" in saved.text
    checked = await client.post(
        "/assessor/sheet",
        data={"method_id": str(lgd), "action": "check", "csrf_token": csrf},
        files={"file": ("penilaian.xlsx", good, XLSX)},
    )
    assert "belum disimpan" in checked.text
    missing = await client.post(
        "/assessor/sheet",
        data={"method_id": "999999", "csrf_token": csrf},
        files={"file": ("penilaian.xlsx", good, XLSX)},
    )
    assert missing.status_code == 404
