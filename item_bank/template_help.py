"""The instructions sheet of the spreadsheet template (Bahasa Indonesia and English)."""

INSTRUCTIONS: tuple[tuple[str, ...], ...] = (
    ("Petunjuk pengisian templat soal CACT", "How to fill in the CACT item template"),
    (
        "Satu baris = satu soal di lembar 'soal'. Nama kolom boleh bahasa Indonesia atau Inggris.",
        "One row = one item on the 'items' sheet. Headers may be Indonesian or English.",
    ),
    (
        "Lembar 'info' (opsional): judul, bahasa (id/en), sumber. Tanpa itu judul = nama berkas.",
        "Sheet 'set' (optional): title, language (id/en), source. Without it, title = file name.",
    ),
    (
        "Lembar 'kompetensi' (opsional): kompetensi teknis yang dipakai soal di berkas ini.",
        "Sheet 'competencies' (optional): technical competencies used by items of this file.",
    ),
    (
        "Baris contoh (#CONTOH-001) dilewati saat impor: baris yang kolom pertamanya diawali # "
        "tidak dibaca. Hapus baris itu, atau ganti kodenya agar menjadi soal sungguhan.",
        "The example row (#EXAMPLE-001) is skipped on import: a row whose first cell starts "
        "with # is not read. Delete it, or give it a real id to make it an item.",
    ),
    (),
    ("kolom", "column", "wajib / required", "keterangan", "description"),
    ("kode_soal", "id", "ya / yes", "Kode unik soal, mis. M01-001", "Unique item id, e.g. M01-001"),
    (
        "kompetensi",
        "competency",
        "ya / yes",
        "Kode kompetensi, mis. M.01, SK.01, T.ADM.01",
        "Competency code, e.g. M.01, SK.01, T.ADM.01",
    ),
    (
        "jenis",
        "kind",
        "ya / yes",
        "berbobot (weighted) atau kunci (keyed)",
        "weighted (situational judgement) or keyed (one correct answer)",
    ),
    ("tingkat", "level", "", "Level sasaran 1-5", "Target level 1-5"),
    (
        "soal",
        "stem",
        "ya / yes",
        "Teks soal; HTML sederhana boleh",
        "Stem text; simple HTML allowed",
    ),
    (
        "poin",
        "points",
        "",
        "Soal kunci: poin jawaban benar (bawaan 1)",
        "Keyed: points (default 1)",
    ),
    (
        "opsi_A … opsi_F",
        "option_A … option_F",
        "A, B",
        "2-6 opsi, tanpa celah",
        "2-6 options, no gaps",
    ),
    (
        "bobot_A … bobot_F",
        "weight_A … weight_F",
        "berbobot / weighted",
        "Bobot tiap opsi 0-10",
        "Weight of each option 0-10",
    ),
    (
        "kunci",
        "correct",
        "kunci / keyed",
        "Label opsi benar, mis. C",
        "Label of the correct option",
    ),
    ("gambar", "media", "", "Jalur gambar relatif", "Relative image path"),
    ("keterangan_gambar", "media_alt", "", "Teks alternatif gambar", "Image alt text"),
)
