"""Hostile uploads are refused with a problem, never an exception or a blow-up."""

import io
import zipfile

import pytest
from bank_fixtures import codes, load, rich_set

from item_bank import Limits, load_item_files, write_item_set

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE assessmentItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="X" title="&xxe;"/>
"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="X" title="&lol3;"/>
"""


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_with_entities_is_refused(document: bytes) -> None:
    assert codes(load("item.xml", document)) == ["xml_entities_forbidden"]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_entities_inside_a_package_manifest_are_refused() -> None:
    result = load("bank.zip", zip_of({"imsmanifest.xml": BILLION_LAUGHS}))
    assert codes(result) == ["xml_entities_forbidden"]
    assert result.problems[0].file == "bank.zip!imsmanifest.xml"


def test_entities_inside_an_xlsx_part_are_refused() -> None:
    workbook = zipfile.ZipFile(io.BytesIO(write_item_set(rich_set(), "xlsx")))
    parts = {name: workbook.read(name) for name in workbook.namelist()}
    parts["xl/workbook.xml"] = BILLION_LAUGHS
    assert codes(load("bank.xlsx", zip_of(parts))) == ["xml_entities_forbidden"]


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/x", "/etc/passwd", "items\\..\\..\\x.xml", "C:/x.xml"]
)
def test_zip_slip_paths_are_refused(name: str) -> None:
    result = load("bank.zip", zip_of({"imsmanifest.xml": b"<manifest/>", name: b"x"}))
    assert codes(result) == ["unsafe_zip_path"]
    assert name in result.problems[0].message_en


def test_highly_compressed_member_is_a_zip_bomb() -> None:
    bomb = zip_of({"imsmanifest.xml": b"<manifest/>", "items/a.xml": b"\0" * 5_000_000})
    assert len(bomb) < 20_000
    assert codes(load("bank.zip", bomb)) == ["zip_bomb"]


def test_member_and_total_size_limits_apply() -> None:
    data = zip_of({"imsmanifest.xml": b"<manifest/>", "a.bin": bytes(range(256)) * 40})
    assert codes(load("bank.zip", data, limits=Limits(max_member_bytes=5_000))) == ["zip_bomb"]
    assert codes(load("bank.zip", data, limits=Limits(max_total_uncompressed_bytes=5_000))) == [
        "zip_bomb"
    ]


def test_xlsx_zip_bomb_is_refused_before_opening() -> None:
    data = write_item_set(rich_set(), "xlsx")
    assert codes(load("bank.xlsx", data, limits=Limits(max_total_uncompressed_bytes=1_000))) == [
        "zip_bomb"
    ]


def test_too_many_zip_members_are_refused() -> None:
    data = zip_of({f"f{i}.txt": b"x" for i in range(20)})
    assert codes(load("bank.zip", data, limits=Limits(max_zip_members=10))) == [
        "too_many_zip_members"
    ]


def test_oversized_upload_is_refused_without_parsing() -> None:
    result = load("bank.yaml", b"x" * 2_000, limits=Limits(max_file_bytes=1_000))
    assert codes(result) == ["file_too_large"]


def test_oversized_file_on_disk_is_not_read(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "big.yaml"
    path.write_bytes(b"x" * 2_000)
    result = load_item_files([path], known_competencies=set(), limits=Limits(max_file_bytes=1_000))
    assert codes(result) == ["file_too_large"]


def test_missing_file_is_a_problem_not_an_exception(tmp_path: object) -> None:
    result = load_item_files([f"{tmp_path}/nope.yaml"], known_competencies=set())
    assert codes(result) == ["unreadable_file"]


def test_yaml_anchors_and_aliases_are_refused() -> None:
    text = "format: cact-items/1\ntitle: &t x\nlanguage: id\nitems: *t\n"
    assert codes(load("bank.yaml", text)) == ["yaml_aliases_forbidden"]


def test_deeply_nested_yaml_is_malformed_not_a_crash() -> None:
    assert codes(load("bank.yaml", "a: " + "[" * 5_000)) in (["malformed_yaml"],)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("bank.xls", b"\xd0\xcf\x11\xe0 old excel", "unsupported_file_type"),
        ("bank.yaml", b"   \n", "empty_file"),
        ("bank.zip", b"PK\x03\x04 broken", "bad_zip"),
    ],
)
def test_unusable_files_are_reported(name: str, data: bytes, code: str) -> None:
    assert codes(load(name, data)) == [code]
