"""Performance ratings for the nine-box: CSV/XLSX by participant number or NIP, all or nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.participants.models import Participant
from cact.scoring.models import Result, ResultCompetency
from cact.scoring.performance import PerformanceRejected, import_performance, parse_rating
from cact.scoring.service import score_attempt
from cact.standards.service import load_demo_standards
from tests.fixtures.factories import create_participant
from tests.fixtures.sittings import KioskClient, open_sitting
from tests.scoring.sat import sit

ACTOR = Actor.system("test")


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("di bawah ekspektasi", "below"),
        ("Dibawah Ekspektasi", "below"),
        ("SESUAI EKSPEKTASI", "meets"),
        ("di_atas-ekspektasi", "above"),
        ("above", "above"),
        ("Meets expectations", "meets"),
        ("baik", None),
        (None, None),
    ],
)
def test_ratings_are_read_in_english_or_indonesian(text: str | None, rating: str | None) -> None:
    assert parse_rating(text) == rating


async def _rating(db: AsyncSession, participant: Participant) -> str | None:
    await db.refresh(participant)
    return participant.performance_rating


async def test_a_csv_by_participant_number_sets_each_rating(
    db: AsyncSession, tmp_path: Path
) -> None:
    a, b = await create_participant(db), await create_participant(db)
    path = tmp_path / "kinerja.csv"
    path.write_text(
        "nomor_peserta,predikat_kinerja\n"
        f"{a.participant_no},Di atas ekspektasi\n"
        f"{b.participant_no},sesuai ekspektasi\n",
        encoding="utf-8",
    )
    updated, rescored = await import_performance(db, path.name, path.read_bytes(), ACTOR)
    assert (updated, rescored) == (2, [])
    assert (await _rating(db, a), await _rating(db, b)) == ("above", "meets")


async def test_an_xlsx_by_nip_is_read_the_same_way(db: AsyncSession, tmp_path: Path) -> None:
    person = await create_participant(db)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["NIP", "Kinerja"])
    sheet.append([person.nip, "di bawah ekspektasi"])
    path = tmp_path / "kinerja.xlsx"
    workbook.save(path)
    updated, _ = await import_performance(db, path.name, path.read_bytes(), ACTOR)
    assert updated == 1 and await _rating(db, person) == "below"


async def test_row_problems_reject_the_whole_file(db: AsyncSession, tmp_path: Path) -> None:
    a, b = await create_participant(db), await create_participant(db)
    path = tmp_path / "kinerja.csv"
    path.write_text(
        "nomor_peserta,nip,kinerja\n"
        f"{a.participant_no},,sesuai ekspektasi\n"  # row 2: fine
        "P-TIDAK-ADA,,sesuai ekspektasi\n"  # row 3: unknown
        f"{b.participant_no},,luar biasa\n"  # row 4: not a rating
        f"{a.participant_no},,di atas ekspektasi\n"  # row 5: repeated
        f"{a.participant_no},{b.nip},di atas ekspektasi\n"  # row 6: two people
        ",,sesuai ekspektasi\n",  # row 7: nobody
        encoding="utf-8",
    )
    with pytest.raises(PerformanceRejected) as rejected:
        await import_performance(db, path.name, path.read_bytes(), ACTOR)
    assert [(p.row, p.column, p.code) for p in rejected.value.problems] == [
        (3, "A", "unknown_participant"),
        (4, "C", "invalid_rating"),
        (5, "A", "duplicate_participant"),
        (6, "A", "participant_mismatch"),
        (7, None, "missing_participant"),
    ]
    assert await _rating(db, a) is None  # nothing saved


async def test_the_nine_box_of_current_results_is_rescored_as_a_new_version(
    client: AsyncClient, db: AsyncSession, tmp_path: Path
) -> None:
    opened = await open_sitting(db, participants=1)
    await load_demo_standards(db, ACTOR)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await sit(kiosk, lambda number, options: options[0])
    first = await score_attempt(db, kiosk.attempt_id, actor=ACTOR)
    assert first.nine_box is None and first.jpm is not None

    path = tmp_path / "kinerja.csv"
    path.write_text(f"nomor_peserta,kinerja\n{opened.participant_nos[0]},above\n", "utf-8")
    _, (second,) = await import_performance(db, path.name, path.read_bytes(), ACTOR)

    potential = "high" if first.jpm >= 90 else "medium" if first.jpm >= 78 else "low"
    assert second.nine_box == {"low": 4, "medium": 7, "high": 9}[potential]
    assert (second.version, second.jpm, second.category) == (
        first.version + 1,
        first.jpm,
        first.category,
    )
    assert second.details["performance_rating"] == "above"
    await db.refresh(first)
    assert first.is_current is False
    copied = await db.scalars(
        select(ResultCompetency.competency_code).where(ResultCompetency.result_id == second.id)
    )
    assert len(list(copied)) == 10

    again, rescored = await import_performance(db, path.name, path.read_bytes(), ACTOR)
    assert (again, rescored) == (1, [])  # the same rating changes no nine-box
    current = await db.scalars(
        select(Result).where(Result.attempt_id == kiosk.attempt_id, Result.is_current)
    )
    assert [r.id for r in current] == [second.id]


async def test_the_api_imports_ratings_and_answers_422_with_every_problem(
    admin_client: AsyncClient, db: AsyncSession
) -> None:
    person = await create_participant(db)
    good = f"participant_no,rating\n{person.participant_no},meets\n".encode()
    response = await admin_client.post(
        "/api/participants/performance", files={"file": ("kinerja.csv", good, "text/csv")}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": 1, "results_rescored": 0}

    bad = b"participant_no,rating\nP-NONE,meets\n"
    refused = await admin_client.post(
        "/api/participants/performance", files={"file": ("kinerja.csv", bad, "text/csv")}
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid_performance_file"
    assert refused.json()["detail"][0]["code"] == "unknown_participant"
