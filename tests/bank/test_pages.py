"""The editor's item-bank pages: upload with its report, the list, one item, retire, preview."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
import yaml
from httpx import AsyncClient, Response
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import Item, ItemVersion
from cact.kit.i18n import CATALOGUE_DIR, catalogue, translate
from tests.fixtures.factories import create_attempt_using
from tests.fixtures.html import table_rows
from tests.fixtures.images import png
from tests.fixtures.uploads import DEMO, upload, upload_bytes

HTML = {"Accept": "text/html"}
DEMO_SETS = ("manajerial.yaml", "sosiokultural.yaml", "teknis.yaml")


def untranslated(html: str) -> list[str]:
    """Message keys that reached the page as text: a key missing from the catalogues."""
    return re.findall(r"[>\s](?:editor|exam|legend|clock|finish)\.[a-z_.]+[a-z_]", html)


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def _count(db: AsyncSession, model: type[Item] | type[ItemVersion]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def pages(editor_client: AsyncClient) -> AsyncClient:
    editor_client.headers.update(HTML)
    return editor_client


@pytest.fixture
async def bank(pages: AsyncClient) -> AsyncClient:
    response = await pages.post(
        "/editor/upload", files=upload(*DEMO_SETS), data={"action": "import"}
    )
    assert response.status_code == 200, response.text
    return pages


def _two_bad_rows() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Soal"
    header = ["kode_soal", "kompetensi", "jenis", "level", "soal", "opsi_A", "bobot_A"]
    sheet.append([*header, "opsi_B", "bobot_B"])
    sheet.append(["S-1", "M.01", "weighted", 3, "Situasi satu", "Pilihan a", 4, "Pilihan b", 1])
    sheet.append(["S-2", "M.01", "weighted", 9, "Situasi dua", "Pilihan a", 4, "Pilihan b", 2])
    sheet.append(["S-3", "M.01", "weighted", 2, "Situasi tiga", "Pilihan a", 4, "Pilihan b", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- upload -------------------------------------------------------------------------------


async def test_the_upload_page_offers_files_a_default_competency_and_the_templates(
    pages: AsyncClient,
) -> None:
    response = await pages.get("/editor/upload")
    assert response.status_code == 200
    page = response.text
    assert 'type="file" name="files" multiple' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="M.01">M.01 — Integritas</option>' in page
    assert 'href="/api/items/template.xlsx"' in page and 'href="/api/items/template.csv"' in page
    assert 'value="check"' in page and 'value="import"' in page
    assert csrf_field(page)
    assert untranslated(page) == []


async def test_a_spreadsheet_with_two_bad_rows_shows_every_problem_by_row_and_stores_nothing(
    pages: AsyncClient, db: AsyncSession
) -> None:
    response = await pages.post(
        "/editor/upload",
        files=upload_bytes("soal.xlsx", _two_bad_rows()),
        data={"action": "import"},
    )
    assert response.status_code == 422
    assert "Tidak ada yang disimpan." in response.text
    rows = table_rows(response.text, "problems")
    # number, file · sheet, row, column, message, item id, field path + code
    found = {(r[2], r[5], r[6].split()[-1]) for r in rows}
    assert ("3", "S-2", "level_out_of_range") in found
    assert ("4", "S-3", "missing_weight") in found
    assert all(r[1] == "soal.xlsx · Soal" for r in rows)
    level_row = next(r for r in rows if r[6].endswith("level_out_of_range"))
    assert level_row[3].startswith("D")  # the level column, with its header
    assert await _count(db, Item) == 0


async def test_the_report_speaks_the_page_language(pages: AsyncClient) -> None:
    files = upload_bytes("soal.xlsx", _two_bad_rows())
    indonesian = await pages.post("/editor/upload", files=files)
    english = await pages.post("/editor/upload?lang=en", files=files)
    id_messages = {r[6].split()[-1]: r[4] for r in table_rows(indonesian.text, "problems")}
    en_messages = {r[6].split()[-1]: r[4] for r in table_rows(english.text, "problems")}
    assert id_messages.keys() == en_messages.keys()
    assert id_messages["missing_weight"] != en_messages["missing_weight"]
    assert "Nothing was stored." in english.text
    assert untranslated(indonesian.text) == untranslated(english.text) == []


async def test_one_bad_file_among_good_ones_stores_nothing(
    pages: AsyncClient, db: AsyncSession
) -> None:
    bad = {
        "format": "cact-items/1",
        "title": "Rusak",
        "language": "id",
        "items": [
            {
                "id": "X-1",
                "competency": "M.99",
                "kind": "weighted",
                "stem": "<p>a</p>",
                "options": [{"text": "a", "weight": 1}, {"text": "b", "weight": 2}],
            }
        ],
    }
    files = upload("manajerial.yaml") + upload_bytes("rusak.yaml", yaml.safe_dump(bad).encode())
    response = await pages.post("/editor/upload", files=files, data={"action": "import"})
    assert response.status_code == 422
    rows = table_rows(response.text, "problems")
    assert [(r[1], r[5], r[6].split()[-1]) for r in rows] == [
        ("rusak.yaml", "X-1", "unknown_competency")
    ]
    assert "manajerial.yaml, rusak.yaml" in response.text
    assert await _count(db, Item) == 0


async def test_a_good_upload_through_the_form_stores_and_shows_the_outcome(
    pages: AsyncClient, db: AsyncSession
) -> None:
    form = (await pages.get("/editor/upload")).text
    del pages.headers["X-CSRF-Token"]  # the form field alone, as a browser sends it
    response = await pages.post(
        "/editor/upload",
        files=upload(*DEMO_SETS),
        data={"action": "import", "csrf_token": csrf_field(form)},
    )
    assert response.status_code == 200, response.text
    outcome = {r[0]: r[1] for r in table_rows(response.text, "outcome")}
    assert outcome == {
        "Butir baru": "55",
        "Versi baru": "0",
        "Tidak berubah": "0",
        "Kompetensi ditambahkan/diperbarui": "1",
    }
    assert 'href="/editor/items/M01-001"' in response.text
    assert await _count(db, Item) == 55
    assert await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.import"))


async def test_check_only_reports_what_would_happen_and_stores_nothing(
    pages: AsyncClient, db: AsyncSession
) -> None:
    response = await pages.post(
        "/editor/upload", files=upload("teknis.yaml"), data={"action": "check"}
    )
    assert response.status_code == 200, response.text
    assert "Belum ada yang disimpan." in response.text
    outcome = {r[0]: r[1] for r in table_rows(response.text, "outcome")}
    assert outcome["Butir baru yang akan dibuat"] == "18"
    assert await _count(db, Item) == 0
    assert await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.import")) is None
    # the signed-in editor is still there for the next request
    assert (await pages.get("/editor/items")).status_code == 200


async def test_an_upload_without_files_is_refused_with_a_message(pages: AsyncClient) -> None:
    boundary = "cact-test-boundary"
    body = (  # what a browser sends for a file input left empty
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="action"\r\n\r\nimport\r\n'
        f"--{boundary}--\r\n"
    )
    response = await pages.post(
        "/editor/upload",
        content=body.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422
    assert "Pilih minimal satu berkas soal." in response.text
    no_part = await pages.post("/editor/upload", data={"action": "check"})
    assert no_part.status_code == 422
    assert "Pilih minimal satu berkas soal." in no_part.text


async def test_a_changed_item_of_another_kind_is_refused_without_a_partial_write(
    bank: AsyncClient, db: AsyncSession
) -> None:
    document = yaml.safe_load((DEMO / "manajerial.yaml").read_text("utf-8"))
    document["items"][0]["stem"] = "<p>Versi revisi.</p>"
    document["items"][1]["competency"] = "M.05"
    changed = yaml.safe_dump(document, allow_unicode=True).encode()
    response = await bank.post(
        "/editor/upload",
        files=upload_bytes("manajerial.yaml", changed),
        data={"action": "import"},
    )
    assert response.status_code == 409
    assert "Kompetensi atau jenis butir soal yang sudah ada tidak dapat diubah" in response.text
    assert "Tidak ada yang disimpan." in response.text
    assert await _count(db, ItemVersion) == 55  # the first item got no new version


# --- the list -----------------------------------------------------------------------------


async def test_the_list_filters_by_competency_level_kind_status_and_text(
    bank: AsyncClient,
) -> None:
    def ids(response: Response) -> set[str]:
        return set(re.findall(r'<a href="/editor/items/([^"/]+)">', response.text))

    by_competency = await bank.get("/editor/items", params={"competency": "M.02"})
    assert by_competency.status_code == 200
    assert ids(by_competency) == {"M02-001", "M02-002", "M02-003", "M02-004"}
    assert '<option value="M.02" selected>' in by_competency.text

    keyed = await bank.get("/editor/items", params={"kind": "keyed"})
    assert len(ids(keyed)) == 18 and all(i.startswith("TADM-") for i in ids(keyed))

    level = await bank.get("/editor/items", params={"level": "1", "kind": "keyed"})
    assert ids(level) and ids(level) < ids(keyed)

    text = await bank.get("/editor/items", params={"q": "=SUM(A1:A10)"})
    assert ids(text) == {"TADM-001"}

    # an empty select is "all", nonsense is no filter rather than an error
    everything = await bank.get(
        "/editor/items", params={"competency": "", "level": "9", "kind": "x", "status": ""}
    )
    assert everything.status_code == 200
    assert "Menampilkan 1–50 dari 55 butir soal." in everything.text


async def test_the_list_pages_and_keeps_the_filters_in_its_links(bank: AsyncClient) -> None:
    first = await bank.get("/editor/items", params={"status": "active"})
    assert 'href="/editor/items?status=active&amp;page=2"' in first.text
    second = await bank.get("/editor/items", params={"status": "active", "page": "2"})
    assert "Menampilkan 51–55 dari 55 butir soal." in second.text
    assert 'href="/editor/items?status=active&amp;page=1"' in second.text
    for nonsense in ("0", "-3", "abc", "9" * 30):
        beyond = await bank.get("/editor/items", params={"page": nonsense})
        assert beyond.status_code == 200, nonsense


async def test_a_retired_item_shows_up_under_the_retired_filter_only(bank: AsyncClient) -> None:
    await bank.post("/editor/items/M01-001/retire", data={"reason": "Kunci diperdebatkan"})
    retired = await bank.get("/editor/items", params={"status": "retired"})
    assert 'href="/editor/items/M01-001"' in retired.text
    assert "Menampilkan 1–1 dari 1 butir soal." in retired.text
    active = await bank.get("/editor/items", params={"status": "active", "competency": "M.01"})
    assert 'href="/editor/items/M01-001"' not in active.text


# --- one item -----------------------------------------------------------------------------


async def test_the_item_page_shows_weights_level_competency_and_the_version_history(
    bank: AsyncClient, db: AsyncSession
) -> None:
    document = yaml.safe_load((DEMO / "manajerial.yaml").read_text("utf-8"))
    document["items"][0]["stem"] = "<p>Versi revisi dari situasi ini.</p>"
    changed = yaml.safe_dump(document, allow_unicode=True).encode()
    await bank.post(
        "/editor/upload", files=upload_bytes("manajerial.yaml", changed), data={"action": "import"}
    )
    first = await db.scalar(
        select(ItemVersion).where(ItemVersion.item_id == "M01-001", ItemVersion.version == 1)
    )
    assert first is not None
    await create_attempt_using(db, first)

    response = await bank.get("/editor/items/M01-001")
    assert response.status_code == 200
    page = response.text
    assert "M.01 — Integritas" in page
    assert "Berbobot (situasional)" in page
    assert 'data-testid="version-2"' in page and 'data-testid="version-1"' in page
    assert page.index('data-testid="version-2"') < page.index('data-testid="version-1"')
    assert "Versi revisi dari situasi ini." in page
    assert "dipakai dalam 1 pengerjaan tes" in page  # version 1
    assert "dipakai dalam 0 pengerjaan tes" in page  # version 2
    weights = re.findall(r'<td class="num ed-weight">(\d+)</td>', page)
    assert sorted(weights[:4]) == ["1", "2", "3", "4"] and len(weights) == 8
    assert 'href="/editor/items/M01-001/preview"' in page
    assert untranslated(page) == []


async def test_a_keyed_item_page_marks_the_key_and_its_points(bank: AsyncClient) -> None:
    page = (await bank.get("/editor/items/TADM-001?lang=en")).text
    assert "Keyed (multiple choice)" in page
    correct = re.findall(r'<tr class="ed-correct">.*?</tr>', page, re.S)
    assert len(correct) == 1 and "=SUM(A1:A10)" in correct[0]
    assert "correct · 1 pt" in correct[0]


async def test_an_unknown_item_is_a_404_page(bank: AsyncClient) -> None:
    response = await bank.get("/editor/items/TIDAK-ADA")
    assert response.status_code == 404
    assert "Butir soal tidak ditemukan." in response.text


async def test_retiring_with_a_reason_works_and_is_audited(
    bank: AsyncClient, db: AsyncSession
) -> None:
    response = await bank.post(
        "/editor/items/M01-001/retire", data={"reason": "Kunci diperdebatkan"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/editor/items/M01-001?retired=1"
    page = (await bank.get(response.headers["location"])).text
    assert "Butir soal telah dipensiunkan." in page
    assert "Dipensiunkan" in page and 'name="reason"' not in page
    retirement = re.search(r'<dl class="ed-facts" data-testid="retirement">(.*?)</dl>', page, re.S)
    assert retirement and "Kunci diperdebatkan" in retirement.group(1)
    item = await db.get(Item, "M01-001")
    assert item is not None and item.status == "retired"
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.retire"))
    assert event is not None and event.reason == "Kunci diperdebatkan"


async def test_retiring_without_a_reason_is_refused_with_a_message(
    bank: AsyncClient, db: AsyncSession
) -> None:
    for reason in ("", "  ", "ab"):
        response = await bank.post("/editor/items/M01-001/retire", data={"reason": reason})
        assert response.status_code == 422
        assert "Tuliskan alasan pensiun" in response.text
        assert 'name="reason"' in response.text  # the form is still there to try again
    item = await db.get(Item, "M01-001")
    assert item is not None and item.status == "active"
    assert await db.scalar(select(AuditEvent).where(AuditEvent.action == "item.retire")) is None


async def test_retiring_twice_says_so(bank: AsyncClient) -> None:
    await bank.post("/editor/items/M01-001/retire", data={"reason": "Kunci diperdebatkan"})
    again = await bank.post("/editor/items/M01-001/retire", data={"reason": "Sekali lagi"})
    assert again.status_code == 409
    assert "Butir soal sudah dipensiunkan." in again.text


# --- preview ------------------------------------------------------------------------------


@pytest.mark.parametrize("item_id", ["M01-001", "TADM-001"])
async def test_the_preview_shows_the_item_as_the_kiosk_does_without_weights_or_key(
    bank: AsyncClient, item_id: str
) -> None:
    item = (await bank.get(f"/api/items/{item_id}", headers={"Accept": "application/json"})).json()
    response = await bank.get(f"/editor/items/{item_id}/preview")
    assert response.status_code == 200
    page = response.text
    assert "/static/kiosk/kiosk.css" in page
    assert item["current"]["stem_html"].strip() in page
    for option in item["current"]["options"]:
        assert f'data-testid="option-{option["label"]}"' in page
        assert option["text_html"] in page
    lowered = page.lower()
    for secret in ("weight", "correct", "points", "bobot</th>", "kunci</th>", "benar ·"):
        assert secret not in lowered, secret  # neither the protocol's names nor the editor's
    assert translate("id", "exam.doubtful") in page  # the kiosk's own words
    assert untranslated(page) == []


async def test_an_item_image_uploaded_alongside_shows_on_the_item_page_and_in_the_preview(
    pages: AsyncClient,
) -> None:
    document = {
        "format": "cact-items/1",
        "title": "Rambu",
        "language": "id",
        "items": [
            {
                "id": "RAMBU-1",
                "competency": "M.01",
                "kind": "keyed",
                "stem": "<p>Apa arti rambu ini?</p>",
                "media": {"src": "parkir.png", "alt": "Rambu P dicoret"},
                "options": [{"text": "Dilarang parkir", "correct": True}, {"text": "Boleh"}],
            }
        ],
    }
    image = png((0, 90, 200))
    files = upload_bytes("rambu.yaml", yaml.safe_dump(document).encode())
    files += upload_bytes("parkir.png", image)
    response = await pages.post("/editor/upload", files=files, data={"action": "import"})
    assert response.status_code == 200, response.text
    url = f"/media/{hashlib.sha256(image).hexdigest()}"
    tag = f'<img src="{url}" alt="Rambu P dicoret"'
    assert tag in (await pages.get("/editor/items/RAMBU-1")).text
    preview = (await pages.get("/editor/items/RAMBU-1/preview")).text
    assert f'<figure class="media">{tag}' in preview
    assert (await pages.get(url)).content == image


# --- who may see the pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/editor/items", "/editor/upload", "/editor/items/M01-001", "/editor/items/X/preview"]
)
async def test_anonymous_people_are_sent_to_the_login_page(client: AsyncClient, path: str) -> None:
    response = await client.get(path, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


# --- the message catalogues ---------------------------------------------------------------


def test_the_editor_catalogues_cover_the_same_keys_and_are_merged() -> None:
    indonesian = json.loads((CATALOGUE_DIR / "editor.id.json").read_text("utf-8"))
    english = json.loads((CATALOGUE_DIR / "editor.en.json").read_text("utf-8"))
    assert indonesian.keys() == english.keys()
    assert indonesian.keys() <= catalogue("id").keys()
    assert translate("en", "editor.nav.items") == "Item bank"
    assert translate("id", "login.title") == "Masuk Petugas"  # the main catalogue is still there
    assert translate("en", "no.such.key") == "no.such.key"
