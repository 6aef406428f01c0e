"""No input raises: valid files of every format, mutated, give problems (or a valid set) only.

Bounded: a fixed number of examples per format (about half a minute in all), no deadline.
Mutations: raw bytes (flip, insert, delete, truncate), zip members rewritten with mutated
content inside a valid archive, XML elements and attributes damaged, JSON/YAML numbers replaced
by huge or odd ones, and the special characters of the text formats sprinkled in.
"""

import io
import re
import zipfile
import zlib
from collections.abc import Callable

import pytest
from bank_fixtures import KNOWN, rich_set, workbook_bytes
from docx_files import as_bytes, editor_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from item_files import TECHNICAL, fixture

from item_bank import Code, load_item_bytes, write_item_set

ALL = KNOWN | TECHNICAL | {"T.TIK.02"}
SEEDS: dict[str, bytes] = {
    "bank.yaml": write_item_set(rich_set(), "yaml"),
    "bank.json": write_item_set(rich_set(), "json"),
    "bank.xlsx": write_item_set(rich_set(), "xlsx"),
    "bank.csv": write_item_set(rich_set(), "csv"),
    "item.xml": fixture("tao-sjt/items/i16a2b7c0/qti.xml"),
    "math.zip": fixture("qti-math"),
    "tao.zip": fixture("tao-sjt"),
    "native.zip": write_item_set(rich_set(), "qti30"),
    "moodle.xml": fixture("moodle-export.xml"),
    "bank.gift": fixture("bank.gift"),
    "bank.txt": fixture("bank-aiken.txt"),
    "bank.docx": as_bytes(editor_document()),
    "sheet.xlsx": workbook_bytes({"Rekap": [["x"]], "soal": [["kode_soal", "soal"], ["a", "b"]]}),
}
CODES = {c.value for c in Code}
SPECIALS = [
    "{",
    "}",
    "~",
    "=",
    "#",
    "\\",
    ":",
    "::",
    "ANSWER: Z",
    "\\(",
    "\\)",
    "$$",
    "<",
    "&",
    "\x00",
    "\ufeff",
    ";",
    ",",
    '"',
    "\n\n",
    "%-50%",
    "A.",
    "1.",
]
NUMBERS = [
    "9" * 4400,
    "1e999",
    "-0",
    "NaN",
    "1.5",
    "-1",
    "99999999999999999999",
    "0x10",
    "2026-13-45",
]


def flip(data: bytes, draw: st.DrawFn) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
    if op == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if op == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if op == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :]
    return data[:at]


def text_mutation(data: bytes, draw: st.DrawFn) -> bytes:
    text = data.decode("utf-8", errors="replace")
    kind = draw(st.sampled_from(["special", "number", "tag", "attribute"]))
    if kind == "number":
        numbers = list(re.finditer(r"\d+(\.\d+)?", text))
        if numbers:
            found = draw(st.sampled_from(numbers))
            return (
                text[: found.start()] + draw(st.sampled_from(NUMBERS)) + text[found.end() :]
            ).encode()
    if kind == "tag":
        tags = list(re.finditer(r"<[^<>]{1,80}>", text))
        if tags:
            found = draw(st.sampled_from(tags))
            replacement = draw(
                st.sampled_from(["", found.group(0) * 2, "<m:mglyph/>", "</x>", "<svg>"])
            )
            return (text[: found.start()] + replacement + text[found.end() :]).encode()
    if kind == "attribute":
        values = list(re.finditer(r'="([^"]*)"', text))
        if values:
            found = draw(st.sampled_from(values))
            value = draw(st.sampled_from(["", "x", "choice_1", "-5", "1" * 50, "&#0;", "{}"]))
            return (text[: found.start(1)] + value + text[found.end(1) :]).encode()
    at = draw(st.integers(0, len(text)))
    return (text[:at] + draw(st.sampled_from(SPECIALS)) + text[at:]).encode()


def member_mutation(data: bytes, draw: st.DrawFn) -> bytes:
    """A valid zip whose members' content is damaged (readers see the bad content)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, RuntimeError):
        return flip(data, draw)  # an earlier mutation broke the archive itself
    name = draw(st.sampled_from(sorted(members)))
    content = members[name]
    mutate: Callable[[bytes, st.DrawFn], bytes] = draw(st.sampled_from([flip, text_mutation]))
    members[name] = mutate(content, draw)
    if draw(st.booleans()) and len(members) > 1:
        members.pop(draw(st.sampled_from(sorted(members))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for member, body in members.items():
            rewritten.writestr(member, body)
    return buffer.getvalue()


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    data = SEEDS[name]
    is_zip = data.startswith(b"PK")
    choices: list[Callable[[bytes, st.DrawFn], bytes]] = [flip]
    choices += [member_mutation] if is_zip else [text_mutation]
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(choices))(data, draw)
    return data


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_mutated_files_only_ever_give_problems(name: str) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=mutated(name))
    def check(data: bytes) -> None:
        for with_media in (False, True):
            result = load_item_bytes(name, data, known_competencies=ALL, with_media=with_media)
            assert result.ok == (not result.problems)
            for problem in [*result.problems, *result.notes]:
                assert problem.code in CODES and problem.file.startswith(name)
                assert problem.message_id and problem.message_en

    check()
