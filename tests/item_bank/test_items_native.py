"""Native YAML and JSON item sets: valid files load, every broken rule is reported where it is."""

import json
from typing import Any

import pytest
from bank_fixtures import codes, load, only

from item_bank import Code

HEADER = 'format: cact-items/1\ntitle: "Manajerial — Integritas"\nlanguage: id\nitems:\n'
WEIGHTED = """\
  - id: M01-001
    competency: M.01
    kind: weighted
    level: 3
    stem: <p>Anda menemukan rekan kerja menerima hadiah.</p>
    options:
      - {label: A, text: Melapor, weight: 4}
      - {label: B, text: Membiarkan, weight: 1}
"""
KEYED = """\
  - id: SK01-002
    competency: SK.01
    kind: keyed
    points: 5
    stem: Apa semboyan bangsa Indonesia?
    options:
      - {text: Bhinneka Tunggal Ika, correct: true}
      - {text: Gotong royong}
"""


def native(items: str) -> str:
    return HEADER + items


def test_valid_yaml_set_loads_with_defaults_filled_in() -> None:
    result = load("bank.yaml", native(WEIGHTED + KEYED))
    assert result.ok
    (item_set,) = result.item_sets
    weighted, keyed = item_set.items
    assert weighted.options[0].weight == 4 and weighted.points is None
    assert [o.label for o in keyed.options] == ["A", "B"]
    assert keyed.points == 5 and keyed.options[0].correct
    assert keyed.score("A") == 5 and keyed.score("B") == 0 and weighted.score(None) == 0


def test_json_with_the_same_structure_loads() -> None:
    document: dict[str, Any] = {
        "format": "cact-items/1",
        "title": "Teknis",
        "language": "en",
        "items": [
            {
                "id": "Q1",
                "competency": "M.02",
                "kind": "keyed",
                "stem": "Which one?",
                "options": [{"text": "This", "correct": True}, {"text": "That"}],
            }
        ],
    }
    result = load("bank.json", json.dumps(document))
    assert result.ok and result.item_sets[0].items[0].points == 1


def test_utf8_with_bom_is_accepted() -> None:
    result = load("bank.yaml", b"\xef\xbb\xbf" + native(WEIGHTED).encode())
    assert result.ok


def test_utf16_yaml_with_bom_is_accepted() -> None:
    result = load("bank.yaml", native(WEIGHTED).encode("utf-16"))
    assert result.ok


def test_windows_1252_text_is_bad_encoding_with_its_line() -> None:
    text = native(WEIGHTED).replace("—", "-").replace("Membiarkan", "Membiarkan’")
    data = text.encode("cp1252")
    problem = only(load("bank.yaml", data), Code.BAD_ENCODING)
    assert problem.line == 12


def mutate(old: str, new: str, base: str = WEIGHTED + KEYED) -> str:
    assert old in base
    return native(base.replace(old, new, 1))


# (what is broken, expected code, field, YAML line)
BROKEN = [
    (
        mutate("competency: M.01", "competency: M.99"),
        "unknown_competency",
        "items[0].competency",
        6,
    ),
    (mutate("    competency: M.01\n", ""), "missing_competency", "items[0].competency", 5),
    (mutate(", weight: 1}", "}"), "missing_weight", "items[0].options[1].weight", 12),
    (mutate("weight: 4", "weight: 11"), "weight_out_of_range", "items[0].options[0].weight", 11),
    (
        mutate("weight: 4", "weight: banyak"),
        "weight_out_of_range",
        "items[0].options[0].weight",
        11,
    ),
    (
        mutate("{text: Gotong royong}", "{text: Gotong royong, weight: 2}"),
        "weight_on_keyed",
        "items[1].options[1].weight",
        20,
    ),
    (
        mutate("{text: Gotong royong}", "{text: Gotong royong, correct: true}"),
        "two_correct_options",
        "items[1].options",
        19,
    ),
    (mutate("Ika, correct: true}", "Ika}"), "no_correct_option", "items[1].options", 19),
    (
        mutate(
            "{label: A, text: Melapor, weight: 4}",
            "{label: A, text: Melapor, weight: 4, correct: true}",
        ),
        "correct_on_weighted",
        "items[0].options[0].correct",
        11,
    ),
    (mutate("id: SK01-002", "id: M01-001"), "duplicate_id", "items[1].id", 13),
    (mutate("id: SK01-002", "id: 'bad id!'"), "invalid_id", "items[1].id", 13),
    (
        mutate("  - id: SK01-002\n", "  - kind: keyed\n", KEYED).replace(
            "kind: keyed\n    competency", "competency"
        ),
        "missing_id",
        "items[0].id",
        5,
    ),
    (
        mutate("      - {label: B, text: Membiarkan, weight: 1}\n", ""),
        "too_few_options",
        "items[0].options",
        11,
    ),
    (
        mutate(
            "      - {label: B, text: Membiarkan, weight: 1}\n",
            "".join(f"      - {{text: O{i}, weight: 1}}\n" for i in range(6)),
        ),
        "too_many_options",
        "items[0].options",
        11,
    ),
    (mutate("{label: B,", "{label: A,"), "duplicate_option_label", "items[0].options[1].label", 12),
    (mutate("{label: B,", "{label: Q,"), "invalid_option_label", "items[0].options[1].label", 12),
    (
        mutate("text: Melapor", "text: '<script>alert(1)</script>'"),
        "empty_option_text",
        "items[0].options[0].text",
        11,
    ),
    (
        mutate("stem: <p>Anda menemukan rekan kerja menerima hadiah.</p>", "stem: '<p> </p>'"),
        "empty_stem",
        "items[0].stem",
        9,
    ),
    (mutate("level: 3", "level: 6"), "level_out_of_range", "items[0].level", 8),
    (mutate("level: 3", "level: 3\n    points: 2"), "points_on_weighted", "items[0].points", 9),
    (mutate("points: 5", "points: 0"), "invalid_points", "items[1].points", 16),
    (mutate("kind: weighted", "kind: essay"), "unknown_kind", "items[0].kind", 7),
    (mutate("    kind: weighted\n", ""), "missing_kind", "items[0].kind", 5),
    (
        mutate("level: 3", "level: 3\n    difficulty: hard"),
        "unknown_field",
        "items[0].difficulty",
        9,
    ),
    (
        mutate("level: 3", "level: 3\n    media: {src: ../../etc/passwd}"),
        "unsafe_media_path",
        "items[0].media.src",
        9,
    ),
    (
        native(KEYED.split("    options:")[0] + "    options: plenty\n"),
        "wrong_type",
        "items[0].options",
        10,
    ),
]


