"""Spreadsheets made the way Indonesian editors make them."""

import codecs

from bank_fixtures import codes, load, only, workbook_bytes

HEADER = ["kode_soal", "kompetensi", "jenis", "soal", "opsi_A", "opsi_B", "bobot_A", "bobot_B"]
ROW = ["M01-001", "M.01", "berbobot", "Anda ditawari hadiah.", "Menolak", "Menerima", "4,0", "1,0"]
KEYED = ["kode_soal", "kompetensi", "jenis", "soal", "poin", "opsi_A", "opsi_B", "kunci"]


def csv_text(rows: list[list[str]], delimiter: str = ";") -> str:
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


def test_decimal_commas_in_weights_and_points() -> None:
    result = load("bank.csv", csv_text([HEADER, ROW]))
    assert result.ok, result.problems
    assert [o.weight for o in result.item_sets[0].items[0].options] == [4, 1]
    keyed = [KEYED, ["T-1", "M.01", "kunci", "Soal", "5,0", "Ya", "Tidak", "A"]]
    as_text = load("bank.xlsx", workbook_bytes({"soal": keyed}))
    assert as_text.ok and as_text.item_sets[0].items[0].points == 5
    half = load("bank.csv", csv_text([HEADER, [*ROW[:6], "4,5", "1"]]))
    assert codes(half) == ["weight_out_of_range"]


def test_header_below_a_title_row_is_found_with_a_note() -> None:
    title = ["BANK SOAL PEMETAAN KOMPETENSI 2026", None, None]
    result = load("bank.xlsx", workbook_bytes({"soal": [title, ["dibuat 1 Des"], HEADER, ROW]}))
    assert result.ok, result.problems
    (note,) = result.notes
    assert note.code == "header_below_title" and (note.sheet, note.row) == ("soal", 3)
    assert "rows above it (1, 2)" in note.message_en
    # A problem in the data is still located by its real row.
    bad = load("bank.xlsx", workbook_bytes({"soal": [title, HEADER, [*ROW[:6], "11", "1"]]}))
    problem = only(bad, "weight_out_of_range")
    assert (problem.row, problem.column, problem.header) == (3, "G", "bobot_A")


def test_item_sheet_is_found_by_its_header_not_its_position() -> None:
    recap = [["Rekap"], ["Jumlah soal", 1]]
    result = load("bank.xlsx", workbook_bytes({"Rekap": recap, "Lembar2": [HEADER, ROW]}))
    assert result.ok, result.problems
    assert result.item_sets[0].items[0].id == "M01-001"


def test_csv_renamed_xlsx_is_read_as_csv_with_a_note() -> None:
    result = load("bank.xlsx", csv_text([HEADER, ROW]))
    assert result.ok, result.problems
    assert [n.code for n in result.notes] == ["read_as_csv"]
    assert "bank.xlsx holds CSV text" in result.notes[0].message_en


def test_old_xls_renamed_xlsx_is_named_for_what_it_is() -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    problem = only(load("bank.xlsx", ole2), "legacy_xls")
    assert "old Excel workbook (.xls)" in problem.message_en
    assert only(load("bank.xls", ole2), "legacy_xls")


def test_mixed_encodings_are_bad_encoding() -> None:
    utf16_after_utf8_bom = codecs.BOM_UTF8 + csv_text([HEADER, ROW]).encode("utf-16-le")
    assert codes(load("bank.csv", utf16_after_utf8_bom)) == ["bad_encoding"]
    utf8_after_utf16_bom = codecs.BOM_UTF16_LE + csv_text([HEADER, ROW]).encode("utf-8")
    assert codes(load("bank.csv", utf8_after_utf16_bom)) == ["bad_encoding"]
    proper = codecs.BOM_UTF16_LE + csv_text([HEADER, ROW], "\t").encode("utf-16-le")
    assert load("bank.csv", proper).ok


def test_key_written_with_a_word_before_it() -> None:
    rows = [KEYED, ["T-1", "M.01", "kunci", "Soal", "1", "Ya", "Tidak", "Opsi B"]]
    result = load("bank.csv", csv_text(rows))
    assert result.ok and result.item_sets[0].items[0].options[1].correct
    rows[1][-1] = "Opsi X"
    problem = only(load("bank.csv", csv_text(rows)), "correct_not_an_option")
    assert 'The key "X"' in problem.message_en


def test_one_option_message_reads_right() -> None:
    rows = [HEADER, [*ROW[:5], "", "4", ""]]
    problem = only(load("bank.csv", csv_text(rows)), "too_few_options")
    assert problem.message_en == "The item has too few options (1); at least 2 are needed."
