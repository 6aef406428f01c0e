"""Math survives import: MathML kept through the sanitiser, LaTeX converted, losses refused."""

import re

import pytest
from bank_fixtures import KNOWN, load, only, rich_set, workbook_bytes
from item_files import TECHNICAL, fixture

from item_bank import ItemSet, write_item_set
from item_bank.text import clean_rich, lost_in_cleaning

ALL = KNOWN | TECHNICAL
QTI3_STEM_MATH = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
    identifier="Q3-ANGLE" title="Sudut" label="T.TEK.01" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <p>What is the value of <math xmlns="http://www.w3.org/1998/Math/MathML"><mn>2</mn><mi>&#x3C0;</mi><mo>/</mo><mn>4</mn></math> in degrees?</p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">45</qti-simple-choice>
      <qti-simple-choice identifier="B">90</qti-simple-choice>
      <qti-simple-choice identifier="C">180</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>
"""  # noqa: E501


def test_public_style_qti_package_keeps_mathml_in_stem_and_options() -> None:
    result = load("math.zip", fixture("qti-math"), known_competencies=ALL)
    assert result.ok, [(p.where(), p.code, p.message_en) for p in result.problems]
    fraction, angle = result.item_sets[0].items
    assert '<math display="block">' in fraction.stem and "<mfrac>" in fraction.stem
    assert "<math><mi>U</mi><mo>=</mo><mn>6</mn></math>" in fraction.stem
    # The five options are pure MathML, all different: none reads ",<br>," any more.
    assert all(o.text.startswith("<math>") for o in fraction.options)
    assert len({o.text for o in fraction.options}) == 5
    assert fraction.options[2].correct and "<mn>3</mn>" in fraction.options[2].text
    assert "<msup><mi>θ</mi><mn>2</mn></msup>" in angle.stem


def test_qti3_stem_keeps_its_formula() -> None:
    result = load("q3.xml", QTI3_STEM_MATH, known_competencies=ALL)
    assert result.ok, result.problems
    stem = result.item_sets[0].items[0].stem
    assert stem == (
        "<p>What is the value of <math><mn>2</mn><mi>π</mi><mo>/</mo><mn>4</mn></math>"
        " in degrees?</p>"
    )


@pytest.mark.parametrize(
    ("fragment", "named"),
    [
        ("<svg><circle r='3'/></svg>", "<svg>"),
        ("<math><mglyph src='x.png'/><mi>x</mi></math>", "<mglyph>"),
        (
            "<math><semantics><mi>x</mi><annotation-xml>y</annotation-xml></semantics></math>",
            "<annotation-xml>",
        ),
        ("<object data='f.swf'></object>", "<object>"),
        ("<mi>x</mi>", '"x"'),
    ],
)
def test_content_the_sanitiser_would_drop_refuses_the_item_naming_it(
    fragment: str, named: str
) -> None:
    item = QTI3_STEM_MATH.replace(">90<", f">90 {fragment}<")
    result = load("q3.xml", item, known_competencies=ALL)
    problem = only(result, "content_lost")
    assert problem.item_id == "Q3-ANGLE" and named in problem.message_en
    assert problem.field == "items[0].options[1].text" and problem.line == 11
    assert not result.item_sets


HOSTILE = [
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<math><mi onclick="alert(1)" href="javascript:alert(1)">x</mi></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>',  # noqa: E501
    '<math><maction actiontype="statusline"><mi>x</mi><mtext>javascript:alert(1)</mtext></maction></math>',  # noqa: E501
    '<math xlink:href="javascript:alert(1)"><mi>x</mi></math>',
    "<math><mi><style>*{background:url(javascript:alert(1))}</style></mi></math>",
    '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror=alert(1) src>">',  # noqa: E501
    '<math><mstyle mathbackground="url(javascript:alert(1))"><mi>x</mi></mstyle></math>',
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_mathml_allow_list_is_checked_against_injection(payload: str) -> None:
    cleaned = clean_rich(payload)
    assert clean_rich(cleaned) == cleaned  # idempotent: no parse-twice mutation
    lowered = cleaned.lower()
    for bad in ("<script", "onerror", "onclick", "<img", "<style", "href", "<svg", "<mglyph"):
        assert bad not in lowered, (payload, cleaned)
    assert "annotation-xml" not in lowered and "maction" not in lowered
    assert "javascript:alert" not in re.sub(r"<mtext>[^<]*</mtext>", "", lowered)


def test_only_presentation_attributes_are_kept() -> None:
    kept = '<math display="block"><mfrac linethickness="0"><mi mathvariant="bold">a</mi>'
    kept += "<mn>2</mn></mfrac></math>"
    assert clean_rich(kept) == kept
    assert lost_in_cleaning(kept) == []


def test_identical_option_texts_are_a_problem() -> None:
    twins = QTI3_STEM_MATH.replace(">180<", ">90<")
    problem = only(load("q3.xml", twins, known_competencies=ALL), "duplicate_option_text")
    assert problem.field == "items[0].options[2].text" and "B, C" in problem.message_en
    # x² and x₂ read differently even though their letters are the same.
    math = QTI3_STEM_MATH.replace(">45<", "><math><msup><mi>x</mi><mn>2</mn></msup></math><")
    math = math.replace(">180<", "><math><msub><mi>x</mi><mn>2</mn></msub></math><")
    assert load("q3.xml", math, known_competencies=ALL).ok


YAML_LATEX = """\
format: cact-items/1
title: Teknis
language: id
items:
  - id: T-001
    competency: T.KES.01
    kind: keyed
    stem: |
      Dosis anak menurut Young: \\[ D = \\frac{U}{U+12} \\times 500 \\]
      Berapa dosis untuk \\(U = 6\\)?
    options:
      - {text: '\\(\\frac{1}{3} \\times 500\\) mg', correct: true}
      - {text: '\\(\\frac{1}{2} \\times 500\\) mg'}
      - {text: 'Rp 500 atau $5'}
