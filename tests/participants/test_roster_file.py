"""Reading a roster file, without a database: values as people and Excel write them."""

from __future__ import annotations

import codecs
from datetime import date, datetime

import pytest

from cact.participants.roster_file import parse_roster
from tests.participants.support import HEADER, csv_bytes, xlsx_bytes

TODAY = date(2026, 11, 22)
NIP = "198503302010011002"


def _row(**values: object) -> list[object]:
    base: dict[str, object] = {
        "nomor_peserta": "P-001",
        "nip": NIP,
        "nama": "Siti Rahmawati",
        "kode_jabatan": "JF-AK-AP",
        "unit_kerja": "BKPSDM",
        "instansi": "Pemkab Contoh",
        "tanggal_lahir": "",
        "pin": "",
        "kinerja": "",
        "kursi": "",
    }
    base.update(values)
    return [base[name] for name in HEADER]


def _problems(data: bytes, name: str = "peserta.csv") -> list[tuple[int | None, str | None, str]]:
    parsed = parse_roster(name, data, today=TODAY)
    return [(p.row, p.column, p.code) for p in parsed.problems.found]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1985-03-30", date(1985, 3, 30)),
        ("30-03-1985", date(1985, 3, 30)),
        ("30/03/1985", date(1985, 3, 30)),
        ("30.03.1985", date(1985, 3, 30)),
        ("1985/3/30", date(1985, 3, 30)),
        ("19850330", date(1985, 3, 30)),
        ("30 Maret 1985", date(1985, 3, 30)),
        ("30 Mar 1985", date(1985, 3, 30)),
        ("17 Agustus 1990", date(1990, 8, 17)),
        ("1 Desember 1979", date(1979, 12, 1)),
        ("5 Mei 2000", date(2000, 5, 5)),
        ("30 March 1985", date(1985, 3, 30)),
        ("1985-03-30 00:00:00", date(1985, 3, 30)),
    ],
)
def test_birth_dates_in_the_ways_people_write_them(written: str, expected: date) -> None:
    parsed = parse_roster("p.csv", csv_bytes([_row(tanggal_lahir=written)]), today=TODAY)
    assert parsed.problems.found == []
    assert parsed.rows[0].birth_date == expected


@pytest.mark.parametrize(
    "written", ["31/02/1990", "03/30/1985", "30-03-85", "kemarin", "30 Foo 1985"]
)
def test_an_unreadable_birth_date_is_named_with_its_cell(written: str) -> None:
    assert _problems(csv_bytes([_row(tanggal_lahir=written)])) == [(2, "G", "bad_date")]


def test_a_birth_date_in_the_future_or_before_1900_is_refused() -> None:
    data = csv_bytes(
        [
            _row(tanggal_lahir="01-01-2030"),
            _row(nomor_peserta="P-2", nip="", tanggal_lahir="31-12-1899"),
        ]
    )
    assert _problems(data) == [
        (2, "G", "birth_date_out_of_range"),
        (3, "G", "birth_date_out_of_range"),
    ]


def test_nip_printed_with_spaces_reads_as_18_digits_and_the_number_defaults_to_it() -> None:
    parsed = parse_roster(
        "p.csv", csv_bytes([_row(nomor_peserta="", nip="19850330 201001 1 002")]), today=TODAY
    )
    assert parsed.problems.found == []
    row = parsed.rows[0]
    assert (row.nip, row.number, row.number_given) == (NIP, NIP, False)


@pytest.mark.parametrize(
    ("nip", "code"),
    [
        ("19850330201001100", "nip_not_18_digits"),
        ("1985033020100110021", "nip_not_18_digits"),
        ("19850330201001100A", "nip_not_18_digits"),
        ("1.98503E+17", "digits_lost"),
        ("1,98503E+17", "digits_lost"),
    ],
)
def test_a_nip_that_is_not_18_digits_is_refused(nip: str, code: str) -> None:
    assert _problems(csv_bytes([_row(nip=nip)])) == [(2, "B", code)]


