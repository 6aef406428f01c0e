"""Blueprint files and the competency dictionary: valid ones load, broken ones say where."""

from pathlib import Path

import pytest
import yaml
from bank_fixtures import dictionary_document, rich_set, write_dictionary

from item_bank import DictionaryError, load_blueprint, load_dictionary, parse_dictionary
from item_bank.dictionary import bundled_dictionary_path

BLUEPRINT = """\
format: cact-blueprint/1
code: DEMO-2026
title: "Asesmen Kompetensi Demo 2026"
sections:
  - title: Manajerial
    time_limit_minutes: 60
    shuffle_items: true
    shuffle_options: true
    rules:
      - {competency: M.01, count: 1}
      - {competency: T.ADM.01, count: 1, level: 2}
  - title: Teknis
    time_limit_minutes: 45
    shuffle_items: false
    items: [T-ADM-001, T-TIK-9]
"""


def test_blueprint_loads_with_defaults() -> None:
    result = load_blueprint("blueprint.yaml", BLUEPRINT.encode(), items=rich_set().items)
    assert result.ok and result.blueprint is not None
    manajerial, teknis = result.blueprint.sections
    assert manajerial.rules[1].level == 2 and teknis.items == ["T-ADM-001", "T-TIK-9"]
    assert teknis.shuffle_options is True and teknis.shuffle_items is False


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("cact-blueprint/1", "cact-blueprint/9", "wrong_format", 1),
        ("time_limit_minutes: 60", "time_limit_minutes: 0", "value_out_of_range", 6),
        ("time_limit_minutes: 45", "time_limit_minutes: lama", "wrong_type", 13),
        ("    items: [T-ADM-001, T-TIK-9]\n", "", "rules_or_items", 12),
        ("count: 1, level: 2", "count: 1, level: 8", "level_out_of_range", 11),
        ("competency: M.01", "competency: m01", "invalid_competency_code", 10),
        ("shuffle_items: true", "shufle_items: true", "unknown_field", 7),
    ],
)
def test_broken_blueprint_is_reported_with_its_line(
    old: str, new: str, code: str, line: int
) -> None:
    result = load_blueprint("blueprint.yaml", BLUEPRINT.replace(old, new).encode())
    assert [(p.code, p.line) for p in result.problems] == [(code, line)]
    assert result.blueprint is None and not result.ok


def test_breaks_default_to_60_seconds_and_a_section_can_schedule_a_longer_one() -> None:
    plain = load_blueprint("blueprint.yaml", BLUEPRINT.encode()).blueprint
    assert plain is not None and plain.break_seconds == 60
    assert [plain.break_before(i) for i in range(2)] == [0, 60]
    text = BLUEPRINT.replace(
        "      - {competency: T.ADM.01, count: 1, level: 2}\n",
        "      - {competency: T.ADM.01, count: 1, level: 2}\n    break_after_seconds: 900\n",
    )
    scheduled = load_blueprint("blueprint.yaml", ("break_seconds: 0\n" + text).encode())
    assert scheduled.ok and scheduled.blueprint is not None
    assert scheduled.blueprint.break_seconds == 0
    assert [scheduled.blueprint.break_before(i) for i in range(2)] == [0, 900]


@pytest.mark.parametrize(
    ("head", "after", "code", "line", "words"),
    [
        ("break_seconds: -1\n", "", "break_out_of_range", 1, "0 (tanpa jeda) sampai 14400"),
        ("break_seconds: 20000\n", "", "break_out_of_range", 1, "bukan 20000"),
        ("break_seconds: sebentar\n", "", "wrong_type", 1, "bilangan bulat"),
        ("break_seconds: 1.5\n", "", "wrong_type", 1, "bilangan bulat"),
        ("break_seconds: true\n", "", "wrong_type", 1, "bilangan bulat"),
        ("", "    break_after_seconds: -5\n", "break_out_of_range", 12, "bukan -5"),
        ("", "    break_after_seconds: 60\n", "break_after_last_section", 16, "bagian terakhir"),
    ],
)
def test_a_bad_break_is_reported_with_its_line_in_both_languages(
    head: str, after: str, code: str, line: int, words: str
) -> None:
    text = head + BLUEPRINT
    if after and code == "break_after_last_section":
        text += after
    elif after:
        text = text.replace(
            "      - {competency: T.ADM.01, count: 1, level: 2}\n",
            "      - {competency: T.ADM.01, count: 1, level: 2}\n" + after,
        )
    result = load_blueprint("blueprint.yaml", text.encode())
    assert [(p.code, p.line) for p in result.problems] == [(code, line)]
    problem = result.problems[0]
    assert words in problem.message_id and problem.message_en


def test_blueprint_is_checked_against_the_bank() -> None:
    text = BLUEPRINT.replace("T-TIK-9", "T-NONE").replace(
        "count: 1, level: 2", "count: 3, level: 2"
    )
    result = load_blueprint("blueprint.yaml", text.encode(), items=rich_set().items)
    found = {(p.code, p.field, p.line) for p in result.problems}
    assert found == {
        ("unknown_item", "sections[1].items[1]", 15),
        ("not_enough_items", "sections[0].rules[1]", 11),
    }
    (shortage,) = [p for p in result.problems if p.code == "not_enough_items"]
    assert "3 T.ADM.01 level 2 items, but the bank has only 1" in shortage.message_en


def test_fixture_dictionary_loads(tmp_path: Path) -> None:
    dictionary = load_dictionary(write_dictionary(tmp_path / "c.yaml"))
    assert "SK.01" in dictionary.codes
    m01 = dictionary.get("M.01")
    assert m01 is not None and m01.level(3).level == 3


def test_bundled_dictionary_is_valid_and_holds_the_permenpanrb_codes() -> None:
    assert bundled_dictionary_path().is_file()
    dictionary = load_dictionary()
    expected = {f"M.0{n}" for n in range(1, 9)} | {"SK.01"}
    assert expected <= dictionary.codes


def test_broken_dictionary_lists_every_problem() -> None:
    document = dictionary_document(["M.01", "M.01"])
    document["competencies"][0]["levels"].pop()
    document["competencies"][1]["name"] = {"id": "Integritas"}
    with pytest.raises(DictionaryError) as caught:
        parse_dictionary("c.yaml", yaml.safe_dump(document).encode())
    found = {(p.code, p.field) for p in caught.value.problems}
    assert ("missing_field", "competencies[1].name.en") in found
    assert ("invalid_value", "competencies[0]") in found