"""


def test_latex_in_native_files_becomes_mathml() -> None:
    result = load("bank.yaml", YAML_LATEX, known_competencies=ALL)
    assert result.ok, result.problems
    item = result.item_sets[0].items[0]
    assert '<math display="block">' in item.stem and '<math display="inline">' in item.stem
    assert "\\frac" not in item.stem and "<mfrac>" in item.stem
    assert item.options[0].text.startswith('<math display="inline"><mrow><mfrac>')
    assert item.options[2].text == "Rp 500 atau $5"  # single dollars are prices, not math
    # Stored MathML is written and read back unchanged by every format.
    for output_format in ("yaml", "json", "xlsx", "csv", "qti21", "qti30", "moodle", "gift"):
        extension = {"moodle": "xml", "qti21": "zip", "qti30": "zip"}.get(
            output_format, output_format
        )
        again = load(
            f"bank.{extension}",
            write_item_set(result.item_sets[0], output_format),
            known_competencies=ALL,
        )
        assert again.ok, (output_format, again.problems)
        assert again.item_sets[0].items == result.item_sets[0].items, output_format


def test_broken_latex_is_a_located_problem() -> None:
    broken = YAML_LATEX.replace("\\(U = 6\\)", "\\(\\frac{U\\)").replace(
        "\\frac{1}{2}", "\\fracc{1}{2}"
    )
    result = load("bank.yaml", broken, known_competencies=ALL)
    assert [(p.code, p.field, p.line) for p in result.problems] == [
        ("bad_latex", "items[0].stem", 8),
        ("bad_latex", "items[0].options[1].text", 13),
    ]
    assert "\\fracc" in result.problems[1].message_en


def test_latex_in_a_spreadsheet_cell_becomes_mathml() -> None:
    header = ["kode_soal", "kompetensi", "jenis", "soal", "opsi_A", "opsi_B", "kunci"]
    row = ["T-2", "T.KES.01", "kunci", "Nilai \\(x^2\\) bila x = 3?", "9", "\\(\\sqrt{9}\\)", "A"]
    result = load("bank.xlsx", workbook_bytes({"soal": [header, row]}), known_competencies=ALL)
    assert result.ok, result.problems
    item = result.item_sets[0].items[0]
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in item.stem and "<msqrt>" in item.options[1].text
    bad = load(
        "bank.xlsx",
        workbook_bytes({"soal": [header, [*row[:5], "\\(\\sqrt{9\\)", "A"]]}),
        known_competencies=ALL,
    )
    problem = only(bad, "bad_latex")
    assert (problem.sheet, problem.row, problem.column) == ("soal", 2, "F")


def test_rich_set_with_math_round_trips_as_before() -> None:
    item_set = rich_set()
    data = item_set.model_dump()
    data["items"][0]["options"][0]["text"] = "<math><mi>x</mi><mo>=</mo><mn>1</mn></math>"
    with_math = ItemSet.model_validate(data)
    known = KNOWN | {c.code for c in with_math.competencies}
    again = load("bank.yaml", write_item_set(with_math, "yaml"), known_competencies=known)
    assert again.ok and again.item_sets[0] == with_math
