"""The editor's blueprint pages: upload, sections and bank check, one previewed form."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.blueprints.models import Blueprint
from tests.bank.test_pages import csrf_field, table_rows, untranslated
from tests.fixtures.factories import create_sitting
from tests.fixtures.uploads import DEMO, upload

HTML = {"Accept": "text/html"}


def _file(data: bytes | None = None) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("blueprint.yaml", data or (DEMO / "blueprint.yaml").read_bytes(), "text/yaml")}


async def _blueprint_count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Blueprint)) or 0)


@pytest.fixture
async def pages(editor_client: AsyncClient) -> AsyncClient:
    editor_client.headers.update(HTML)
    return editor_client


async def _import(client: AsyncClient, *names: str) -> None:
    response = await client.post("/editor/upload", files=upload(*names), data={"action": "import"})
    assert response.status_code == 200, response.text


async def _upload_blueprint(client: AsyncClient) -> str:
    response = await client.post("/editor/blueprints", files=_file())
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/editor/blueprints/\d+\?saved=1", location)
    return location.split("?")[0]


async def test_the_list_page_offers_an_upload_form(pages: AsyncClient) -> None:
    response = await pages.get("/editor/blueprints")
    assert response.status_code == 200
    assert "Belum ada kisi-kisi." in response.text
    assert 'type="file" name="file"' in response.text and csrf_field(response.text)


async def test_an_uploaded_blueprint_shows_its_sections_and_a_full_bank_lets_it_preview(
    pages: AsyncClient,
) -> None:
    await _import(pages, "manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    url = await _upload_blueprint(pages)
    page = (await pages.get(url + "?saved=1")).text
    assert "Kisi-kisi tersimpan." in page
    sections = table_rows(page, "sections")
    assert [(r[1], r[2], r[4]) for r in sections] == [
        ("Manajerial", "20", "16"),
        ("Sosial Kultural", "5", "3"),
        ("Teknis", "15", "10"),
    ]
    assert "2 soal M.01" in sections[0][3] and "10 soal T.ADM.01" in sections[2][3]
    assert sections[0][5:] == ["Ya", "Ya", "120 detik"]  # the scheduled longer break
    assert sections[1][7] == "60 detik" and sections[2][7] == "—"
    assert "Bank soal cukup: setiap formulir berisi 29 soal." in page
    assert 'data-testid="shortfalls"' not in page
    assert f'href="{url}/preview"' in page
    assert untranslated(page) == []

    listing = (await pages.get("/editor/blueprints")).text
    assert f'<a href="{url}">DEMO-2026</a>' in listing


async def test_a_short_bank_shows_the_shortfalls_and_no_preview_link(pages: AsyncClient) -> None:
    await _import(pages, "sosiokultural.yaml")
    url = await _upload_blueprint(pages)
    page = (await pages.get(url)).text
    assert "Bank soal belum cukup untuk kisi-kisi ini." in page
    shortfalls = {r[1]: r for r in table_rows(page, "shortfalls")}
    assert shortfalls["M.01"] == ["1. Manajerial", "M.01", "2", "0"]
    assert shortfalls["T.ADM.01"] == ["3. Teknis", "T.ADM.01", "10", "0"]
    assert "SK.01" not in shortfalls
    assert f'href="{url}/preview"' not in page

    preview = await pages.get(url + "/preview")
    assert preview.status_code == 409
    assert {r[1] for r in table_rows(preview.text, "shortfalls")} >= {"M.01", "T.ADM.01"}
    assert "Seed:" not in preview.text
    assert untranslated(page) == untranslated(preview.text) == []


async def test_the_form_preview_shows_every_section_and_item_without_weights_or_keys(
    pages: AsyncClient,
) -> None:
    await _import(pages, "manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    url = await _upload_blueprint(pages)
    response = await pages.get(url + "/preview", params={"seed": "42"})
    assert response.status_code == 200
    page = response.text
    assert "Seed: 42" in page
    assert "/static/kiosk/kiosk.css" in page
    assert page.count('data-testid="preview-section"') == 3
    numbers = re.findall(r'<strong class="qnum" data-testid="question-number">(\d+)</strong>', page)
    assert numbers == [str(n) for n in range(1, 30)]
    assert page.count('data-testid="option-A"') == 29
    lowered = page.lower()
    for secret in ("weight", "correct", "points", "bobot</th>", "kunci</th>", "benar ·"):
        assert secret not in lowered, secret  # neither the protocol's names nor the editor's
    assert untranslated(page) == []

    api = await pages.get(
        url.replace("/editor/", "/api/") + "/preview",
        params={"seed": 42},
        headers={"Accept": "application/json"},
    )
    for section in api.json()["sections"]:
        assert section["title"] in page
        for item in section["items"]:
            assert item["stem_html"].strip() in page
            assert all(option["text_html"] in page for option in item["options"])

    again = await pages.get(url + "/preview", params={"seed": "42"})
    assert re.findall(r"/editor/items/([^\"]+)\"", again.text) == re.findall(
        r"/editor/items/([^\"]+)\"", page
    )
    another = re.search(r'href="([^"]+)" data-testid="another-form"', page)
    assert another and re.fullmatch(rf"{url}/preview\?seed=\d+", another.group(1))


async def test_a_preview_without_a_seed_picks_one_and_shows_it(pages: AsyncClient) -> None:
    await _import(pages, "manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")
    url = await _upload_blueprint(pages)
    page = (await pages.get(url + "/preview")).text
    assert re.search(r"Seed: \d+", page)
    bad = await pages.get(url + "/preview", params={"seed": "-1"})
    assert bad.status_code == 422
    assert "Seed harus bilangan bulat" in bad.text


async def test_a_bad_blueprint_file_shows_its_problems_and_stores_nothing(
    pages: AsyncClient, db: AsyncSession
) -> None:
    bad = (
        b"format: cact-blueprint/1\ncode: X\ntitle: X\n"
        b"sections:\n  - title: A\n    time_limit_minutes: 0\n"
    )
    response = await pages.post("/editor/blueprints", files=_file(bad))
    assert response.status_code == 422
    assert "Tidak ada yang disimpan." in response.text
    rows = table_rows(response.text, "problems")
    assert rows and all(r[1] == "blueprint.yaml" for r in rows)
    assert all(r[8] for r in rows)  # every problem has a message
    assert await _blueprint_count(db) == 0


async def test_a_blueprint_upload_without_a_file_is_refused_with_a_message(
    pages: AsyncClient,
) -> None:
    response = await pages.post("/editor/blueprints", data={"x": "y"})
    assert response.status_code == 422
    assert "Pilih berkas kisi-kisi." in response.text


async def test_a_blueprint_used_by_a_sitting_cannot_be_replaced(
    pages: AsyncClient, db: AsyncSession
) -> None:
    url = await _upload_blueprint(pages)
    blueprint = await db.get(Blueprint, int(url.rsplit("/", 1)[1]))
    await create_sitting(db, blueprint=blueprint)
    again = await pages.post("/editor/blueprints?lang=en", files=_file())
    assert again.status_code == 409
    assert "The blueprint is used by a sitting" in again.text
    assert "Nothing was stored." in again.text


async def test_an_unknown_blueprint_is_a_404_page(pages: AsyncClient) -> None:
    for path in ("/editor/blueprints/999999", "/editor/blueprints/999999/preview"):
        response = await pages.get(path)
        assert response.status_code == 404
        assert "Kisi-kisi tidak ditemukan." in response.text


@pytest.mark.parametrize("path", ["/editor/blueprints", "/editor/blueprints/1/preview"])
async def test_anonymous_people_are_sent_to_the_login_page(client: AsyncClient, path: str) -> None:
    response = await client.get(path, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"
