"""Uploads through the API of the formats and inputs of issue 15: math kept and previewed,
Moodle and Word banks stored, broken files answered 422 with located problems (never a 500)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from httpx import AsyncClient

from tests.fixtures.uploads import upload_bytes

FILES = Path(__file__).resolve().parents[1] / "item_bank" / "files"
HTML = {"Accept": "text/html"}


def _math_item() -> bytes:
    text = (FILES / "qti-math" / "items" / "fraction.xml").read_text("utf-8")
    return text.replace('label="T.KES.01"', 'label="M.01"').encode()


async def test_mathml_is_stored_and_shown_in_the_preview(editor_client: AsyncClient) -> None:
    response = await editor_client.post(
        "/api/items/import", files=upload_bytes("fraction.xml", _math_item())
    )
    assert response.status_code == 200, response.text
    item = (await editor_client.get("/api/items/MATH-FRACTION")).json()["current"]
    assert '<math display="block">' in item["stem_html"]
    assert all(o["text_html"].startswith("<math>") for o in item["options"])
    preview = await editor_client.get("/editor/items/MATH-FRACTION/preview", headers=HTML)
    assert preview.status_code == 200
    assert "<mfrac><mn>1</mn><mn>3</mn></mfrac>" in preview.text
    assert "/static/kiosk/preview_math.js" in preview.text  # it imports kiosk/math.js
    kiosk_shape = (await editor_client.get("/api/items/MATH-FRACTION/preview")).json()
    assert "<math" in str(kiosk_shape["stem_html"])
    renderer = await editor_client.get("/static/vendor/mathjax/mml-chtml.js")
    assert renderer.status_code == 200 and len(renderer.content) > 500_000


async def test_content_that_cannot_be_kept_is_refused_through_the_api(
    editor_client: AsyncClient,
) -> None:
    damaged = _math_item().replace(b"<m:mfrac>", b"<m:mglyph/><m:mfrac>", 1)
    response = await editor_client.post(
        "/api/items/import", files=upload_bytes("fraction.xml", damaged)
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert [p["code"] for p in problems] == ["content_lost"]
    assert problems[0]["line"] == 14  # the itemBody and "<mglyph>" in problems[0]["message_en"]


def _zip(entries: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    data = bytearray(buffer.getvalue())
    if encrypted:  # general-purpose flag bit 0, in the local header and the central directory
        data[6] |= 0x01
        data[data.rindex(b"PK\x01\x02") + 8] |= 0x01
    return bytes(data)


async def test_broken_files_are_422_with_problems_never_500(editor_client: AsyncClient) -> None:
    manifest = (FILES / "tao-sjt" / "imsmanifest.xml").read_bytes()
    good = _zip({"imsmanifest.xml": manifest})
    crc = bytearray(good)
    crc[good.index(b"<manifest") + 20] ^= 0x20  # stored member: its bytes no longer match its CRC
    cases = {
        "crc.zip": (bytes(crc), "damaged_zip_member"),
        "locked.zip": (_zip({"imsmanifest.xml": manifest}, encrypted=True), "encrypted_zip"),
        "big.json": (b'{"format": "cact-items/1", "n": ' + b"7" * 5000 + b"}", "number_too_long"),
    }
    for name, (data, code) in cases.items():
        response = await editor_client.post("/api/items/validate", files=upload_bytes(name, data))
        assert response.status_code == 200, (name, response.text)
        assert code in [p["code"] for p in response.json()["problems"]], name
        imported = await editor_client.post("/api/items/import", files=upload_bytes(name, data))
        assert imported.status_code == 422, name


async def test_word_and_moodle_banks_import(editor_client: AsyncClient) -> None:
    document = docx.Document()
    document.add_paragraph("Kompetensi: M.01")
    document.add_paragraph("1. Anda ditawari hadiah oleh warga. Apa yang Anda lakukan?")
    for line in ("A. Menolak dengan sopan", "B. Menerima", "Bobot: A=4; B=1", "Kode: W-1"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    moodle = (FILES / "moodle-export.xml").read_text("utf-8")
    cut = moodle.index("<!-- question: 0  -->", moodle.index("SJT Hadiah"))
    moodle = moodle[:cut] + "</quiz>\n"
    files = [
        *upload_bytes("bank.docx", buffer.getvalue()),
        *upload_bytes("soal.xml", moodle.encode()),
    ]
    response = await editor_client.post("/api/items/import", files=files)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["created"]) == ["SJT-Hadiah", "W-1"]
    sjt = (await editor_client.get("/api/items/SJT-Hadiah")).json()["current"]
    assert sjt["media_url"] and [o["weight"] for o in sjt["options"]] == [4, 3, 1, 0]


async def test_the_word_template_downloads(editor_client: AsyncClient) -> None:
    response = await editor_client.get("/api/items/template.docx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert docx.Document(io.BytesIO(response.content)).paragraphs


async def test_a_note_comes_back_with_the_report(editor_client: AsyncClient) -> None:
    csv = "kode_soal;kompetensi;jenis;soal;opsi_A;opsi_B;bobot_A;bobot_B\n"
    csv += "X1;M.01;berbobot;S;a;b;4,0;1\n"
    response = await editor_client.post(
        "/api/items/validate", files=upload_bytes("bank.xlsx", csv.encode())
    )
    report = response.json()
    assert report["valid"] and [n["code"] for n in report["notes"]] == ["read_as_csv"]
