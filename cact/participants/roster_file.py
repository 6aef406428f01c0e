"""A roster file (CSV or XLSX, one row per participant) → checked rows, and every problem with its
row and column in Bahasa Indonesia and English. No database here: positions, seats and the people
already registered are checked by ``cact.rosters.service``.

The format is documented in docs/roster-format.md; its error table is built from MESSAGES.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from openpyxl.utils.datetime import from_excel

from cact.participants.ratings import parse_rating
from cact.standards.sheets import Column, Problems, Table, cell, check_header, read_table
from item_bank.columns import normalise
from item_bank.values import cell_text

NUMBER = Column(
    "participant_no", "nomor_peserta", ("no_peserta", "nomor_ujian", "participant_number")
)
NIP = Column("nip", "nip", ("nip_baru", "nip_peserta"))
NAME = Column("name", "nama", ("nama_peserta", "nama_lengkap", "full_name"))
POSITION = Column("position_code", "kode_jabatan", ("kode_posisi", "position"))
UNIT = Column("unit", "unit_kerja", ("satuan_kerja", "unit_organisasi"))
AGENCY = Column("agency", "instansi", ("nama_instansi", "instansi_induk"))
BIRTH_DATE = Column("birth_date", "tanggal_lahir", ("tgl_lahir", "date_of_birth"))
PIN = Column("pin", "pin", ("kode_pin",))
RATING = Column("performance_rating", "kinerja", ("predikat_kinerja", "performance", "rating"))
SEAT = Column("seat", "kursi", ("nomor_kursi", "no_kursi", "seat_label"))

REQUIRED = (NAME, POSITION)
OPTIONAL = (NUMBER, NIP, UNIT, AGENCY, BIRTH_DATE, PIN, RATING, SEAT)
COLUMNS = (*REQUIRED, *OPTIONAL)
# A running number ("No.") is common in rosters exported from personnel systems: not data.
ROW_NUMBER_HEADERS = frozenset({"no", "no.", "no_urut", "nomor_urut", "#"})

LIMITS = {"participant_no": 32, "name": 200, "position_code": 64, "unit": 200, "agency": 200}
SEAT_LIMIT = 32
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
PIN_PATTERN = re.compile(r"^[A-Za-z0-9]{4,12}$")
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
# Excel keeps 15 significant digits: a larger number in a cell may already have lost some.
EXACT_LIMIT = 10**15
EARLIEST_BIRTH = date(1900, 1, 1)

MONTHS = {
    **dict.fromkeys(("jan", "januari", "january"), 1),
    **dict.fromkeys(("feb", "peb", "februari", "pebruari", "february"), 2),
    **dict.fromkeys(("mar", "maret", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("jun", "juni", "june"), 6),
    **dict.fromkeys(("jul", "juli", "july"), 7),
    **dict.fromkeys(("agu", "agt", "ags", "agustus", "aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("okt", "oktober", "oct", "october"), 10),
    **dict.fromkeys(("nov", "nop", "november", "nopember"), 11),
    **dict.fromkeys(("des", "desember", "dec", "december"), 12),
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
DATE_PATTERNS = (
    (re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$"), False),
    (re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})$"), False),
    (re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"), False),
    (re.compile(r"^(?P<d>\d{1,2})[\s\-]+(?P<m>[A-Za-z]+)\.?[\s\-]+(?P<y>\d{4})$"), True),
)

MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_column": (
        'Kolom "{value}" tidak dikenal. Kolom yang dikenal: nomor_peserta, nip, nama, '
        "kode_jabatan, unit_kerja, instansi, tanggal_lahir, pin, kinerja, kursi.",
        'Unknown column "{value}". Known columns: participant_no, nip, name, position_code, '
        "unit, agency, birth_date, pin, performance_rating, seat.",
    ),
    "missing_identity_column": (
        'Kolom "nomor_peserta" atau "nip" harus ada.',
        'A "participant_no" or "nip" column is required.',
    ),
    "seat_without_sitting": (
        "Kolom kursi hanya dipakai saat mengimpor ke sebuah sesi: pilih sesinya, atau hapus "
        "kolom ini.",
        "The seat column is only used when importing into a sitting: choose the sitting, or "
        "remove this column.",
    ),
    "missing_identity": (
        "Nomor peserta dan NIP kosong: isi salah satunya.",
        "The participant number and the NIP are both empty: fill in one of them.",
    ),
    "invalid_number": (
        'Nomor peserta "{value}" hanya boleh berisi huruf, angka, titik, garis miring, '
        "tanda hubung dan garis bawah, tanpa spasi.",
        'The participant number "{value}" may only contain letters, digits, dots, slashes, '
        "hyphens and underscores, without spaces.",
    ),
    "nip_not_18_digits": (
        'NIP "{value}" harus tepat 18 angka.',
        'The NIP "{value}" must be exactly 18 digits.',
    ),
    "digits_lost": (
        'Excel menyimpan "{value}" sebagai bilangan dan digit terakhirnya sudah hilang. Format '
        "kolom ini sebagai Teks, ketik ulang nilainya, lalu simpan lagi.",
        'Excel stored "{value}" as a number and its last digits are lost. Format this column '
        "as Text, type the values again, and save again.",
    ),
    "duplicate_number": (
        'Nomor peserta "{value}" sudah ada di baris {first}.',
        'The participant number "{value}" already appears on row {first}.',
    ),
    "duplicate_nip": (
        'NIP "{value}" sudah ada di baris {first}.',
        'The NIP "{value}" already appears on row {first}.',
    ),
    "nul_character": (
        "Isian berisi karakter NUL yang tidak diizinkan; ketik ulang isian ini.",
        "The value contains a NUL character, which is not allowed; type it again.",
    ),
    "missing_name": ("Nama peserta kosong.", "The participant's name is empty."),
    "missing_position": ("Kode jabatan kosong.", "The position code is empty."),
    "bad_date": (
        'Tanggal lahir "{value}" tidak dapat dibaca. Tulis tanggal dulu, misalnya 30-03-1985, '
        "30/03/1985, 30 Maret 1985 atau 1985-03-30.",
        'The birth date "{value}" cannot be read. Write the day first, e.g. 30-03-1985, '
        "30/03/1985, 30 March 1985 or 1985-03-30.",
    ),
    "birth_date_out_of_range": (
        'Tanggal lahir "{value}" harus antara 01-01-1900 dan hari ini.',
        'The birth date "{value}" must be between 1900-01-01 and today.',
    ),
    "bad_pin": (
        "PIN harus 4 sampai 12 huruf atau angka.",
        "The PIN must be 4 to 12 letters or digits.",
    ),
    "bad_rating": (
        'Predikat kinerja "{value}" tidak dikenal: gunakan "di bawah ekspektasi", '
        '"sesuai ekspektasi" atau "di atas ekspektasi" (below / meets / above).',
        'Unknown performance rating "{value}": use "below", "meets" or "above" (expectations) '
        '— or "di bawah / sesuai / di atas ekspektasi".',
    ),
    "seat_twice": (
        'Kursi "{value}" sudah diberikan kepada peserta di baris {first}.',
        'The seat "{value}" is already given to the participant on row {first}.',
    ),
    # Checked against the database (cact.rosters.service):
    "unknown_position": (
        'Kode jabatan "{value}" tidak dikenal. Impor jabatan dan standar kompetensinya dulu.',
        'Unknown position code "{value}". Import the positions and their standards first.',
    ),
    "identity_conflict": (
        'Nomor peserta "{number}" milik {number_owner}, tetapi NIP "{nip}" milik {nip_owner}: '
        "keduanya bukan orang yang sama.",
        'The participant number "{number}" belongs to {number_owner} but the NIP "{nip}" '
        "belongs to {nip_owner}: they are not the same person.",
    ),
    "same_participant": (
        "Baris ini dan baris {first} menunjuk peserta terdaftar yang sama ({value}).",
        "This row and row {first} refer to the same registered participant ({value}).",
    ),
    "unknown_seat": (
        'Kursi "{value}" tidak ada di ruangan {room}.',
        'There is no seat "{value}" in the room {room}.',
    ),
    "seat_taken": (
        'Kursi "{value}" sudah ditempati {other} di sesi ini.',
        'The seat "{value}" is already taken by {other} in this sitting.',
    ),
    "not_enough_seats": (
        "Ruangan {room} hanya punya {free} kursi kosong, tetapi {needed} peserta memerlukan kursi.",
        "The room {room} has only {free} free seats, but {needed} participants need one.",
    ),
    "database_conflict": (
        "Data berubah saat impor berjalan (orang lain menyimpan peserta yang sama). Ulangi impor.",
        "The data changed while importing (someone else saved the same participants). Import "
        "again.",
    ),
}


@dataclass
class RosterRow:
    """One participant as the file gives them; a field is None where the cell is empty (or
    wrong: then a problem says so and nothing is written)."""

    row: int
    number: str | None = None
    number_given: bool = False  # False: the number is the NIP (new participants only)
    nip: str | None = None
    name: str | None = None
    position_code: str | None = None
    unit: str | None = None
    agency: str | None = None
    birth_date: date | None = None
    pin: str | None = None
    rating: str | None = None
    seat: str | None = None


@dataclass
class ParsedRoster:
    problems: Problems
    table: Table | None = None
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[RosterRow] = field(default_factory=list)

    def has(self, column: Column) -> bool:
        return column.name in self.columns

    def at(self, code: str, row: int | None, column: Column | None = None, **params: Any) -> None:
        """A problem located at ``column`` of ``row`` (the header row when ``row`` is None)."""
        sheet = self.table.sheet if self.table else None
        index = self.columns.get(column.name) if column else None
        header = None
        if self.table is not None:
            row = self.table.header_row if row is None else row
            header = self.table.header[index] if index is not None else None
        self.problems.add(code, sheet=sheet, row=row, column=index, header=header, **params)


T = TypeVar("T")


class _Bad(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def exact_text(raw: Any) -> str | None:
    """A cell as text, refusing a number that Excel has already rounded (long ids as numbers)."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) >= EXACT_LIMIT:
        raise _Bad("digits_lost", value=f"{int(raw)}")
    text = cell_text(raw)
    if text is not None and SCIENTIFIC.match(text):
        raise _Bad("digits_lost", value=text)
    return text


