"""Item images: taken from QTI and native packages or uploaded alongside, judged by their bytes."""

import base64
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml
from bank_fixtures import KNOWN, codes, load, only, rich_set

from item_bank import (
    DEFAULT_LIMITS,
    Limits,
    LoadResult,
    Upload,
    load_dictionary,
    load_item_files,
    load_items,
)
from item_bank.media import MediaBlob, sniff_image
from item_bank.writers import write_qti_package


def png(rgb: tuple[int, int, int] = (200, 30, 30), width: int = 1, height: int = 1) -> bytes:
    """A real PNG (8-bit RGB, one colour) with correct chunk CRCs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = (b"\x00" + bytes(rgb) * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A 1×1 grey baseline JPEG: one-code Huffman tables, DC difference 0, then end of block."""
    quantisation = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"
    huffman = b"".join(
        b"\xff\xc4" + struct.pack(">H", 20) + t + one_code for t in (b"\x00", b"\x10")
    )
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + quantisation + frame + huffman + scan + b"\x3f" + b"\xff\xd9"


GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
    b"<script>alert(document.cookie)</script></svg>"
)


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def qti30_item(identifier: str, body: str, label: str = "M.01/3") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="{identifier}"
    title="{identifier}" label="{label}" adaptive="false" time-dependent="false" xml:lang="id">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    {body}
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>Apa arti rambu ini?</qti-prompt>
      <qti-simple-choice identifier="A">Boleh parkir</qti-simple-choice>
      <qti-simple-choice identifier="B">Dilarang parkir</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing
      template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""


def image_body(src: str, alt: str = "Rambu P coret") -> str:
    return f'<p>Perhatikan rambu berikut.</p>\n    <p><img src="{src}" alt="{alt}"/></p>'


def qti30_package(items: dict[str, str], images: dict[str, bytes], prefix: str = "") -> bytes:
    """A QTI 3.0 content package: `items` maps a file under items/ to its XML."""
    resources = "".join(
        f'<resource identifier="R-{name}" type="imsqti_item_xmlv3p0" href="items/{name}">'
        f'<file href="items/{name}"/>'
        + "".join(f'<file href="{image}"/>' for image in images)
        + "</resource>"
        for name in items
    )
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="M-1">
  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>
  <organizations/>
  <resources>{resources}</resources>
