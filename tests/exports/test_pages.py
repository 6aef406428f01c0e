"""The admin exports page of a sitting: a link for every export × format that really downloads,
the attempts counted by status, and whether the files are final."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from html import unescape

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.export import COLUMNS as AUDIT_COLUMNS
from cact.audit.service import Actor
from cact.exports import columns
from cact.exports.columns import MEDIA_TYPES
from cact.proctoring.service import close_sitting
from tests.exports.support import csv_records, csv_rows, finished_sitting
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import open_sitting
from tests.participants.support import HTML, admin_login, untranslated

HEADERS = {
    "exports/responses": columns.RESPONSES,
    "exports/results": columns.RESULTS,
    "exports/matrix": columns.MATRIX_FIXED,  # then one column per item id
    "exports/audit": (*AUDIT_COLUMNS, *columns.AUDIT_LOCAL),
    "item-analysis/items": columns.ITEM_ANALYSIS,
    "item-analysis/scales": columns.SCALE_ANALYSIS,
}
FORMATS = ("csv", "csv?bom=true", "csv-id", "xlsx", "jsonl")
# The members of each psychometric ZIP by the end of their names (the sitting code before it).
ZIPS = {
    "winsteps": ("-winsteps-codebook.csv", "-winsteps-control.txt", "-winsteps-data.txt"),
    "quest": ("-quest-codebook.csv", "-quest-data.txt", "-quest.qst"),
    "mirt": ("-mirt-codebook.csv", "-mirt-codebook.md", "-mirt-responses.csv"),
}


def _links(html: str, sitting_id: int) -> set[str]:
    return {
        unescape(href)
        for href in re.findall(r'href="(/api/sittings/[^"]+)"', html)
        if href.startswith(f"/api/sittings/{sitting_id}/")
    }


def _header(path: str, content: bytes) -> tuple[tuple[str, ...], int]:
    """The column names and the number of data rows of a downloaded file."""
    if ".xlsx" in path:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        return tuple(str(c) for c in rows[0]), len(rows) - 1
    if ".jsonl" in path:
        lines = [json.loads(line) for line in content.decode().splitlines()]
        return (tuple(lines[0]) if lines else ()), len(lines)
    rows = csv_rows(content.decode("utf-8"), ";" if ".csv-id" in path else ",")
    return tuple(rows[0]), len(rows) - 1


async def test_the_page_of_a_finished_sitting_links_every_file_and_each_one_downloads(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, attempts = await finished_sitting(client, db)
    await admin_login(client, db)
    sitting_id = opened.sitting.id

    page = await client.get(f"/admin/sittings/{sitting_id}/exports", headers=HTML)
    assert page.status_code == 200, page.text
    assert untranslated(page.text) == []
    assert opened.sitting.code in page.text and opened.sitting.title in page.text
    assert "3 dari 3 sudah berakhir" in page.text
    assert "3 dikirim peserta · 0 habis waktu · 0 dihentikan pengawas" in page.text
    assert 'data-testid="not-final"' in page.text  # the proctor has not closed the sitting
    assert f'href="/admin/sittings/{sitting_id}/item-analysis"' in page.text

    links = _links(page.text, sitting_id)
    expected = {f"/api/sittings/{sitting_id}/{base}.{fmt}" for base in HEADERS for fmt in FORMATS}
    zips = {f"/api/sittings/{sitting_id}/exports/psychometric/{tool}.zip" for tool in ZIPS}
    assert links == expected | zips
    links -= zips  # downloaded in the test below

    for link in sorted(links):
        response = await client.get(link)
        assert response.status_code == 200, (link, response.text)
        fmt = link.rsplit(".", 1)[1].split("?")[0]
        assert response.headers["content-type"] == MEDIA_TYPES[fmt], link
        assert "attachment" in response.headers["content-disposition"]
        with_bom = link.endswith(("bom=true", ".csv-id"))  # the Indonesian CSV always has one
        assert response.content.startswith(b"\xef\xbb\xbf") is with_bom, link
        base = link.split(f"/api/sittings/{sitting_id}/", 1)[1].rsplit(".", 1)[0]
        names, rows = _header(link, response.content)
        assert names[: len(HEADERS[base])] == HEADERS[base], link
        if base == "exports/matrix":
            assert rows == len(attempts) and len(names) > len(columns.MATRIX_FIXED)
        elif base == "exports/responses":
            assert rows >= 3 * 4  # every presented item of every attempt
        else:
            assert rows > 0, link

    responses = await client.get(f"/api/sittings/{sitting_id}/exports/responses.csv?bom=true")
    records = csv_records(responses.content.decode("utf-8"))
    assert {int(r["attempt_id"]) for r in records} == set(attempts)
    assert {r["sitting_code"] for r in records} == {opened.sitting.code}
    assert sum(1 for r in records if r["answer"]) == 4 + 5 + 6


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_psychometric_zips_are_linked_explained_and_download(
    client: AsyncClient, db: AsyncSession, lang: str
) -> None:
    opened, attempts = await finished_sitting(client, db)
    await admin_login(client, db)
    sitting_id = opened.sitting.id
    page = await client.get(f"/admin/sittings/{sitting_id}/exports?lang={lang}", headers=HTML)
    assert page.status_code == 200 and untranslated(page.text) == []
    section = page.text.split('data-testid="psychometric-files"', 1)[1].split("</table>", 1)[0]
    explained = {
        "id": ("Winsteps", "berkas kontrol", "Quest", ".qst", "R mirt / eRm", "NA"),
        "en": ("Winsteps", "control file", "Quest", ".qst", "R mirt / eRm", "NA"),
    }[lang]
    assert all(words in section for words in explained), section
    rows = re.findall(r'<tr data-tool="(\w+)">(.*?)</tr>', section, re.S)
    assert [tool for tool, _ in rows] == list(ZIPS)
    for tool, row in rows:
        hrefs = re.findall(r'href="([^"]+)"', row)
        assert hrefs == [f"/api/sittings/{sitting_id}/exports/psychometric/{tool}.zip"], row
        response = await client.get(hrefs[0])
        assert response.status_code == 200, (tool, response.text)
        assert response.headers["content-type"] == "application/zip"
        assert "attachment" in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.testzip() is None
            names = sorted(archive.namelist())
            assert [n.removeprefix(opened.sitting.code) for n in names] == list(ZIPS[tool])
            data = next(n for n in names if n.endswith(("-data.txt", "-responses.csv")))
            lines = archive.read(data).decode("utf-8").splitlines()
        header = 1 if tool == "mirt" else 0  # the CSV has a header row
        assert len(lines) - header == len(attempts), (tool, lines)


async def test_counts_by_status_and_final_once_the_sitting_is_closed(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=2)
    await admin_login(client, db)
    url = f"/admin/sittings/{opened.sitting.id}/exports?lang=en"

    before = await client.get(url, headers=HTML)
    assert before.status_code == 200 and untranslated(before.text) == []
    assert "0 of 2 closed" in before.text
    assert "0 in progress · 2 not started" in before.text
    assert 'data-testid="not-final"' in before.text and 'data-testid="final"' not in before.text

    await close_sitting(db, opened.sitting.id, "test", Actor.system(), datetime.now(UTC))
    after = await client.get(url, headers=HTML)
    assert after.status_code == 200
    assert 'data-testid="final"' in after.text and 'data-testid="not-final"' not in after.text
    assert "0 of 2 closed" in after.text  # absent participants' attempts never started


async def test_the_sitting_page_links_to_exports_and_item_analysis(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=1)
    await admin_login(client, db)
    page = await client.get(f"/admin/sittings/{opened.sitting.id}", headers=HTML)
    assert page.status_code == 200
    assert f'href="/admin/sittings/{opened.sitting.id}/exports"' in page.text
    assert f'href="/admin/sittings/{opened.sitting.id}/item-analysis"' in page.text
    assert f'href="/reports/sittings/{opened.sitting.id}"' in page.text
    assert untranslated(page.text) == []


async def test_an_unknown_sitting_is_a_404_page(client: AsyncClient, db: AsyncSession) -> None:
    await admin_login(client, db)
    page = await client.get("/admin/sittings/999999/exports", headers=HTML)
    assert page.status_code == 404
    assert "Terjadi kesalahan (404)" in page.text and "Sesi tidak ditemukan." in page.text


@pytest.mark.parametrize("role", ["proctor", "editor"])
async def test_only_admins_see_the_page(client: AsyncClient, db: AsyncSession, role: str) -> None:
    opened = await open_sitting(db, participants=1)
    await login(client, await create_staff(db, role))
    refused = await client.get(f"/admin/sittings/{opened.sitting.id}/exports")
    assert refused.status_code == 403
    assert refused.json()["error"] == "wrong_role"
    page = await client.get(f"/admin/sittings/{opened.sitting.id}/exports", headers=HTML)
    assert page.status_code == 403 and "/api/sittings/" not in page.text
