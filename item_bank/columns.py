"""Columns of the spreadsheet template, with the Indonesian headers accepted as aliases."""

import re
from dataclasses import dataclass

from item_bank.models import OPTION_LABELS


@dataclass(frozen=True)
class Column:
    name: str
    indonesian: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def _option_columns() -> list[Column]:
    options = [
        Column(f"option_{x}", f"opsi_{x}", (f"pilihan_{x}",), required=x in "AB")
        for x in OPTION_LABELS
    ]
    weights = [Column(f"weight_{x}", f"bobot_{x}", (f"nilai_{x}",)) for x in OPTION_LABELS]
    return [*options, *weights]


ITEM_COLUMNS: tuple[Column, ...] = (
    Column("id", "kode_soal", ("id_soal",), required=True),
    Column("competency", "kompetensi", ("kode_kompetensi",), required=True),
    Column("kind", "jenis", ("jenis_soal", "tipe"), required=True),
    Column("level", "tingkat", ("level_target",)),
    Column("stem", "soal", ("pertanyaan", "teks_soal"), required=True),
    Column("points", "poin", ("skor",)),
    *_option_columns(),
    Column("correct", "kunci", ("kunci_jawaban", "jawaban_benar")),
    Column("media", "gambar"),
    Column("media_alt", "keterangan_gambar", ("gambar_alt",)),
)

SET_FIELDS: tuple[Column, ...] = (
    Column("title", "judul", required=True),
    Column("language", "bahasa"),
    Column("source", "sumber"),
)
SET_HEADER_WORDS = frozenset({"field", "key", "kolom", "isian"})


def _level_columns() -> list[Column]:
    return [
        Column(f"level_{n}_{lang}", f"tingkat_{n}_{lang}", (f"deskriptor_{n}_{lang}",))
        for n in range(1, 6)
        for lang in ("id", "en")
    ]


COMPETENCY_COLUMNS: tuple[Column, ...] = (
    Column("code", "kode", required=True),
    Column("kind", "jenis", required=True),
    Column("name_id", "nama_id", ("nama",), required=True),
    Column("name_en", "nama_en"),
    *_level_columns(),
)

ITEMS_SHEETS = frozenset({"items", "soal", "butir_soal"})
SET_SHEETS = frozenset({"set", "info", "informasi"})
COMPETENCY_SHEETS = frozenset({"competencies", "kompetensi"})
INSTRUCTION_SHEETS = frozenset({"instructions", "petunjuk"})

KIND_ALIASES = {
    "weighted": "weighted",
    "berbobot": "weighted",
    "bobot": "weighted",
    "keyed": "keyed",
    "kunci": "keyed",
    "berkunci": "keyed",
    "pilihan_ganda": "keyed",
}


def normalise(header: str) -> str:
    """`Opsi A`, `opsi-a` and `OPSI_A` all read as `opsi_a`."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def header_map(columns: tuple[Column, ...]) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for column in columns:
        for name in (column.name, column.indonesian, *column.aliases):
            found[normalise(name)] = column
    return found


def kind_value(value: str) -> str:
    """Indonesian item kinds (`berbobot`, `kunci`) read as `weighted` and `keyed`."""
    return KIND_ALIASES.get(normalise(value), value)