def nip_value(raw: Any) -> str | None:
    """18 digits; the spaces of the printed form (19850330 201001 1 002) are dropped."""
    text = exact_text(raw)
    if text is None:
        return None
    digits = re.sub(r"\s+", "", text.lstrip("'"))
    if not (len(digits) == 18 and digits.isascii() and digits.isdigit()):
        raise _Bad("nip_not_18_digits", value=text)
    return digits


def number_value(raw: Any) -> str | None:
    text = exact_text(raw)
    if text is None:
        return None
    text = text.lstrip("'")
    if len(text) > LIMITS["participant_no"]:
        raise _Bad("value_too_long", length=len(text), limit=LIMITS["participant_no"])
    if not NUMBER_PATTERN.match(text):
        raise _Bad("invalid_number", value=text)
    return text


def date_value(raw: Any, today: date) -> date | None:
    """ISO, day-first numeric or with a month name (Indonesian or English), or a real Excel
    date (a date cell, or a serial number in a cell left in General format)."""
    if isinstance(raw, datetime):
        found = raw.date()
    elif isinstance(raw, date):
        found = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw < 100_000:
        found = from_excel(raw).date()
    else:
        text = cell_text(raw)
        if text is None:
            return None
        found = _date_from_text(text)
    if not EARLIEST_BIRTH <= found <= today:
        raise _Bad("birth_date_out_of_range", value=found.strftime("%d-%m-%Y"))
    return found


