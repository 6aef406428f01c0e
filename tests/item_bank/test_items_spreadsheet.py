"""XLSX and CSV files of the spreadsheet template, read with row and column in every problem."""

import io
from typing import Any

import openpyxl
import pytest
from bank_fixtures import codes, load, only, workbook_bytes

from item_bank import Limits, write_template

HEADER = ["kode_soal", "kompetensi", "jenis", "tingkat", "soal", "poin"]
HEADER += ["opsi_A", "opsi_B", "opsi_C", "bobot_A", "bobot_B", "bobot_C", "kunci"]
WEIGHTED_ROW = [
    "M01-001",
    "M.01",
    "berbobot",
    3,
    "Rekan menerima hadiah.",
    None,
    "Lapor",
    "Diam",
    "Tegur",
    4,
    1,
    3,
    None,
]
KEYED_ROW = [
    "T-001",
    "SK.01",
    "kunci",
    None,
    "Semboyan bangsa?",
    5,
    "Bhinneka Tunggal Ika",
    "Merdeka",
    None,
    None,
    None,
    None,
    "A",
]


def xlsx(*rows: list[Any], header: list[str] = HEADER, **sheets: list[list[Any]]) -> bytes:
    return workbook_bytes({"soal": [header, *rows], **sheets})


def test_workbook_with_indonesian_headers_loads() -> None:
    result = load("manajerial.xlsx", xlsx(WEIGHTED_ROW, KEYED_ROW))
    assert result.ok, result.problems
    (item_set,) = result.item_sets
    assert item_set.title == "manajerial" and item_set.language == "id"
    weighted, keyed = item_set.items
    assert [o.weight for o in weighted.options] == [4, 1, 3] and weighted.level == 3
    assert keyed.kind == "keyed" and keyed.points == 5 and keyed.options[0].correct


def test_english_headers_and_a_set_sheet_give_title_language_and_source() -> None:
    header = ["id", "competency", "kind", "level", "stem", "points"]
    header += ["option_A", "option_B", "option_C", "weight_A", "weight_B", "weight_C", "correct"]
    info = [["field", "value"], ["title", "Integritas"], ["language", "EN"], ["source", "Tim"]]
    result = load("x.xlsx", xlsx(WEIGHTED_ROW, header=header, set=info))
    assert result.ok
    assert (
        result.item_sets[0].title,
        result.item_sets[0].language,
        result.item_sets[0].source,
    ) == (
        "Integritas",
        "en",
        "Tim",
    )


def test_competencies_sheet_declares_technical_competencies() -> None:
    sheet = [
        ["kode", "jenis", "nama_id", "nama_en"],
        ["T.ADM.01", "technical", "Administrasi", "Admin"],
    ]
    row = [*KEYED_ROW[:1], "T.ADM.01", *KEYED_ROW[2:]]
    result = load("x.xlsx", xlsx(row, kompetensi=sheet))
    assert result.ok
    assert result.item_sets[0].competencies[0].name.en == "Admin"


def test_numeric_id_cells_read_as_text() -> None:
    result = load("x.xlsx", xlsx([1001, *WEIGHTED_ROW[1:]]))
    assert result.item_sets[0].items[0].id == "1001"


def test_keyed_item_with_two_correct_options_is_reported_by_row() -> None:
    problem = only(
        load("x.xlsx", xlsx(WEIGHTED_ROW, [*KEYED_ROW[:-1], "A, B"])), "two_correct_options"
    )
    assert (problem.sheet, problem.row, problem.column, problem.header) == ("soal", 3, "M", "kunci")
    assert problem.item_id == "T-001"
    assert problem.where() == "x.xlsx:soal:3:M (kunci)"


def test_weighted_item_with_a_missing_weight_is_reported_by_row_and_column() -> None:
    row = list(WEIGHTED_ROW)
    row[10] = None
    problem = only(load("x.xlsx", xlsx(KEYED_ROW, row)), "missing_weight")
    assert (problem.row, problem.column, problem.header, problem.field) == (
        3,
        "K",
        "bobot_B",
        "items[1].options[1].weight",
    )


@pytest.mark.parametrize(
    ("change", "code", "column"),
    [
        ({2: "esai"}, "unknown_kind", "C"),
        ({1: "M.42"}, "unknown_competency", "B"),
        ({3: 9}, "level_out_of_range", "D"),
        ({4: None}, "empty_stem", "E"),
        ({5: 2}, "points_on_weighted", "F"),
        ({7: None, 10: None}, "option_gap", "H"),
        ({12: "C"}, "correct_on_weighted", "M"),
        ({9: 12}, "weight_out_of_range", "J"),
        ({0: "M01 001"}, "invalid_id", "A"),
    ],
)
def test_row_problems_name_their_column(change: dict[int, Any], code: str, column: str) -> None:
    row = list(WEIGHTED_ROW)
    for index, value in change.items():
        row[index] = value
    problem = only(load("x.xlsx", xlsx(row)), code)
    assert (problem.sheet, problem.row, problem.column) == ("soal", 2, column)


