"""The three inputs that used to raise, and the QTI weight-map checks."""

import io
import zipfile

import pytest
from bank_fixtures import KNOWN, codes, load, only, rich_set
from item_files import TECHNICAL, fixture

from item_bank import write_item_set
from item_bank.loader import load_item_files

ALL = KNOWN | TECHNICAL


def corrupt_member(data: bytes, member: str) -> bytes:
    """Flip a byte inside `member`'s compressed data: the header's CRC now lies."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(data)
    broken[start + info.compress_size // 2] ^= 0xFF
    return bytes(broken)


def stored(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "member"),
    [
        ("tao.zip", fixture("tao-sjt"), "items/i16a2b7c0/qti.xml"),
        ("bank.zip", stored({"bank.yaml": write_item_set(rich_set(), "yaml")}), "bank.yaml"),
    ],
)
def test_zip_whose_header_lies_about_a_member_is_a_problem(
    name: str, data: bytes, member: str
) -> None:
    problem = only(
        load(name, corrupt_member(data, member), known_competencies=ALL), "damaged_zip_member"
    )
    assert member in problem.message_en and problem.file.startswith(name)


def test_workbook_with_a_damaged_part_is_a_problem() -> None:
    data = write_item_set(rich_set(), "xlsx")
    result = load("bank.xlsx", corrupt_member(data, "xl/worksheets/sheet1.xml"))
    assert codes(result) == ["damaged_zip_member"]


def test_zip_with_the_encryption_flag_is_a_problem() -> None:
    data = bytearray(fixture("tao-sjt"))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    for info in archive.infolist():
        for offset in (info.header_offset + 6, _central_offset(bytes(data), info.filename) + 8):
            data[offset] |= 0x01  # general-purpose flag bit 0: encrypted
    problem = only(load("tao.zip", bytes(data), known_competencies=ALL), "encrypted_zip")
    assert "password" in problem.message_en


def _central_offset(data: bytes, name: str) -> int:
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name.encode()))
    return entry


def test_json_number_over_pythons_digit_limit_is_a_problem() -> None:
    text = '{"format": "cact-items/1", "title": "x", "language": "id", "items": [{"level": '
    text += "9" * 5000 + "}]}"
    problem = only(load("bank.json", text), "number_too_long")
    assert "5000 digits" in problem.message_en
    yaml_text = "format: cact-items/1\ntitle: x\nlanguage: id\nitems:\n  - level: " + "9" * 5000
    assert only(load("bank.yaml", yaml_text), "number_too_long").line == 5


def test_files_on_disk_that_are_broken_never_raise(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tao.zip"
    path.write_bytes(corrupt_member(fixture("tao-sjt"), "imsmanifest.xml"))
    result = load_item_files([path], known_competencies=ALL)
    assert codes(result) == ["damaged_zip_member"]


SJT = fixture("tao-sjt/items/i16a2b7c0/qti.xml").decode()


def sjt(old: str, new: str) -> str:
    assert old in SJT
    return SJT.replace(old, new)


def test_duplicate_map_key_is_a_problem_not_the_last_value() -> None:
    text = sjt(
        '<mapEntry mapKey="choice_3" mappedValue="1"/>',
        '<mapEntry mapKey="choice_1" mappedValue="1"/>',
    )
    problem = only(load("qti.xml", text), "duplicate_map_key")
    assert problem.line == 11 and "choice_1" in problem.message_en
    assert "weight 4, then 1" in problem.message_en


def test_map_entry_for_an_unknown_choice_is_a_problem() -> None:
    text = sjt('mapKey="choice_3"', 'mapKey="choice_9"')
    problem = only(load("qti.xml", text), "map_key_not_a_choice")
    assert problem.line == 11 and "choice_9" in problem.message_en


def test_choice_without_weight_and_no_default_is_missing_weight() -> None:
    text = sjt('<mapping defaultValue="0">', "<mapping>")
    problem = only(load("qti.xml", text), "missing_weight")
    assert problem.field == "items[0].options[3].weight" and "Option D" in problem.message_en
    assert problem.line == 27  # the simpleChoice without a weight
    with_default = load("qti.xml", SJT, default_competency="M.01")
    assert with_default.ok and with_default.item_sets[0].items[0].options[3].weight == 0


def test_duplicate_choice_identifiers_get_their_own_code() -> None:
    keyed = fixture("qti-math/items/angle.xml").decode().replace('identifier="C"', 'identifier="B"')
    result = load("angle.xml", keyed, known_competencies=ALL)
    assert codes(result) == ["duplicate_choice_id"]
    assert result.problems[0].line == 16


def test_interactions_are_named_once_with_a_count() -> None:
    two = SJT.replace(
        "<choiceInteraction",
        '<inlineChoiceInteraction responseIdentifier="R1"/><inlineChoiceInteraction '
        'responseIdentifier="R2"/><choiceInteraction',
    )
    problem = only(load("qti.xml", two), "unsupported_interaction")
    assert "inlineChoiceInteraction (2×), choiceInteraction" in problem.message_en
    assert problem.line == 22


def test_assessment_item_without_a_namespace_is_refused() -> None:
    bare = SJT.replace('xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2"', "")
    assert codes(load("qti.xml", bare)) == ["missing_qti_namespace"]


def test_qti_problems_carry_the_line_of_the_element() -> None:
    text = sjt('mappedValue="3"', 'mappedValue="30"')
    problem = only(load("qti.xml", text), "weight_out_of_range")
    assert (problem.line, problem.field) == (25, "items[0].options[1].weight")