def _date_from_text(text: str) -> date:
    for pattern, named_month in DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match is None:
            continue
        month_text = match["m"].lower()
        month = MONTHS.get(month_text) if named_month else int(month_text)
        try:
            if month is not None:
                return date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            pass
        break
    raise _Bad("bad_date", value=text)


def text_value(raw: Any, limit: int) -> str | None:
    text = cell_text(raw)
    if text is not None and len(text) > limit:
        raise _Bad("value_too_long", length=len(text), limit=limit)
    return text


def pin_value(raw: Any) -> str | None:
    text = exact_text(raw)
    if text is not None and not PIN_PATTERN.match(text):
        raise _Bad("bad_pin")
    return text


def rating_value(raw: Any) -> str | None:
    text = cell_text(raw)
    if text is None:
        return None
    rating = parse_rating(text)
    if rating is None:
        raise _Bad("bad_rating", value=text)
    return rating


def parse_roster(
    filename: str,
    data: bytes,
    *,
    today: date | None = None,
    extra: tuple[Column, ...] = (),
    messages: dict[str, tuple[str, str]] | None = None,
) -> ParsedRoster:
    """Read and check the whole file; every problem is collected, none stops the reading.
    ``extra`` columns are accepted (located in ``columns``) for a caller that reads them."""
    parsed = ParsedRoster(Problems(filename, {**MESSAGES, **(messages or {})}))
    parsed.table = read_table(filename, data, parsed.problems)
    if parsed.table is None:
        return parsed
    columns = check_header(parsed.table, parsed.problems, REQUIRED, (*OPTIONAL, *extra))
    _unknown_columns(parsed, extra)
    if columns is None:
        return parsed
    parsed.columns = columns
    if not parsed.has(NUMBER) and not parsed.has(NIP):
        parsed.at("missing_identity_column", None)
        return parsed
    reader = _RowReader(parsed, today or date.today())
    parsed.rows = [reader.read(number, cells) for number, cells in parsed.table.rows]
    _duplicates(parsed)
    return parsed


