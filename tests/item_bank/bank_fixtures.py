"""Shared builders for the item-bank tests: a small dictionary, a rich item set, workbooks."""

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from item_bank import ItemSet, LoadResult, load_item_bytes

DICTIONARY_CODES = ("M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08", "SK.01")
KNOWN = frozenset(DICTIONARY_CODES)


def dictionary_document(codes: Sequence[str] = DICTIONARY_CODES) -> dict[str, Any]:
    def text(word: str) -> dict[str, str]:
        return {"id": f"{word} (id)", "en": f"{word} (en)"}

    def level(n: int) -> dict[str, Any]:
        indicators = {
            "id": [f"Indikator {n}a", f"Indikator {n}b"],
            "en": [f"Sign {n}a", f"Sign {n}b"],
        }
        return {
            "level": n,
            "title": text(f"Level {n}"),
            "descriptor": text(f"Descriptor {n}"),
            "indicators": indicators,
        }

    return {
        "source": "Fixture dictionary",
        "competencies": [
            {
                "code": code,
                "kind": "sociocultural" if code.startswith("SK") else "managerial",
                "name": text(code),
                "definition": text(f"Definition {code}"),
                "levels": [level(n) for n in range(1, 6)],
            }
            for code in codes
        ],
    }


def write_dictionary(path: Path, codes: Sequence[str] = DICTIONARY_CODES) -> Path:
    path.write_text(yaml.safe_dump(dictionary_document(codes), allow_unicode=True), "utf-8")
    return path


def rich_set() -> ItemSet:
    """Weighted and keyed items, levels, media, Indonesian text and HTML stems."""
    return ItemSet.model_validate(
        {
            "title": "Asesmen Kompetensi — Manajerial & Teknis",
            "language": "id",
            "source": "Tim Penyusun BKPSDM Demo, 2026",
            "competencies": [
                {
                    "code": "T.ADM.01",
                    "kind": "technical",
                    "name": {"id": "Administrasi Perkantoran", "en": "Office Administration"},
                    "levels": [
                        {"level": n, "descriptor": {"id": f"Mampu tingkat {n}", "en": f"Able {n}"}}
                        for n in range(1, 6)
                    ],
                },
                {
                    "code": "T.TIK.02",
                    "kind": "digital_literacy",
                    "name": {"id": "Literasi Digital"},
                },
            ],
            "items": [
                {
                    "id": "M01-001",
                    "competency": "M.01",
                    "kind": "weighted",
                    "level": 3,
                    "stem": "<p>Atasan meminta Anda <strong>mengubah</strong> laporan keuangan "
                    "agar terlihat “lebih baik”.</p>\n<p>Apa yang Anda lakukan?</p>",
                    "media": {"src": "images/m01-001.png", "alt": "Laporan keuangan"},
                    "options": [
                        {"label": "A", "text": "Menolak dan menjelaskan aturannya", "weight": 4},
                        {
                            "label": "B",
                            "text": "Menunda sambil mencari <em>jalan tengah</em>",
                            "weight": 3,
                        },
                        {"label": "C", "text": "Mengikuti permintaan", "weight": 1},
                        {"label": "D", "text": "Melapor ke inspektorat tanpa bicara", "weight": 2},
                        {"label": "E", "text": "Diam saja", "weight": 0},
                    ],
                },
                {
                    "id": "SK01-007",
                    "competency": "SK.01",
                    "kind": "weighted",
                    "stem": "Warga dari suku berbeda meminta layanan\ndalam bahasa daerahnya.",
                    "options": [
                        {"label": "A", "text": "Melayani dengan ramah", "weight": 5},
                        {"label": "B", "text": "Meminta berbahasa Indonesia", "weight": 2},
                    ],
                },
                {
                    "id": "T-ADM-001",
                    "competency": "T.ADM.01",
                    "kind": "keyed",
                    "level": 2,
                    "points": 5,
                    "stem": "<p>Rumus luas: H<sub>2</sub>O &amp; x<sup>2</sup></p>"
                    '<table><tbody><tr><th>Kode</th><td colspan="2">Arsip</td></tr>'
                    "</tbody></table><ul><li>satu</li><li>dua</li></ul>",
                    "options": [
                        {"label": "A", "text": "Arsip dinamis"},
                        {"label": "B", "text": "Arsip statis", "correct": True},
                        {"label": "C", "text": "Arsip vital"},
                        {"label": "D", "text": "Arsip aktif"},
                        {"label": "E", "text": "Arsip inaktif"},
                        {"label": "F", "text": "Bukan arsip &lt;apa pun&gt;"},
                    ],
                },
                {
                    "id": "T-TIK-9",
                    "competency": "T.TIK.02",
                    "kind": "keyed",
                    "points": 1,
                    "stem": "Apa kepanjangan <u>PDF</u>?",
                    "options": [
                        {"label": "A", "text": "Portable Document Format", "correct": True},
                        {"label": "B", "text": "Printed Data File"},
                    ],
                },
            ],
        }
    )


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A real XLSX file with the given sheets (first one active)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(name: str, data: bytes | str, **options: Any) -> LoadResult:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    options.setdefault("known_competencies", KNOWN)
    return load_item_bytes(name, raw, **options)


def codes(result: LoadResult) -> list[str]:
    return [p.code for p in result.problems]


def only(result: LoadResult, code: str) -> Any:
    """The single problem with `code` (fails when there is none or several)."""
    found = [p for p in result.problems if p.code == code]
    assert len(found) == 1, (code, [(p.code, p.where(), p.message_en) for p in result.problems])
    return found[0]
