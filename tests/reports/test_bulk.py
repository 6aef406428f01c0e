"""Every report one click away and in bulk: the sitting report lists the whole roster with links
to the individual reports, and a sitting's reports come as one print-ready document, a ZIP of
PDFs named by NIP, and the sitting report as a PDF (WeasyPrint, read back with pypdf)."""

from __future__ import annotations

import io
import time
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import AsyncClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from cact.reports.documents import pdf_names
from cact.reports.repository import ReportedAttempt
from cact.standards.service import load_demo_standards
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting

ACTOR = Actor.system("test")
A4 = (595, 842)  # points


async def _sat(client: AsyncClient, opened: OpenSitting, number: str) -> KioskClient:
    """Logged in, started, two answers, finished (scored on finish)."""
    kiosk = KioskClient(client, number, opened.token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
    for item in section["items"][:2]:
        await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    finished = await kiosk.call("POST", "/finish")
    assert finished.status_code == 200, finished.text  # type: ignore[attr-defined]
    return kiosk


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
async def sitting(client: AsyncClient, db: AsyncSession) -> tuple[OpenSitting, dict[str, int]]:
    """32 on the roster: 30 finished, one terminated by the proctor, one who never came."""
    opened = await open_sitting(db, participants=32)
    await load_demo_standards(db, ACTOR)  # required levels, gaps and recommendations
    attempts = {n: (await _sat(client, opened, n)).attempt_id for n in opened.participant_nos[:30]}
    cheat = KioskClient(client, opened.participant_nos[30], opened.token)
    await cheat.login()
    await cheat.call("POST", "/attempt/start")
    await proctoring.terminate(
        db, cheat.attempt_id, "Membuka catatan di meja", ACTOR, datetime.now(UTC)
    )
    attempts[opened.participant_nos[30]] = cheat.attempt_id
    await db.flush()
    await login(client, await create_staff(db, "admin"))
    return opened, attempts


async def test_the_sitting_report_lists_the_whole_roster_with_links_to_each_report(
    client: AsyncClient, sitting: tuple[OpenSitting, dict[str, int]]
) -> None:
    opened, attempts = sitting
    data = (await client.get(f"/api/reports/sittings/{opened.sitting.id}")).json()
    rows = {r["participant_no"]: r for r in data["participants"]}
    assert list(rows) == opened.participant_nos  # everyone, by participant number
    absent, cheat = opened.participant_nos[31], opened.participant_nos[30]
    assert rows[absent]["presence"] == "absent" and rows[absent]["attempt_id"] is not None
    assert rows[absent]["report"] is False
    assert rows[cheat]["presence"] == "terminated"
    assert rows[cheat]["close_note"] == "Membuka catatan di meja"
    for number in opened.participant_nos[:30]:
        assert rows[number]["presence"] == "attended" and rows[number]["report"] is True
        assert rows[number]["close_reason"] == "finished"

    page = (await client.get(f"/reports/sittings/{opened.sitting.id}")).text
    assert page.count('data-testid="participant-row"') == 32
    assert page.count('data-presence="attended"') == 30
    assert 'data-presence="absent"' in page and 'data-presence="terminated"' in page
    for number in opened.participant_nos[:30]:
        assert f'href="/reports/attempts/{attempts[number]}"' in page
    assert f'href="/reports/sittings/{opened.sitting.id}/bundle"' in page
    english = (await client.get(f"/reports/sittings/{opened.sitting.id}?lang=en")).text
    assert "Participants" in english and "Terminated" in english and "Absent" in english


async def test_a_30_person_sitting_gives_a_zip_of_pdfs_named_by_nip(
    client: AsyncClient,
    db: AsyncSession,
    sitting: tuple[OpenSitting, dict[str, int]],
    tmp_path: Path,
) -> None:
    opened, attempts = sitting
    people = {
        p.participant_no: p
        for p in await db.scalars(
            select(Participant).where(Participant.participant_no.in_(opened.participant_nos))
        )
    }
    reported = (await client.get(f"/api/reports/sittings/{opened.sitting.id}")).json()
    expected = {r["participant_no"] for r in reported["participants"] if r["report"]}
    assert set(opened.participant_nos[:30]) <= expected

    started = time.perf_counter()
    response = await client.get(f"/reports/sittings/{opened.sitting.id}/individual.zip")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["x-report-count"] == str(len(expected))
    assert f"laporan-individu-{opened.sitting.code}.zip" in response.headers["content-disposition"]
    print(f"\n30-person ZIP: {len(expected)} PDFs, {len(response.content)} bytes, {elapsed:.1f} s")

    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    assert bundle.testzip() is None
    by_name = {info.filename: info for info in bundle.infolist()}
    assert len(by_name) == len(expected)
    pages: Counter[int] = Counter()
    for number in expected:
        person = people[number]
        assert person.nip and f"{person.nip}.pdf" in by_name, number
        pdf = bundle.read(f"{person.nip}.pdf")
        assert pdf.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(pdf))
        # A4 pages: the identity on the first, the result line (attempt id) on the last; the
        # recommendations of a participant short everywhere run to a third
        assert 1 <= len(reader.pages) <= 3, (number, len(reader.pages))
        for page in reader.pages:
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4
        pages[len(reader.pages)] += 1
        first_page = reader.pages[0].extract_text()
        assert person.name in first_page and person.nip in first_page, number
        assert f"#{attempts[number]}" in reader.pages[-1].extract_text()
        text = "\n".join(page.extract_text() for page in reader.pages)
        if len(reader.pages) == 3 and not (tmp_path / "long.pdf").exists():
            (tmp_path / "long.pdf").write_bytes(pdf)
        assert "Laporan Hasil Asesmen Kompetensi" in text and "M.01" in text  # radar labels
        # the other participants are not in this one
        assert sum(p.nip in text for p in people.values() if p.nip) == 1
        if number == opened.participant_nos[30]:
            assert "Dihentikan oleh pengawas" in text and "Membuka catatan di meja" in text
        if number == opened.participant_nos[0]:
            (tmp_path / "first.pdf").write_bytes(pdf)
    print(f"pages per PDF: {dict(pages)}")
    events = await db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "sitting.report_bundle",
            AuditEvent.sitting_id == opened.sitting.id,
        )
    )
    assert [e.details["format"] for e in events] == ["zip"]


