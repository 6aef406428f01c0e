"""Made-up demo participants: Indonesian names, 18-digit NIPs, demo positions."""

from __future__ import annotations

FIRST = (
    "Ahmad",
    "Siti",
    "Budi",
    "Dewi",
    "Rina",
    "Agus",
    "Nur",
    "Yuli",
    "Hendra",
    "Wulan",
    "Eko",
    "Fitri",
    "Joko",
    "Lestari",
    "Rudi",
    "Maya",
    "Andi",
    "Ratna",
    "Bambang",
    "Indah",
)
LAST = (
    "Saputra",
    "Rahayu",
    "Santoso",
    "Wijaya",
    "Hidayat",
    "Kurniawati",
    "Pratama",
    "Lestari",
    "Nugroho",
    "Sari",
    "Siregar",
    "Harahap",
    "Simanjuntak",
    "Putri",
    "Setiawan",
)
POSITIONS = (
    ("JF-AK-AP", "Analis Kepegawaian Ahli Pertama", "fungsional"),
    ("JF-PK-AM", "Pranata Komputer Ahli Muda", "fungsional"),
    ("JP-KABID", "Kepala Bidang", "struktural"),
)


def name(n: int) -> str:
    return f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"


def nip(n: int) -> str:
    """Born 1985-1994, appointed 2010-2019, sex digit, serial: the shape of a real NIP."""
    born = f"{1985 + n % 10}{(n % 12) + 1:02d}{(n % 28) + 1:02d}"
    appointed = f"{2010 + n % 10}{(n % 12) + 1:02d}"
    return f"{born}{appointed}{1 + n % 2}{n:03d}"
