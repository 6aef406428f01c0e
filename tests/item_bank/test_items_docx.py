"""Word (.docx) banks: written by python-docx, saved by LibreOffice, written by CACT."""

from pathlib import Path

import docx
import pytest
from bank_fixtures import KNOWN, codes, load, only, rich_set
from docx_files import PICTURE, as_bytes, editor_document, saved_by_libreoffice
from typer.testing import CliRunner

from item_bank import ItemSet
from item_bank.cli import app
from item_bank.docx_writer import UnwritableItem, write_docx
from item_bank.text import visible_text

ALL = KNOWN | {"T.ADM.01"}


def check_editor_bank(name: str, data: bytes) -> None:
    result = load(name, data, known_competencies=ALL, with_media=True)
    assert result.ok, [(p.where(), p.code, p.message_en) for p in result.problems]
    assert [n.code for n in result.notes] == ["text_not_imported"]
    (item_set,) = result.item_sets
    assert item_set.title == "Tes Teknis Administrasi"
    keyed, weighted = item_set.items
    prefix = name.removesuffix(".docx")
    assert (keyed.id, keyed.competency, keyed.kind, keyed.points, keyed.level) == (
        f"{prefix}-001",
        "T.ADM.01",
        "keyed",
        5,
        2,
    )
    assert "<strong>rambu</strong>" in keyed.stem and "<em>permanen</em>" in keyed.stem
    assert [o.correct for o in keyed.options] == [False, True, False, False, False]
    assert keyed.options[4].text == "Arsip inaktif"
    assert keyed.media is not None
    assert result.media[keyed.media.src].data == PICTURE  # the picture is kept as item media
    # The second question is a Word numbered list ("List Number"), options typed "A)".
    assert (weighted.id, weighted.competency, weighted.kind) == ("M01-009", "M.01", "weighted")
    assert [o.weight for o in weighted.options] == [4, 3, 1]


def test_word_file_written_by_python_docx() -> None:
    check_editor_bank("teknis.docx", as_bytes(editor_document()))


def test_word_file_saved_by_libreoffice(tmp_path: Path) -> None:
    check_editor_bank("teknis.docx", saved_by_libreoffice(as_bytes(editor_document()), tmp_path))


def test_word_equation_refuses_the_item_naming_it() -> None:
    result = load("teknis.docx", as_bytes(editor_document(equation=True)), known_competencies=ALL)
    problem = only(result, "content_lost")
    assert "Word equation (OMML)" in problem.message_en and problem.item_id == "teknis-001"
    assert problem.line == 4  # the fourth paragraph from the top


def test_word_problems_name_paragraph_and_item() -> None:
    document = editor_document()
    document.paragraphs[-1].text = "Bobot: A=4; B=3"
    document.paragraphs[10].text = "Kunci: F"
    result = load("teknis.docx", as_bytes(document), known_competencies=ALL)
    assert sorted(codes(result)) == ["correct_not_an_option", "missing_weight", "no_correct_option"]
    missing = only(result, "missing_weight")
    assert (missing.item_id, missing.line, missing.field) == (
        "M01-009",
        18,
        "items[1].options[2].weight",
    )
    assert only(result, "correct_not_an_option").line == 11


def test_picture_in_an_option_is_image_in_text() -> None:
    document = editor_document()
    document.paragraphs[5].add_run().add_picture(__import__("io").BytesIO(PICTURE))
    problem = only(load("teknis.docx", as_bytes(document), known_competencies=ALL), "image_in_text")
    assert problem.field == "items[0].options[0].text"


def test_not_a_word_file_is_a_problem() -> None:
    assert codes(load("teknis.docx", b"PK\x03\x04 not really")) == ["bad_zip"]
    broken = as_bytes(docx.Document()).replace(b"word/document.xml", b"word/documant.xml")
    assert load("teknis.docx", broken).problems


def word_set() -> ItemSet:
    """The rich set without what Word does not carry (source, lists, th/colspan)."""
    data = rich_set().model_dump()
    data["source"] = None
    data["competencies"] = []
    data["items"] = [i for i in data["items"] if i["id"] != "T-ADM-001"]
    return ItemSet.model_validate(data)


def test_word_round_trip() -> None:
    item_set = word_set()
    data = write_docx(item_set, {"images/m01-001.png": PICTURE})
    result = load("bank.docx", data, known_competencies=KNOWN | {"T.TIK.02"}, with_media=True)
    assert result.ok, result.problems
    (loaded,) = result.item_sets
    assert (loaded.title, loaded.language) == (item_set.title, item_set.language)
    for got, want in zip(loaded.items, item_set.items, strict=True):
        assert got.model_dump(exclude={"media"}) == want.model_dump(exclude={"media"})
        assert (got.media is None) == (want.media is None)
    first = loaded.items[0]
    assert first.media is not None and first.media.alt == "Laporan keuangan"
    assert result.media[first.media.src].data == PICTURE
    # Without the picture's bytes the src is written as a `Gambar:` line and read back.
    again = load("bank.docx", write_docx(item_set), known_competencies=KNOWN | {"T.TIK.02"})
    assert again.ok and again.item_sets[0].items[0].media == item_set.items[0].media


def test_tables_and_lists_survive_as_text() -> None:
    data = write_docx(rich_set())
    result = load("bank.docx", data, known_competencies=KNOWN | {"T.ADM.01", "T.TIK.02"})
    assert result.ok, result.problems
    table_item = result.item_sets[0].items[2]
    assert visible_text(table_item.stem).replace("•", "") == visible_text(rich_set().items[2].stem)
    assert "<table>" in table_item.stem and "<sub>2</sub>" in table_item.stem


def test_formula_cannot_be_written_to_word() -> None:
    data = word_set().model_dump()
    data["items"][0]["stem"] = "<math><mi>x</mi></math>"
    with pytest.raises(UnwritableItem, match="M01-001"):
        write_docx(ItemSet.model_validate(data))


def test_template_command_writes_a_word_template(tmp_path: Path) -> None:
    target = tmp_path / "templat.docx"
    result = CliRunner().invoke(app, ["template", "--format", "docx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    loaded = load("templat.docx", target.read_bytes())
    # Empty as it comes: the example is in the help box, only the blanks are reported.
    assert codes(loaded) == [
        "missing_field",
        "missing_competency",
        "empty_stem",
        "empty_option_text",
        "empty_option_text",
        "no_correct_option",
    ]
    assert [n.code for n in loaded.notes] == ["text_not_imported"]
    english = tmp_path / "template.docx"
    assert (
        CliRunner()
        .invoke(app, ["template", "--format", "docx", "--lang", "en", "-o", str(english)])
        .exit_code
        == 0
    )
    assert "Key:" in "\n".join(p.text for p in docx.Document(str(english)).paragraphs)