async def test_one_print_ready_document_has_every_report_a_page_each(
    client: AsyncClient, sitting: tuple[OpenSitting, dict[str, int]]
) -> None:
    opened, attempts = sitting
    response = await client.get(f"/reports/sittings/{opened.sitting.id}/individual")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    data = (await client.get(f"/api/reports/sittings/{opened.sitting.id}")).json()
    count = sum(r["report"] for r in data["participants"])
    assert html.count('<article class="sheet">') == count
    assert html.count('class="chart radar"') == count
    assert 'class="report bundle"' in html  # .sheet + .sheet breaks the page (report.css)
    for number in opened.participant_nos[:30]:
        assert f"#{attempts[number]}" in html
    assert html.rstrip().endswith("</html>")
    css = (await client.get("/static/reports/report.css")).text
    assert "body.bundle .sheet + .sheet { break-before: page; }" in css


async def test_the_sitting_report_and_one_report_as_pdf(
    client: AsyncClient,
    db: AsyncSession,
    sitting: tuple[OpenSitting, dict[str, int]],
    tmp_path: Path,
) -> None:
    opened, attempts = sitting
    response = await client.get(f"/reports/sittings/{opened.sitting.id}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    (tmp_path / "sitting.pdf").write_bytes(response.content)  # to look at with --basetemp
    pages, text = _text(response.content)
    assert pages >= 2 and opened.sitting.code in text and "Daftar peserta" in text
    assert "Dihentikan" in text and "Tidak hadir" in text

    first = opened.participant_nos[0]
    person = await db.scalar(select(Participant).where(Participant.participant_no == first))
    assert person is not None and person.nip
    one = await client.get(f"/reports/attempts/{attempts[first]}/report.pdf?lang=en")
    assert one.status_code == 200
    assert f'filename="{person.nip}.pdf"' in one.headers["content-disposition"]
    pages, text = _text(one.content)
    assert person.name in text and "Competency Assessment Report" in text
    # the radar chart is drawn: its axis labels are text in the PDF
    assert "M.01" in text

    page = (await client.get(f"/reports/sittings/{opened.sitting.id}/bundle")).text
    assert 'data-testid="bundle-zip"' in page and "/static/reports/bundle.js" in page


def test_pdf_names_are_safe_and_unique() -> None:
    def attempt(n: int, nip: str | None, number: str = "P-1") -> ReportedAttempt:
        return ReportedAttempt(n, number, f"Peserta {n}", nip)

    names = pdf_names(
        [
            attempt(1, "198601012010011001"),
            attempt(2, "198601012010011001"),
            attempt(3, "198601012010011001"),
            attempt(4, None, "DEMO/007"),
            attempt(5, "../../etc/passwd"),
            attempt(6, " "),
            attempt(7, "ABC"),
            attempt(8, "abc"),
            attempt(9, "x" * 300),
        ]
    )
    assert names[:3] == [
        "198601012010011001.pdf",
        "198601012010011001-2.pdf",
        "198601012010011001-3.pdf",
    ]
    assert names[3] == "DEMO_007.pdf"
    assert names[4] == "etc_passwd.pdf"
    assert names[5] == "P-1.pdf"
    assert names[6:8] == ["ABC.pdf", "abc-2.pdf"]
    assert len(names[8]) == 104
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


async def test_who_may_download_and_unknown_sittings(client: AsyncClient, db: AsyncSession) -> None:
    opened = await open_sitting(db, participants=2)
    sid = opened.sitting.id
    routes = [
        f"/reports/sittings/{sid}/individual.zip",
        f"/reports/sittings/{sid}/individual",
        f"/reports/sittings/{sid}/report.pdf",
        f"/reports/sittings/{sid}/bundle",
    ]
    for path in routes:
        assert (await client.get(path)).status_code in (401, 303), path
    for role in ("proctor", "editor"):
        await login(client, await create_staff(db, role))
        for path in routes:
            response = await client.get(path)
            assert response.status_code == 403, (role, path)
    await login(client, await create_staff(db, "admin"))
    for path in routes:
        unknown = await client.get(path.replace(f"/{sid}/", "/987654321/"))
        assert unknown.status_code == 404, path
    assert (await client.get("/reports/attempts/987654321/report.pdf")).status_code == 404
    # a sitting without any scored attempt: an empty ZIP and an empty document, said so
    empty = await client.get(f"/reports/sittings/{sid}/individual.zip")
    assert empty.status_code == 200 and empty.headers["x-report-count"] == "0"
    assert zipfile.ZipFile(io.BytesIO(empty.content)).namelist() == []
    document = (await client.get(f"/reports/sittings/{sid}/individual")).text
    assert "Belum ada laporan individu" in document


async def test_the_register_and_the_person_page_lead_to_the_individual_reports(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=2)
    kiosk = await _sat(client, opened, opened.participant_nos[0])
    person = await db.scalar(
        select(Participant).where(Participant.participant_no == opened.participant_nos[0])
    )
    assert person is not None
    await login(client, await create_staff(db, "admin"))
    register = (await client.get("/admin/participants", params={"q": person.participant_no})).text
    assert f'href="/admin/people/{person.id}"' in register
    history = (await client.get(f"/admin/people/{person.id}")).text
    assert f'href="/reports/attempts/{kiosk.attempt_id}"' in history
    assert f'href="/reports/attempts/{kiosk.attempt_id}/report.pdf"' in history
    report = (await client.get(f"/reports/attempts/{kiosk.attempt_id}")).text
    assert f'href="/reports/attempts/{kiosk.attempt_id}/report.pdf"' in report
    assert f'href="/reports/sittings/{opened.sitting.id}"' in report
