"""The documentation generated from code is up to date, and every problem code is documented."""

from pathlib import Path

from bank_fixtures import KNOWN, load, rich_set

from item_bank import Code, load_dictionary, load_item_files, write_item_set
from item_bank.messages import MESSAGES
from item_bank.schema import schema_text, with_problem_table
from item_bank.text import clean_rich

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_committed_json_schema_matches_the_models() -> None:
    stale = "stale: run `python -m item_bank.schema docs`"
    assert (DOCS / "item-format.schema.json").read_text("utf-8") == schema_text(), stale


def test_problem_code_table_in_the_docs_is_current() -> None:
    page = (DOCS / "item-format.md").read_text("utf-8")
    assert with_problem_table(page) == page, "stale: run `python -m item_bank.schema docs`"


def test_every_problem_code_has_both_messages() -> None:
    assert {c.value for c in Code} == set(MESSAGES)
    for message_id, message_en in MESSAGES.values():
        assert message_id.strip() and message_en.strip() and message_id != message_en


def test_json_schema_accepts_the_shape_the_writers_produce() -> None:
    import json

    schema = json.loads(schema_text())
    written = json.loads(write_item_set(rich_set(), "json"))
    assert set(schema["required"]) <= set(written)
    assert "label" not in schema["$defs"]["Option"]["required"]


def test_demo_bank_and_blueprint_validate() -> None:
    demo = sorted((ROOT / "item_bank" / "demo").glob("*.yaml"))
    items = [p for p in demo if "cact-items/" in p.read_text("utf-8")]
    assert items
    result = load_item_files(items, known_competencies=load_dictionary().codes)
    assert result.ok, [(p.where(), p.code, p.message_en) for p in result.problems]


def test_sanitiser_keeps_the_allowlist_and_drops_the_rest() -> None:
    dirty = '<p onclick="x()">A <b>b</b> <script>alert(1)</script><img src=x><a href="y">c</a></p>'
    assert clean_rich(dirty) == "<p>A <strong>b</strong> c</p>"
    kept = '<ul><li>x<sub>2</sub></li></ul><table><tbody><tr><td colspan="2">y</td></tr></tbody>'
    kept += "</table>"
    assert clean_rich(kept) == kept
    assert clean_rich("baris satu\r\nbaris dua") == "baris satu<br>\nbaris dua"
    assert clean_rich(clean_rich("A < B & C")) == "A &lt; B &amp; C"


def test_html_injection_in_a_stem_is_neutralised_on_load() -> None:
    text = write_item_set(rich_set(), "yaml").decode()
    known = KNOWN | {"T.ADM.01", "T.TIK.02"}
    scripted = text.replace("Apa kepanjangan <u>PDF</u>?", "<script>x()</script>Apa <u>PDF</u>?")
    result = load("bank.yaml", scripted, known_competencies=known)
    assert result.ok and result.item_sets[0].items[3].stem == "Apa <u>PDF</u>?"
    # An embedded frame is content the sanitiser would drop: refused, naming it.
    framed = text.replace("Apa kepanjangan <u>PDF</u>?", "<iframe src=evil></iframe>Apa?")
    result = load("bank.yaml", framed, known_competencies=known)
    assert [(p.code, p.field) for p in result.problems] == [("content_lost", "items[3].stem")]
    assert "<iframe>" in result.problems[0].message_en