def test_excel_numbers_that_lost_digits_are_reported_not_stored() -> None:
    """openpyxl, like Excel, keeps 15 significant digits of a number cell: an 18-digit NIP
    typed as a number comes back rounded."""
    data = xlsx_bytes(
        [
            _row(nip=198503302010011002),  # typed as a number
            _row(nomor_peserta=12345678901234567, nip="198503302010011003", nama="B"),
            _row(nomor_peserta=12345, nip="198503302010011004", nama="C"),
        ]
    )
    parsed = parse_roster("peserta.xlsx", data, today=TODAY)
    found = [(p.sheet, p.row, p.column, p.code) for p in parsed.problems.found]
    assert found == [("Peserta", 2, "B", "digits_lost"), ("Peserta", 3, "A", "digits_lost")]
    message = parsed.problems.found[0]
    assert "Teks" in message.message_id and "Text" in message.message_en
    assert parsed.rows[2].number == "12345"  # a short number cell is exact


def test_excel_dates_date_cells_and_serial_numbers() -> None:
    data = xlsx_bytes(
        [
            _row(tanggal_lahir=datetime(1985, 3, 30)),
            _row(nomor_peserta="P-2", nip="", tanggal_lahir=31136),  # General-format serial
            _row(nomor_peserta="P-3", nip="", tanggal_lahir=19850330),  # typed as yyyymmdd
        ]
    )
    parsed = parse_roster("peserta.xlsx", data, today=TODAY)
    assert parsed.problems.found == []
    assert [r.birth_date for r in parsed.rows] == [date(1985, 3, 30)] * 3


@pytest.mark.parametrize(
    ("written", "rating"),
    [
        ("di atas ekspektasi", "above"),
        ("Sesuai Ekspektasi", "meets"),
        ("DI BAWAH EKSPEKTASI", "below"),
        ("meets", "meets"),
        ("above expectations", "above"),
    ],
)
def test_performance_ratings_in_indonesian_or_english(written: str, rating: str) -> None:
    parsed = parse_roster("p.csv", csv_bytes([_row(kinerja=written)]), today=TODAY)
    assert parsed.rows[0].rating == rating


def test_english_headers_and_a_running_number_column_are_accepted() -> None:
    header = (
        "No.",
        "participant_no",
        "NIP",
        "Name",
        "Position Code",
        "Unit",
        "Agency",
        "Birth Date",
    )
    data = csv_bytes([[1, "P-1", NIP, "Siti", "JF-1", "U", "A", "30-03-1985"]], header)
    parsed = parse_roster("p.csv", data, today=TODAY)
    assert parsed.problems.found == []
    assert parsed.rows[0].name == "Siti"


def test_header_problems_come_before_any_row() -> None:
    header = ("nip", "nama", "tangal_lahir", "nama")
    found = _problems(csv_bytes([[NIP, "Siti", "1985-03-30", "x"]], header))
    assert (1, "C", "unknown_column") in found
    assert (1, "D", "duplicate_column") in found
    assert (1, None, "missing_column") in found  # kode_jabatan


def test_a_number_or_a_nip_column_is_required() -> None:
    found = _problems(csv_bytes([["Siti", "JF-1"]], ("nama", "kode_jabatan")))
    assert found == [(1, None, "missing_identity_column")]


def test_excel_unicode_text_utf16_tabs_and_semicolon_utf8_with_bom() -> None:
    utf16 = codecs.BOM_UTF16_LE + csv_bytes([_row()], delimiter="\t").decode().encode("utf-16-le")
    semicolon = codecs.BOM_UTF8 + csv_bytes([_row(nama="Ni Luh Putu Ayu Wiryani")], delimiter=";")
    for data in (utf16, semicolon):
        parsed = parse_roster("p.csv", data, today=TODAY)
        assert parsed.problems.found == []
        assert parsed.rows[0].nip == NIP


def test_a_nul_character_in_a_cell_is_refused_where_it_is() -> None:
    text = csv_bytes([_row(nama="Siti\x00Rahma")], delimiter="\t").decode()
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert _problems(data) == [(2, "C", "nul_character")]


def test_latin1_bytes_are_a_bad_encoding() -> None:
    data = csv_bytes([_row(nama="José")], encoding="latin-1")
    assert [p.code for p in parse_roster("p.csv", data).problems.found] == ["bad_encoding"]


def test_a_file_that_is_not_csv_or_xlsx_or_is_broken() -> None:
    assert [p.code for p in parse_roster("p.pdf", b"%PDF").problems.found] == [
        "unsupported_file_type"
    ]
    assert [p.code for p in parse_roster("p.xlsx", b"PK\x03\x04broken").problems.found] == [
        "bad_zip"
    ]
    assert [p.code for p in parse_roster("p.csv", b"").problems.found] == ["empty_file"]