def _unknown_columns(parsed: ParsedRoster, extra: tuple[Column, ...] = ()) -> None:
    assert parsed.table is not None
    for index, title in enumerate(parsed.table.header):
        if title is None or normalise(title) in ROW_NUMBER_HEADERS:
            continue
        if not any(column.accepts(title) for column in (*COLUMNS, *extra)):
            parsed.problems.add(
                "unknown_column",
                sheet=parsed.table.sheet,
                row=parsed.table.header_row,
                column=index,
                header=title,
                value=title,
            )


class _RowReader:
    def __init__(self, parsed: ParsedRoster, today: date) -> None:
        self.parsed = parsed
        self.today = today
        self.failed: set[str] = set()  # this row's columns that already have a problem

    def read(self, number: int, cells: list[Any]) -> RosterRow:
        self.failed = set()
        row = RosterRow(number)
        row.number = self._value(row, NUMBER, cells, number_value)
        row.nip = self._value(row, NIP, cells, nip_value)
        row.number_given = row.number is not None
        if row.number is None and row.nip is not None:
            row.number = row.nip
        if row.number is None and not self.failed & {NUMBER.name, NIP.name}:
            self.parsed.at("missing_identity", number, NUMBER if self.parsed.has(NUMBER) else NIP)
        row.name = self._text(row, NAME, cells, LIMITS["name"])
        if row.name is None and NAME.name not in self.failed:
            self.parsed.at("missing_name", number, NAME)
        row.position_code = self._text(row, POSITION, cells, LIMITS["position_code"])
        if row.position_code is None and POSITION.name not in self.failed:
            self.parsed.at("missing_position", number, POSITION)
        row.unit = self._text(row, UNIT, cells, LIMITS["unit"])
        row.agency = self._text(row, AGENCY, cells, LIMITS["agency"])
        row.birth_date = self._value(row, BIRTH_DATE, cells, lambda v: date_value(v, self.today))
        row.pin = self._value(row, PIN, cells, pin_value)
        row.rating = self._value(row, RATING, cells, rating_value)
        row.seat = self._text(row, SEAT, cells, SEAT_LIMIT)
        return row

    def _raw(self, column: Column, cells: list[Any]) -> Any:
        value = cell(cells, self.parsed.columns.get(column.name))
        if isinstance(value, str) and "\x00" in value:
            raise _Bad("nul_character")  # PostgreSQL text cannot hold it
        return value

    def _value(
        self, row: RosterRow, column: Column, cells: list[Any], read: Callable[[Any], T]
    ) -> T | None:
        try:
            return read(self._raw(column, cells))
        except _Bad as bad:
            self.failed.add(column.name)
            self.parsed.at(bad.code, row.row, column, **bad.params)
            return None

    def _text(self, row: RosterRow, column: Column, cells: list[Any], limit: int) -> str | None:
        return self._value(row, column, cells, lambda raw: text_value(raw, limit))


def _duplicates(parsed: ParsedRoster) -> None:
    numbers: dict[str, int] = {}
    nips: dict[str, int] = {}
    seats: dict[str, int] = {}
    for row in parsed.rows:
        nip_twice = False
        if row.nip is not None:
            first = nips.setdefault(row.nip, row.row)
            if nip_twice := first != row.row:
                parsed.at("duplicate_nip", row.row, NIP, value=row.nip, first=first)
        if row.number is not None:
            first = numbers.setdefault(row.number.casefold(), row.row)
            # A number taken from the NIP repeats with it: one problem is enough.
            if first != row.row and (row.number_given or not nip_twice):
                column = NUMBER if row.number_given else NIP
                parsed.at("duplicate_number", row.row, column, value=row.number, first=first)
        if row.seat is not None:
            first = seats.setdefault(row.seat.casefold(), row.row)
            if first != row.row:
                parsed.at("seat_twice", row.row, SEAT, value=row.seat, first=first)
