"""Moodle banks: Moodle XML, GIFT and Aiken, read and written."""

import pytest
from bank_fixtures import KNOWN, codes, load, only, rich_set
from item_files import TECHNICAL, fixture

from item_bank import ItemSet, write_item_set

ALL = KNOWN | TECHNICAL


def test_moodle_xml_export_reads_keyed_weighted_and_images() -> None:
    result = load("soal.xml", fixture("moodle-export.xml"), known_competencies=ALL, with_media=True)
    problem = only(result, "unsupported_question_type")
    assert problem.item_id == "Benar-salah" and "truefalse" in problem.message_en
    assert problem.line == 87
    without = fixture("moodle-export.xml").decode()
    without = without[: without.index("<!-- question: 103")] + "</quiz>\n"
    result = load("soal.xml", without, known_competencies=ALL, with_media=True)
    assert result.ok, result.problems
    sjt, dose = result.item_sets[0].items
    assert (sjt.id, sjt.competency, sjt.kind) == ("SJT-Hadiah", "M.01", "weighted")
    assert [o.weight for o in sjt.options] == [4, 3, 1, 0]  # fraction × defaultgrade 4
    assert sjt.stem.startswith("<p>Seorang warga memberi Anda <strong>bingkisan</strong>")
    assert sjt.media is not None and sjt.media.src == "bingkisan.png"
    assert result.media["bingkisan.png"].content_type == "image/png"
    assert (dose.competency, dose.kind, dose.points) == ("T.KES.01", "keyed", 5)
    assert "<mfrac>" in dose.stem and dose.options[0].correct
    assert dose.options[2].text == "500 mg"


def test_moodle_multiple_answer_and_negative_fractions_are_refused() -> None:
    text = fixture("moodle-export.xml").decode()
    many = text.replace("<single>true</single>", "<single>false</single>", 1)
    problem = load("soal.xml", many, known_competencies=ALL).problems[0]
    assert problem.code == "unsupported_question_type" and "multiple answers" in problem.message_en
    negative = text.replace(
        'fraction="0" format="html">\n      <text><![CDATA[\\(',
        'fraction="-50" format="html">\n      <text><![CDATA[\\(',
    )
    assert "fraction_not_a_weight" in codes(load("soal.xml", negative, known_competencies=ALL))


def test_gift_file_reads_weights_keys_categories_and_latex() -> None:
    result = load("bank.gift", fixture("bank.gift"), known_competencies=ALL)
    assert result.ok, result.problems
    sjt, dose, archive = result.item_sets[0].items
    assert (sjt.id, sjt.competency, [o.weight for o in sjt.options]) == (
        "SJT-Hadiah",
        "M.01",
        [4, 3, 1, 0],
    )
    assert (dose.id, dose.competency, dose.kind) == ("Dosis-1", "T.KES.01", "keyed")
    assert "<mfrac>" in dose.stem and "U <mo>=</mo>" not in dose.stem
    assert [o.correct for o in dose.options] == [True, False, False]
    assert dose.options[0].text.endswith("mg")  # the #feedback is not part of the option
    assert archive.options[1].correct and archive.options[1].text == "Arsip statis"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("::TF:: Bumi bulat. {T}", "true/false"),
        ("::SA:: Ibu kota RI? {=Jakarta =DKI Jakarta}", "short answer"),
        ("::N:: Dua tambah dua? {#4}", "numerical"),
        ("::M:: Pasangkan. {=a -> 1 =b -> 2 =c -> 3}", "matching"),
        ("::E:: Jelaskan. {}", "essay"),
        ("::D:: Hanya keterangan.", "description"),
    ],
)
def test_gift_other_question_types_are_refused_by_name(question: str, kind: str) -> None:
    text = fixture("bank.gift").decode() + "\n" + question + "\n"
    problem = only(load("bank.gift", text, known_competencies=ALL), "unsupported_question_type")
    assert kind in problem.message_en and problem.line == text.count("\n")


def test_aiken_file_reads_with_the_competency_given() -> None:
    result = load("bank.txt", fixture("bank-aiken.txt"), default_competency="M.01")
    assert result.ok, result.problems
    first, second = result.item_sets[0].items
    assert (first.id, first.kind, first.points) == ("bank-001", "keyed", 1)
    assert first.options[1].correct and second.options[0].text == "Buku agenda"
    wrong = fixture("bank-aiken.txt").decode().replace("ANSWER: B", "ANSWER: D")
    problem = only(load("bank.txt", wrong, default_competency="M.01"), "correct_not_an_option")
    assert problem.line == 5


def test_csv_named_txt_is_still_a_csv() -> None:
    text = "kode_soal;kompetensi;jenis;soal;opsi_A;opsi_B;kunci\nT1;M.01;kunci;Soal;a;b;A\n"
    assert load("bank.txt", text).ok


def moodle_set() -> ItemSet:
    """The rich set without what Moodle formats do not carry (levels, media, source)."""
    data = rich_set().model_dump()
    for item in data["items"]:
        item["level"] = None
        item["media"] = None
    return ItemSet.model_validate({**data, "source": None})


@pytest.mark.parametrize(("output_format", "name"), [("moodle", "bank.xml"), ("gift", "bank.gift")])
def test_moodle_formats_round_trip(output_format: str, name: str) -> None:
    item_set = moodle_set()
    known = KNOWN | {c.code for c in item_set.competencies}
    result = load(name, write_item_set(item_set, output_format), known_competencies=known)
    assert result.ok, result.problems
    loaded = result.item_sets[0].items
    expected = item_set.items
    if output_format == "gift":  # GIFT has no grade: keyed items come back worth 1 point
        expected = [
            i.model_copy(update={"points": 1}) if i.kind == "keyed" else i for i in expected
        ]
    assert loaded == expected


def test_aiken_round_trips_keyed_items() -> None:
    keyed = [i for i in moodle_set().items if i.kind == "keyed"]
    plain = [
        i.model_copy(
            update={
                "stem": "Arsip yang disimpan permanen disebut …",
                "points": 1,
                "options": [o.model_copy(update={"text": f"Pilihan {o.label}"}) for o in i.options],
                "competency": "M.01",
            }
        )
        for i in keyed
    ]
    item_set = ItemSet(title="bank", language="id", items=plain)
    result = load("bank.txt", write_item_set(item_set, "aiken"), default_competency="M.01")
    assert result.ok, result.problems
    assert [(i.stem, i.options) for i in result.item_sets[0].items] == [
        (i.stem, i.options) for i in plain
    ]