def test_keyed_row_problems() -> None:
    weighted_key = [*KEYED_ROW[:9], 3, None, None, "A"]
    assert codes(load("x.xlsx", xlsx(weighted_key))) == ["weight_on_keyed"]
    assert codes(load("x.xlsx", xlsx([*KEYED_ROW[:-1], None]))) == ["no_correct_option"]
    problem = only(load("x.xlsx", xlsx([*KEYED_ROW[:-1], "E"])), "correct_not_an_option")
    assert (problem.row, problem.column) == (2, "M")


def test_too_few_and_too_many_options() -> None:
    one = [*KEYED_ROW[:7], None, *KEYED_ROW[8:]]
    assert codes(load("x.xlsx", xlsx(one))) == ["too_few_options"]


def test_unknown_duplicate_and_missing_columns_are_reported_on_the_header_row() -> None:
    header = [h for h in HEADER if h != "soal"] + ["catatan", "opsi_A"]
    result = load("x.xlsx", xlsx(header=header))
    unknown, duplicate, missing = (
        only(result, c) for c in ("unknown_column", "duplicate_column", "missing_column")
    )
    assert (unknown.row, unknown.column, unknown.header) == (1, "M", "catatan")
    assert (duplicate.row, duplicate.column) == (1, "N")
    assert missing.row == 1 and '"stem" (or "soal")' in missing.message_en


def test_competency_column_may_be_left_out_with_a_default_competency() -> None:
    header = [h for h in HEADER if h != "kompetensi"]
    row = [v for i, v in enumerate(WEIGHTED_ROW) if i != 1]
    assert codes(load("x.xlsx", xlsx(row, header=header))) == ["missing_column"]
    result = load("x.xlsx", xlsx(row, header=header), default_competency="M.05")
    assert result.ok and result.item_sets[0].items[0].competency == "M.05"


def test_all_row_problems_of_a_sheet_are_reported_at_once() -> None:
    bad_weight = list(WEIGHTED_ROW)
    bad_weight[11] = None
    rows = [bad_weight, [*KEYED_ROW[:-1], "A,B"], [*WEIGHTED_ROW[:1], "X.1", *WEIGHTED_ROW[2:]]]
    result = load("x.xlsx", xlsx(*rows))
    assert sorted((p.row, p.code) for p in result.problems) == [
        (2, "missing_weight"),
        (3, "two_correct_options"),
        (4, "duplicate_id"),
        (4, "unknown_competency"),
    ]


def test_item_limit_stops_reading() -> None:
    rows = [[f"Q{i}", *WEIGHTED_ROW[1:]] for i in range(5)]
    result = load("x.xlsx", xlsx(*rows), limits=Limits(max_items_per_file=3))
    assert codes(result) == ["too_many_items"]


def test_damaged_xlsx_is_reported() -> None:
    assert codes(load("x.xlsx", b"PK\x03\x04 not really")) == ["bad_zip"]


def csv_text(delimiter: str = ",") -> str:
    header = "id,competency,kind,stem,option_A,option_B,weight_A,weight_B,correct"
    rows = [
        'Q1,M.01,weighted,"Anda ""ditawari"" hadiah,\nlalu?",Tolak,Terima,4,0,',
        "Q2,SK.01,keyed,Ibukota?,Jakarta,Nusantara,,,B",
    ]
    return "\r\n".join([header, *rows]).replace(",", delimiter) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("utf-8", ";"),
        ("utf-16", "\t"),
        ("utf-16", ","),
        ("utf-16-be-bom", ","),
    ],
)
def test_csv_in_the_encodings_excel_writes_is_accepted(encoding: str, delimiter: str) -> None:
    text = csv_text(delimiter)
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    result = load("bank.csv", data)
    assert result.ok, result.problems
    first, second = result.item_sets[0].items
    assert first.stem == 'Anda "ditawari" hadiah,<br>\nlalu?' if delimiter == "," else first.stem
    assert second.options[1].correct


def test_csv_problems_give_row_and_column() -> None:
    problem = only(load("bank.csv", csv_text().replace("4,0,", "4,,")), "missing_weight")
    assert (problem.sheet, problem.row, problem.column, problem.header) == (
        None,
        2,
        "H",
        "weight_B",
    )


def test_csv_in_windows_1252_is_bad_encoding_with_its_line() -> None:
    data = csv_text().replace("Ibukota", "Ibukota’").encode("cp1252")
    assert only(load("bank.csv", data), "bad_encoding").line == 4


def test_utf16_without_byte_order_mark_is_bad_encoding() -> None:
    assert codes(load("bank.csv", csv_text().encode("utf-16-le"))) == ["bad_encoding"]


def test_empty_template_is_recognised_and_only_lacks_items() -> None:
    assert codes(load("templat.xlsx", write_template("xlsx"))) == ["no_items"]
    assert codes(load("templat.csv", write_template("csv"))) == ["no_items"]
    assert codes(load("template.xlsx", write_template("xlsx", "en"))) == ["no_items"]


def test_filled_in_template_loads() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(write_template("xlsx")))
    sheet = workbook["soal"]
    values = dict(zip(HEADER, WEIGHTED_ROW, strict=True))
    sheet.append([values.get(str(cell.value)) for cell in sheet[1]])
    workbook["info"]["B2"] = "Isi Templat"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = load("isi.xlsx", buffer.getvalue())
    assert result.ok, result.problems
    assert result.item_sets[0].title == "Isi Templat"
    assert [s.title for s in workbook.worksheets] == ["soal", "info", "kompetensi", "petunjuk"]