</manifest>"""
    files: dict[str, bytes | str] = {"imsmanifest.xml": manifest}
    files |= {f"items/{name}": text for name, text in items.items()}
    files |= images
    return zip_of({prefix + name: content for name, content in files.items()})


def native_set(*items: tuple[str, str | None]) -> str:
    """A native YAML set of keyed items given as (id, media src or None)."""
    document = {
        "format": "cact-items/1",
        "title": "Rambu",
        "language": "id",
        "items": [
            {
                "id": item_id,
                "competency": "M.01",
                "kind": "keyed",
                "stem": f"Soal {item_id}",
                **({"media": {"src": src, "alt": f"Gambar {item_id}"}} if src else {}),
                "options": [{"text": "Ya", "correct": True}, {"text": "Tidak"}],
            }
            for item_id, src in items
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def line_of(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if part in line)


def load_with_media(
    *uploads: tuple[str, bytes | str], limits: Limits = DEFAULT_LIMITS
) -> LoadResult:
    files = [Upload(n, d.encode() if isinstance(d, str) else d) for n, d in uploads]
    return load_items(files, known_competencies=KNOWN, limits=limits, with_media=True)


def test_hand_made_images_are_real_files_of_their_type() -> None:
    image = png(width=3, height=2)
    assert (
        image[12:16] == b"IHDR" and zlib.crc32(image[12:29]) == struct.unpack(">I", image[29:33])[0]
    )
    assert zlib.decompress(image[41:-16]) == (b"\x00" + bytes((200, 30, 30)) * 3) * 2
    assert [sniff_image(d) for d in (png(), jpeg(), GIF, WEBP)] == [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    ]
    assert [sniff_image(d) for d in (SVG, b"", b"\x89PNG fake", b"RIFF\0\0\0\0WAVE")] == [None] * 4


def test_qti30_package_image_becomes_the_items_media_with_its_bytes() -> None:
    image = png()
    data = qti30_package(
        {"q1.xml": qti30_item("Q1", image_body("../images/sign.png"))},
        {"images/sign.png": image},
    )
    result = load("rambu.zip", data, with_media=True)
    assert result.ok, result.problems
    (item,) = result.item_sets[0].items
    assert item.media is not None and (item.media.src, item.media.alt) == (
        "images/sign.png",
        "Rambu P coret",
    )
    assert result.media == {"images/sign.png": MediaBlob("sign.png", "image/png", image)}
    assert "<img" not in item.stem and "<p></p>" not in item.stem
    assert item.stem == "<p>Perhatikan rambu berikut.</p>\n<p>Apa arti rambu ini?</p>"


def test_package_zipped_with_its_folder_and_an_encoded_src_finds_the_image() -> None:
    items = {"q1.xml": qti30_item("Q1", image_body("../images/rambu%20parkir.png"))}
    data = qti30_package(items, {"images/rambu parkir.png": GIF}, prefix="ekspor/")
    result = load("rambu.zip", data, with_media=True)
    assert result.ok, result.problems
    assert result.media["ekspor/images/rambu%20parkir.png"].content_type == "image/gif"


def test_only_the_first_image_of_a_qti_stem_is_media_and_more_are_reported() -> None:
    body = image_body("../images/a.png") + '<p><img src="../images/b.png" alt=""/></p>'
    data = qti30_package({"q1.xml": qti30_item("Q1", body)}, {"images/a.png": png()})
    assert codes(load("rambu.zip", data, with_media=True)) == ["too_many_images"]


def test_an_image_inside_a_qti_choice_is_reported_not_dropped() -> None:
    item = qti30_item("Q1", "<p>Pilih rambu yang benar.</p>").replace(
        "Dilarang parkir</qti-simple-choice>",
        '<img src="../images/a.png" alt="P coret"/></qti-simple-choice>',
    )
    data = qti30_package({"q1.xml": item}, {"images/a.png": png()})
    problem = only(load("rambu.zip", data, with_media=True), "image_in_text")
    assert (problem.item_id, problem.field) == ("Q1", "items[0].options[1].text")
    assert problem.file == "rambu.zip!items/q1.xml"


def test_an_img_tag_in_native_stem_text_is_reported() -> None:
    text = native_set(("N-1", None)).replace("Soal N-1", "'<p>Lihat <img src=x.png></p>'")
    problem = only(load("bank.yaml", text), "image_in_text")
    assert (problem.field, problem.line) == ("items[0].stem", line_of(text, "stem:"))


def test_native_yaml_and_its_png_uploaded_together_import() -> None:
    first, second = png((1, 2, 3)), png((4, 5, 6))
    text = native_set(("N-1", "images/satu.png"), ("N-2", "gambar/dua.png"), ("N-3", None))
    result = load_with_media(
        ("bank.yaml", text),
        ("satu.png", first),  # a browser sends the file name only
        ("unggahan/gambar/dua.png", second),  # a folder upload keeps the relative path
        ("tidak-dipakai.svg", SVG),  # an image no item uses is ignored
    )
    assert result.ok, result.problems
    assert result.media == {
        "images/satu.png": MediaBlob("satu.png", "image/png", first),
        "gambar/dua.png": MediaBlob("dua.png", "image/png", second),
    }


def test_jpeg_gif_and_webp_are_accepted() -> None:
    text = native_set(("N-1", "a.jpg"), ("N-2", "b.gif"), ("N-3", "c.webp"))
    result = load_with_media(
        ("bank.yaml", text), ("a.jpg", jpeg()), ("b.gif", GIF), ("c.webp", WEBP)
    )
    assert result.ok, result.problems
    types = {src: blob.content_type for src, blob in result.media.items()}
    assert types == {"a.jpg": "image/jpeg", "b.gif": "image/gif", "c.webp": "image/webp"}


def test_native_package_holds_several_sets_and_their_images() -> None:
    shared = png()
    data = zip_of(
        {
            "bank/a.yaml": native_set(("A-1", "img/rambu.png"), ("A-2", "img/rambu.png")),
            "bank/b.yml": native_set(("B-1", "img/rambu.png")),
            "bank/img/rambu.png": shared,
            "__MACOSX/bank/._a.yaml": b"\x00\x05\x16\x07 resource fork",
            "README.txt": "dibaca manusia",
        }
    )
    result = load("bank.zip", data, with_media=True)
    assert result.ok, result.problems
    assert [len(s.items) for s in result.item_sets] == [2, 1]
    assert result.media == {"img/rambu.png": MediaBlob("rambu.png", "image/png", shared)}


def test_the_zipped_demo_folder_is_a_native_package_without_its_blueprint() -> None:
    demo = Path(__file__).resolve().parents[2] / "item_bank" / "demo"
    data = zip_of({f"demo/{p.name}": p.read_bytes() for p in sorted(demo.iterdir())})
    result = load("demo.zip", data, known_competencies=load_dictionary().codes, with_media=True)
    assert result.ok, result.problems
    assert len(result.item_sets) == 3 and result.media == {}
    blueprint_only = zip_of({"blueprint.yaml": (demo / "blueprint.yaml").read_bytes()})
    assert codes(load("rancangan.zip", blueprint_only)) == ["no_items"]


def test_native_package_problems_name_the_member_and_line() -> None:
    text = native_set(("A-1", None), ("A-2", "img/hilang.png"))
    problem = only(
        load("bank.zip", zip_of({"sets/a.yaml": text}), with_media=True), "missing_media"
    )
    line = line_of(text, "src: img/hilang.png")
    assert (problem.file, problem.line, problem.item_id) == ("bank.zip!sets/a.yaml", line, "A-2")
    assert problem.field == "items[1].media.src"


def test_a_missing_image_is_reported_in_both_languages_and_nothing_is_returned() -> None:
    text = native_set(("N-1", "images/ada.png"), ("N-2", "images/hilang.png"))
    result = load_with_media(("bank.yaml", text), ("ada.png", png()))
    problem = only(result, "missing_media")
    line = line_of(text, "src: images/hilang.png")
    assert (problem.item_id, problem.field, problem.line) == ("N-2", "items[1].media.src", line)
    assert "images/hilang.png" in problem.message_id and "images/hilang.png" in problem.message_en
    assert result.item_sets == [] and result.media == {}


def test_svg_disguised_as_png_is_an_unsupported_media_type() -> None:
    text = native_set(("N-1", "rambu.png"))
    result = load_with_media(("bank.yaml", text), ("rambu.png", SVG))
    problem = only(result, "unsupported_media_type")
    assert problem.item_id == "N-1" and "SVG" in problem.message_en
    data = qti30_package({"q.xml": qti30_item("Q1", image_body("../x.svg"))}, {"x.svg": SVG})
    assert codes(load("rambu.zip", data, with_media=True)) == ["unsupported_media_type"]


def test_an_image_over_the_limit_is_too_large() -> None:
    image = png(width=64, height=64)
    text = native_set(("N-1", "besar.png"), ("N-2", "besar.png"))
    limits = Limits(max_media_bytes=len(image) - 1)
    result = load_with_media(("bank.yaml", text), ("besar.png", image), limits=limits)
    assert codes(result) == ["media_too_large", "media_too_large"]
    assert f"{len(image)} bytes" in result.problems[0].message_en


def test_zip_slip_image_paths_are_refused() -> None:
    escaping_member = qti30_package(
        {"q.xml": qti30_item("Q1", image_body("../../evil.png"))}, {"../evil.png": png()}
    )
    assert codes(load("rambu.zip", escaping_member, with_media=True)) == ["unsafe_zip_path"]
    escaping_src = qti30_package(
        {"q.xml": qti30_item("Q1", image_body("../../../etc/rambu.png"))}, {}
    )
    problem = only(load("rambu.zip", escaping_src, with_media=True), "unsafe_media_path")
    assert problem.item_id == "Q1"
    native = zip_of({"a.yaml": native_set(("A-1", "../rambu.png")), "rambu.png": png()})
    assert codes(load("bank.zip", native, with_media=True)) == ["unsafe_media_path"]


def test_one_src_naming_different_images_in_two_packages_is_a_conflict() -> None:
    def package(item_id: str, image: bytes) -> bytes:
        return zip_of({"a.yaml": native_set((item_id, "img/1.png")), "img/1.png": image})

    result = load_with_media(
        ("satu.zip", package("A-1", png((1, 1, 1)))), ("dua.zip", package("B-1", png((2, 2, 2))))
    )
    problem = only(result, "media_conflict")
    assert (problem.file, problem.item_id) == ("dua.zip!a.yaml", "B-1")
    assert "satu.zip!a.yaml" in problem.message_en
    same = load_with_media(("satu.zip", package("A-1", png())), ("dua.zip", package("B-1", png())))
    assert same.ok and list(same.media) == ["img/1.png"]


def test_without_with_media_images_are_neither_required_nor_item_files() -> None:
    text = native_set(("N-1", "images/hilang.png"))
    result = load("bank.yaml", text)
    assert result.ok and result.media == {}
    files = [Upload("bank.yaml", text.encode()), Upload("rambu.png", png())]
    assert codes(load_items(files, known_competencies=KNOWN)) == ["unsupported_file_type"]


def test_images_on_disk_are_given_alongside_the_item_files(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "rambu.png").write_bytes(png())
    (tmp_path / "bank.yaml").write_text(native_set(("N-1", "images/rambu.png")), "utf-8")
    paths = [tmp_path / "bank.yaml", tmp_path / "images" / "rambu.png"]
    result = load_item_files(paths, known_competencies=KNOWN, with_media=True)
    assert result.ok, result.problems
    assert result.media["images/rambu.png"].data == png()


@pytest.mark.parametrize("version", ["2.1", "2.2", "3.0"])
def test_written_qti_package_with_its_media_reads_back_with_the_image(version: str) -> None:
    item_set = rich_set()
    image = png()
    data = write_qti_package(item_set, version, media={"images/m01-001.png": image})
    result = load(
        "bank.zip", data, known_competencies=KNOWN | {"T.ADM.01", "T.TIK.02"}, with_media=True
    )
    assert result.ok, result.problems
    assert result.item_sets == [item_set]
    assert result.media == {"images/m01-001.png": MediaBlob("m01-001.png", "image/png", image)}
