"""Standards files (CSV and XLSX written in tmp_path) → positions and required levels, all or
nothing, every problem with its row and column in both languages."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.demo import people
from cact.demo.service import load_bank
from cact.standards.models import CompetencyStandard, Position
from cact.standards.service import (
    StandardsRejected,
    import_standards_file,
    load_demo_standards,
)

ACTOR = Actor.system("test")
HEADER = "kode_jabatan,nama_jabatan,kelompok,M.01,M.02,M.03,M.04,M.05,M.06,M.07,M.08,SK.01"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _xlsx(tmp_path: Path, rows: list[list[object]], name: str = "standar.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Standar"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


async def _standard(db: AsyncSession, code: str) -> dict[str, int]:
    rows = await db.execute(
        select(CompetencyStandard.competency_code, CompetencyStandard.required_level)
        .join(Position, Position.id == CompetencyStandard.position_id)
        .where(Position.code == code)
    )
    return {competency: level for competency, level in rows}


async def _positions(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Position)) or 0)


async def test_a_csv_with_indonesian_headers_creates_positions_and_their_standards(
    db: AsyncSession, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "standar.csv",
        f"{HEADER}\n"
        "JF-UJI-1,Analis Uji Ahli Pertama,fungsional,2,2,2,2,2,2,2,2,2\n"
        "JP-UJI-2,Kepala Seksi Uji,,3,3,3,3,,3,3,3,3\n",
    )
    report = await import_standards_file(db, path, ACTOR)

    assert report.positions_created == ["JF-UJI-1", "JP-UJI-2"]
    assert report.required_levels == 17  # a blank cell: that competency is not required
    assert await _standard(db, "JF-UJI-1") == {code: 2 for code in HEADER.split(",")[3:]}
    second = await _standard(db, "JP-UJI-2")
    assert "M.05" not in second and second["SK.01"] == 3
    position = await db.scalar(select(Position).where(Position.code == "JP-UJI-2"))
    assert position is not None and (position.name, position.group) == ("Kepala Seksi Uji", None)
    logged = await db.scalar(select(AuditEvent).where(AuditEvent.action == "standards.import"))
    assert logged is not None and logged.details["positions_created"] == ["JF-UJI-1", "JP-UJI-2"]


async def test_importing_again_updates_the_position_and_replaces_its_standard(
    db: AsyncSession, tmp_path: Path
) -> None:
    first = _write(tmp_path, "a.csv", "kode_jabatan;nama_jabatan;M.01;M.02\nJF-X;Lama;2;2\n")
    await import_standards_file(db, first, ACTOR)
    second = _write(
        tmp_path,
        "b.csv",
        "position_code,position_name,group,M.01,SK.01\nJF-X,Baru,fungsional,4,3\n",
    )
    report = await import_standards_file(db, second, ACTOR)
    assert report.positions_updated == ["JF-X"] and report.positions_created == []
    assert await _standard(db, "JF-X") == {"M.01": 4, "SK.01": 3}
    position = await db.scalar(select(Position).where(Position.code == "JF-X"))
    assert position is not None and (position.name, position.group) == ("Baru", "fungsional")


async def test_every_problem_comes_back_with_its_row_and_column_and_nothing_is_saved(
    db: AsyncSession, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "salah.csv",
        "kode_jabatan,nama_jabatan,M.01,X.99,catatan,M.02\n"
        "JF-A,Analis A,3,,,2\n"  # row 2: fine
        "JF-B,Analis B,7,,,tiga\n"  # row 3: two bad levels
        ",Tanpa Kode,3,,,3\n"  # row 4: no code
        "JF-A,Analis A lagi,3,,,3\n"  # row 5: duplicate
        "JF-C,,3,,,3\n"  # row 6: no name
        "JF-D,Tanpa Level,,,,\n",  # row 7: nothing required
    )
    before = await _positions(db)
    with pytest.raises(StandardsRejected) as rejected:
        await import_standards_file(db, path, ACTOR)
    found = {(p.row, p.column, p.code) for p in rejected.value.problems}
    assert found == {
        (1, "D", "unknown_competency"),
        (1, "E", "unknown_column"),
        (3, "C", "level_out_of_range"),
        (3, "F", "level_out_of_range"),
        (4, "A", "missing_position_code"),
        (5, "A", "duplicate_position"),
        (6, "B", "missing_position_name"),
        (7, None, "no_levels"),
    }
    duplicate = next(p for p in rejected.value.problems if p.code == "duplicate_position")
    assert duplicate.message_id == 'Jabatan "JF-A" sudah ada di baris 2.'
    assert duplicate.message_en == 'The position "JF-A" already appears on row 2.'
    assert duplicate.where() == "salah.csv:5:A (kode_jabatan)"
    assert all(p.message_id and p.message_en for p in rejected.value.problems)
    assert await _positions(db) == before


async def test_an_xlsx_file_is_read_and_checked_the_same_way(
    db: AsyncSession, tmp_path: Path
) -> None:
    good = _xlsx(
        tmp_path,
        [
            ["Kode Jabatan", "Nama Jabatan", "Kelompok", "M.01 Integritas", "SK.01"],
            ["JF-XL", "Pranata Uji", "fungsional", 3, 2.0],
        ],
    )
    report = await import_standards_file(db, good, ACTOR)
    assert report.positions_created == ["JF-XL"]
    assert await _standard(db, "JF-XL") == {"M.01": 3, "SK.01": 2}

    bad = _xlsx(
        tmp_path,
        [["kode_jabatan", "nama_jabatan", "M.01"], ["JF-Y", "Y", 0], ["JF-Z", "Z", 2.5]],
        "salah.xlsx",
    )
    with pytest.raises(StandardsRejected) as rejected:
        await import_standards_file(db, bad, ACTOR)
    assert [(p.sheet, p.row, p.column, p.code) for p in rejected.value.problems] == [
        ("Standar", 2, "C", "level_out_of_range"),
        ("Standar", 3, "C", "level_out_of_range"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("kosong.csv", b"", "empty_file"),
        ("spasi.csv", b"\n ,  \n", "empty_file"),
        ("latin1.csv", "kode_jabatan,nama_jabatan,M.01\nJF-É,Pegawai,3\n".encode("cp1252"),
         "bad_encoding"),
        ("standar.txt", b"kode_jabatan", "unsupported_file_type"),
        ("rusak.xlsx", b"PK\x03\x04 not really a workbook", "bad_zip"),
        ("tanpa.csv", b"kode_jabatan,nama_jabatan\nJF-A,A\n", "no_competency_columns"),
        ("kolom.csv", b"nama_jabatan,M.01\nA,3\n", "missing_column"),
    ],
)  # fmt: skip
async def test_unusable_files_are_refused_with_a_reason(
    db: AsyncSession, tmp_path: Path, name: str, data: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(StandardsRejected) as rejected:
        await import_standards_file(db, path, ACTOR)
    assert code in [p.code for p in rejected.value.problems]


async def test_utf16_with_a_byte_order_mark_is_read(db: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    text = "kode_jabatan\tnama_jabatan\tM.01\nJF-U\tPenata Ü\t3\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    report = await import_standards_file(db, path, ACTOR)
    assert report.positions_created == ["JF-U"]


async def test_the_demo_standards_cover_the_three_demo_positions(db: AsyncSession) -> None:
    await load_bank(db)  # T.ADM.01 is declared by the demo bank
    report = await load_demo_standards(db, ACTOR)
    codes = [code for code, _, _ in people.POSITIONS]
    assert sorted(report.positions_created + report.positions_updated) == sorted(codes)
    for code in codes:
        standard = await _standard(db, code)
        assert len(standard) == 10 and "T.ADM.01" in standard
        assert all(1 <= level <= 5 for level in standard.values())


async def test_the_admin_api_imports_and_lists_positions(
    admin_client: AsyncClient, tmp_path: Path
) -> None:
    data = f"{HEADER}\nJF-API,Analis API,fungsional,3,3,3,3,3,3,3,3,2\n".encode()
    response = await admin_client.post(
        "/api/standards/import", files={"file": ("standar.csv", data, "text/csv")}
    )
    assert response.status_code == 200, response.text
    assert response.json()["positions_created"] == ["JF-API"]

    listed = (await admin_client.get("/api/positions", params={"limit": 1000})).json()
    found = next(p for p in listed["items"] if p["code"] == "JF-API")
    detail = (await admin_client.get(f"/api/positions/{found['id']}")).json()
    assert detail["group"] == "fungsional"
    assert [(s["competency"], s["required_level"]) for s in detail["standard"]][-1] == ("SK.01", 2)
    assert detail["standard"][0]["name_id"] == "Integritas"
    missing = await admin_client.get("/api/positions/987654321")
    assert missing.status_code == 404 and missing.json()["error"] == "position_not_found"


async def test_the_admin_api_answers_422_with_every_problem(admin_client: AsyncClient) -> None:
    data = b"kode_jabatan,nama_jabatan,M.01,Q.77\nJF-1,A,9,\n"
    response = await admin_client.post(
        "/api/standards/import", files={"file": ("salah.csv", data, "text/csv")}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_standards"
    assert [(p["row"], p["column"], p["code"]) for p in body["detail"]] == [
        (1, "D", "unknown_competency"),
        (2, "C", "level_out_of_range"),
    ]
    assert body["detail"][0]["message_id"].startswith('Kompetensi "Q.77"')