@pytest.mark.parametrize(("text", "code", "field", "line"), BROKEN, ids=[b[1] for b in BROKEN])
def test_each_broken_rule_is_reported_with_field_and_line(
    text: str, code: str, field: str, line: int
) -> None:
    problem = only(load("bank.yaml", text), code)
    assert (problem.field, problem.line, problem.file) == (field, line, "bank.yaml")
    assert problem.message_id and problem.message_en and problem.message_id != problem.message_en


def test_all_problems_of_a_file_are_reported_at_once() -> None:
    text = native(WEIGHTED + KEYED).replace("M.01", "M.77").replace(", weight: 1}", "}")
    text = text.replace("points: 5", "points: -1").replace("SK01-002", "M01-001")
    result = load("bank.yaml", text)
    assert sorted(codes(result)) == [
        "duplicate_id",
        "invalid_points",
        "missing_weight",
        "unknown_competency",
    ]
    assert not result.item_sets


def test_default_competency_fills_items_that_name_none() -> None:
    result = load("bank.yaml", mutate("    competency: M.01\n", ""), default_competency="M.04")
    assert result.ok and result.item_sets[0].items[0].competency == "M.04"


def test_unknown_default_competency_is_reported() -> None:
    result = load("bank.yaml", mutate("    competency: M.01\n", ""), default_competency="X.99")
    assert codes(result) == ["unknown_competency"]


def test_declared_competency_makes_its_code_known() -> None:
    declared = "competencies:\n  - {code: T.ADM.01, kind: technical, name: {id: Administrasi}}\n"
    text = HEADER.replace("items:\n", declared + "items:\n") + WEIGHTED.replace("M.01", "T.ADM.01")
    assert load("bank.yaml", text).ok


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        ("{code: t.adm, kind: technical, name: {id: A}}", "invalid_competency_code"),
        ("{code: T.ADM.01, kind: Technical!, name: {id: A}}", "invalid_competency_kind"),
        ("{code: T.ADM.01, kind: technical}", "missing_field"),
        (
            "{code: T.ADM.01, kind: technical, name: {id: A}, "
            "levels: [{level: 1, descriptor: {id: x}}]}",
            "bad_level_descriptors",
        ),
    ],
)
def test_broken_competency_declarations_are_reported(declaration: str, code: str) -> None:
    text = HEADER.replace("items:\n", f"competencies:\n  - {declaration}\nitems:\n") + WEIGHTED
    assert code in codes(load("bank.yaml", text))


def test_declaring_a_code_twice_is_reported() -> None:
    entry = "  - {code: T.ADM.01, kind: technical, name: {id: A}}\n"
    text = HEADER.replace("items:\n", "competencies:\n" + entry * 2 + "items:\n") + WEIGHTED
    assert only(load("bank.yaml", text), "duplicate_competency").field == "competencies[1].code"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (HEADER.replace("cact-items/1", "cact-items/2") + WEIGHTED, "wrong_format"),
        (HEADER.replace("language: id", "language: jv") + WEIGHTED, "invalid_language"),
        (HEADER.replace('title: "Manajerial — Integritas"\n', "") + WEIGHTED, "missing_field"),
        (HEADER + "  []\n", "no_items"),
        ("- just\n- a list\n", "wrong_type"),
        (HEADER + WEIGHTED + "title: again\n", "duplicate_key"),
        (HEADER + "  - {id: [unclosed\n", "malformed_yaml"),
    ],
)
def test_set_level_problems_are_reported(text: str, code: str) -> None:
    assert code in codes(load("bank.yaml", text))


def test_malformed_json_gives_its_line() -> None:
    problem = only(
        load("bank.json", '{\n  "format": "cact-items/1",\n  "title": }'), "malformed_json"
    )
    assert problem.line == 3


def test_duplicate_ids_across_files_of_one_load_are_reported_in_the_later_file() -> None:
    from bank_fixtures import KNOWN

    from item_bank import Upload, load_items

    first = Upload("a.yaml", native(WEIGHTED).encode())
    second = Upload("b.yaml", native(WEIGHTED.replace("M.01", "M.02")).encode())
    result = load_items([first, second], known_competencies=KNOWN)
    problem = only(result, "duplicate_id")
    assert (problem.file, problem.item_id, problem.line) == ("b.yaml", "M01-001", 5)
    assert "a.yaml:5" in problem.message_en
    assert not result.ok and [len(s.items) for s in result.item_sets] == [1]
