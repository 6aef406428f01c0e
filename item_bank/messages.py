"""The bilingual message of every problem code (Bahasa Indonesia first, then English)."""

from collections.abc import Mapping

MESSAGES: dict[str, tuple[str, str]] = {
    "unsupported_file_type": (
        "Jenis berkas {name} tidak dikenali. Gunakan .yaml, .json, .xlsx, .csv, .docx (Word), "
        ".xml (soal QTI atau Moodle XML), .gift, .txt (Aiken) atau .zip (paket QTI, atau "
        ".yaml/.json beserta gambarnya).",
        "Unrecognised file type {name}. Use .yaml, .json, .xlsx, .csv, .docx (Word), .xml (QTI "
        "item or Moodle XML), .gift, .txt (Aiken) or .zip (QTI package, or .yaml/.json files "
        "with their images).",
    ),
    "unreadable_file": (
        "Berkas tidak dapat dibaca: {reason}.",
        "The file cannot be read: {reason}.",
    ),
    "empty_file": ("Berkas kosong.", "The file is empty."),
    "file_too_large": (
        "Berkas terlalu besar: {size} bait, batasnya {limit} bait.",
        "The file is too large: {size} bytes, the limit is {limit} bytes.",
    ),
    "bad_encoding": (
        "Berkas bukan teks UTF-8 atau UTF-16 yang sah (baris {line}). Simpan ulang sebagai "
        '"CSV UTF-8" atau "Unicode Text".',
        "The file is not valid UTF-8 or UTF-16 text (line {line}). Save it again as "
        '"CSV UTF-8" or "Unicode Text".',
    ),
    "malformed_yaml": ("YAML tidak sah: {detail}.", "Invalid YAML: {detail}."),
    "malformed_json": ("JSON tidak sah: {detail}.", "Invalid JSON: {detail}."),
    "yaml_aliases_forbidden": (
        "Anchor dan alias YAML (&, *) tidak diizinkan; tulis nilainya secara lengkap.",
        "YAML anchors and aliases (&, *) are not allowed; write the values out in full.",
    ),
    "duplicate_key": ('Kunci "{key}" ditulis dua kali.', 'The key "{key}" is written twice.'),
    "malformed_xml": ("XML tidak sah: {detail}.", "Malformed XML: {detail}."),
    "xml_entities_forbidden": (
        "XML berisi DOCTYPE atau entitas; demi keamanan keduanya tidak diizinkan.",
        "The XML contains a DOCTYPE or entities; they are refused for safety.",
    ),
    "bad_zip": ("Berkas ZIP rusak atau bukan ZIP.", "The ZIP file is damaged or not a ZIP file."),
    "zip_bomb": (
        "Isi ZIP {member} melampaui batas ukuran atau rasio kompresi (dugaan zip bomb).",
        "The ZIP member {member} exceeds the size or compression-ratio limit (suspected zip bomb).",
    ),
    "unsafe_zip_path": (
        'Jalur berbahaya di dalam ZIP: "{member}" (jalur mutlak atau berisi "..").',
        'Unsafe path inside the ZIP: "{member}" (absolute or containing "..").',
    ),
    "too_many_zip_members": (
        "ZIP berisi {count} berkas; batasnya {limit}.",
        "The ZIP holds {count} files; the limit is {limit}.",
    ),
    "malformed_spreadsheet": (
        "Berkas XLSX tidak dapat dibuka: {detail}.",
        "The XLSX file cannot be opened: {detail}.",
    ),
    "no_items": ("Berkas tidak berisi soal.", "The file contains no items."),
    "too_many_items": (
        "Berkas berisi lebih dari {limit} soal.",
        "The file contains more than {limit} items.",
    ),
    "wrong_format": (
        'Nilai "format" harus "{expected}", bukan "{value}".',
        'The "format" value must be "{expected}", not "{value}".',
    ),
    "missing_field": ('Isian wajib "{name}" tidak ada.', 'The required field "{name}" is missing.'),
    "unknown_field": ('Isian "{name}" tidak dikenal.', 'Unknown field "{name}".'),
    "wrong_type": ("Nilai ini harus berupa {expected}.", "This value must be {expected}."),
    "invalid_value": ("Nilai tidak sah: {detail}.", "Invalid value: {detail}."),
    "invalid_language": (
        'Bahasa harus "id" atau "en", bukan "{value}".',
        'The language must be "id" or "en", not "{value}".',
    ),
    "not_an_integer": ('"{value}" bukan bilangan bulat.', '"{value}" is not a whole number.'),
    "invalid_competency_code": (
        'Kode kompetensi "{value}" tidak sesuai pola (contoh: M.01, SK.01, T.ADM.01).',
        'The competency code "{value}" does not match the pattern (e.g. M.01, SK.01, T.ADM.01).',
    ),
    "invalid_competency_kind": (
        'Jenis kompetensi "{value}" harus satu kata huruf kecil, misalnya technical.',
        'The competency kind "{value}" must be one lowercase word, e.g. technical.',
    ),
    "duplicate_competency": (
        "Kompetensi {value} dideklarasikan lebih dari sekali.",
        "The competency {value} is declared more than once.",
    ),
    "bad_level_descriptors": (
        "Deskriptor level, bila ada, harus tepat lima: level 1 sampai 5 berurutan.",
        "Level descriptors, when given, must be exactly five: levels 1 to 5 in order.",
    ),
    "missing_id": ("Soal tidak memiliki id.", "The item has no id."),
    "invalid_id": (
        'Id soal "{value}" tidak sah: pakai huruf, angka, titik, garis bawah atau tanda hubung, '
        "paling banyak 64 karakter.",
        'The item id "{value}" is invalid: use letters, digits, dots, underscores or hyphens, '
        "at most 64 characters.",
    ),
    "duplicate_id": (
        'Id soal "{value}" sudah dipakai di {first}.',
        'The item id "{value}" is already used at {first}.',
    ),
    "missing_competency": (
        "Soal tidak menyebut kompetensi (isi kolom kompetensi atau pakai --competency KODE).",
        "The item names no competency (fill in the competency or use --competency CODE).",
    ),
    "unknown_competency": (
        'Kompetensi "{value}" tidak ada di kamus kompetensi dan tidak dideklarasikan '
        "di berkas ini.",
        'The competency "{value}" is not in the competency dictionary nor declared in this file.',
    ),
    "missing_kind": (
        "Jenis soal tidak diisi (weighted/berbobot atau keyed/kunci).",
        "The item kind is missing (weighted or keyed).",
    ),
    "unknown_kind": (
        'Jenis soal "{value}" tidak dikenal: pakai weighted (berbobot) atau keyed (kunci).',
        'Unknown item kind "{value}": use weighted or keyed.',
    ),
    "level_out_of_range": (
        'Level "{value}" harus bilangan bulat 1 sampai 5.',
        'The level "{value}" must be a whole number from 1 to 5.',
    ),
    "empty_stem": ("Teks soal kosong.", "The item stem is empty."),
    "unsafe_media_path": (
        'Jalur gambar "{value}" harus relatif terhadap berkas, tanpa "..", garis miring awal '
        "atau alamat web.",
        'The image path "{value}" must be relative to the file, without "..", a leading slash '
        "or a web address.",
    ),
    "image_in_text": (
        "Teks ini berisi gambar (tag img) yang akan terbuang saat teks dibersihkan. Satu gambar "
        "per soal dicantumkan di isian media soal, bukan di teks soal atau opsi.",
        "This text contains an image (an img tag) that sanitising would drop. An item's one image "
        "goes in its media field, not in the stem or option text.",
    ),
    "missing_media": (
        'Gambar "{value}" tidak ada di unggahan maupun di dalam paket. Unggah berkas gambarnya '
        "bersama berkas soal, dengan nama atau jalur yang sama.",
        'The image "{value}" is neither in the upload nor inside the package. Upload the image '
        "file together with the item file, under the same name or path.",
    ),
    "unsupported_media_type": (
        'Berkas "{value}" bukan gambar PNG, JPEG, GIF atau WebP (dinilai dari isinya). SVG tidak '
        "diterima karena dapat memuat skrip.",
        'The file "{value}" is not a PNG, JPEG, GIF or WebP image (judged by its content). SVG is '
        "refused because it can carry script.",
    ),
    "media_too_large": (
        'Gambar "{value}" terlalu besar: {size} bait, batasnya {limit} bait per gambar.',
        'The image "{value}" is too large: {size} bytes, the limit is {limit} bytes per image.',
    ),
    "media_conflict": (
        'Jalur gambar "{value}" menunjuk gambar yang berbeda di {first}; beri nama berbeda.',
        'The image path "{value}" names a different image at {first}; give them different names.',
    ),
    "points_on_weighted": (
        "Soal berbobot tidak memakai poin; nilainya berasal dari bobot opsi.",
        "A weighted item takes no points; its score comes from the option weights.",
    ),
    "invalid_points": (
        'Poin "{value}" harus bilangan bulat positif.',
        'The points "{value}" must be a positive whole number.',
    ),
    "too_few_options": (
        "Soal hanya memiliki {count} opsi; paling sedikit 2.",
        "The item has too few options ({count}); at least 2 are needed.",
    ),
    "too_many_options": (
        "Soal memiliki {count} opsi; paling banyak 6.",
        "The item has {count} options; at most 6 are allowed.",
    ),
    "invalid_option_label": (
        'Label opsi "{value}" tidak sah: opsi diberi label A sampai F berurutan, '
        'di sini "{expected}".',
        'Invalid option label "{value}": options are labelled A to F in order, here "{expected}".',
    ),
    "duplicate_option_label": (
        'Label opsi "{value}" dipakai dua kali dalam satu soal.',
        'The option label "{value}" is used twice in one item.',
    ),
    "empty_option_text": ("Teks opsi {label} kosong.", "The text of option {label} is empty."),
    "option_gap": (
        "Opsi {label} kosong padahal opsi sesudahnya terisi.",
        "Option {label} is empty while a later option is filled in.",
    ),
    "missing_weight": (
        "Opsi {label} tidak berbobot; pada soal berbobot setiap opsi wajib berbobot 0 sampai 10.",
        "Option {label} has no weight; in a weighted item every option needs a weight "
        "from 0 to 10.",
    ),
    "weight_out_of_range": (
        'Bobot "{value}" pada opsi {label} harus bilangan bulat 0 sampai 10.',
        'The weight "{value}" of option {label} must be a whole number from 0 to 10.',
    ),
    "weight_on_keyed": (
        "Opsi {label} berbobot, padahal soal berkunci (keyed) tidak memakai bobot.",
        "Option {label} has a weight, but a keyed item takes no weights.",
    ),
    "correct_on_weighted": (
        "Opsi {label} ditandai benar, padahal soal berbobot tidak memakai kunci jawaban.",
        "Option {label} is marked correct, but a weighted item has no answer key.",
    ),
    "no_correct_option": (
        "Soal berkunci tidak memiliki opsi yang benar.",
        "The keyed item has no correct option.",
    ),
    "two_correct_options": (
        "Soal berkunci memiliki lebih dari satu opsi benar ({labels}); tepat satu yang boleh.",
        "The keyed item has more than one correct option ({labels}); exactly one is allowed.",
    ),
    "correct_not_an_option": (
        'Kunci "{value}" tidak menunjuk opsi yang ada.',
        'The key "{value}" does not point to an existing option.',
    ),
    "unknown_column": (
        'Kolom "{value}" tidak dikenal; lihat templat untuk nama kolom yang sah.',
        'Unknown column "{value}"; see the template for valid column names.',
    ),
    "missing_column": (
        'Kolom wajib "{name}" (atau "{alias}") tidak ada.',
        'The required column "{name}" (or "{alias}") is missing.',
    ),
    "duplicate_column": (
        'Kolom "{value}" muncul lebih dari sekali.',
        'The column "{value}" appears more than once.',
    ),
    "missing_manifest": (
        "Paket ZIP tidak berisi imsmanifest.xml di akarnya (paket QTI) maupun berkas soal "
        ".yaml/.json.",
        "The ZIP package has neither an imsmanifest.xml at its root (QTI package) nor .yaml/.json "
        "item files.",
    ),
    "missing_resource": (
        'Berkas "{href}" yang disebut manifest tidak ada di dalam paket.',
        'The file "{href}" named in the manifest is not in the package.',
    ),
    "not_qti_item": (
        "Dokumen XML ini bukan assessmentItem QTI (elemen akarnya {root}).",
        "This XML document is not a QTI assessmentItem (its root element is {root}).",
    ),
    "unsupported_qti_version": (
        'Versi QTI tidak didukung (namespace "{namespace}"); yang didukung 2.1, 2.2 dan 3.0.',
        'Unsupported QTI version (namespace "{namespace}"); 2.1, 2.2 and 3.0 are supported.',
    ),
    "unsupported_interaction": (
        "Interaksi {interaction} tidak didukung; CACT hanya menerima pilihan ganda dengan satu "
        "jawaban (choiceInteraction, maxChoices 1).",
        "The {interaction} interaction is not supported; CACT takes single-answer multiple "
        "choice only (choiceInteraction, maxChoices 1).",
    ),
    "no_interaction": (
        "Soal QTI tidak berisi choiceInteraction.",
        "The QTI item has no choiceInteraction.",
    ),
    "missing_scoring": (
        "Soal QTI tidak memiliki correctResponse maupun mapping untuk penskoran.",
        "The QTI item has neither a correctResponse nor a mapping to score it.",
    ),
    "too_many_images": (
        "Soal memiliki lebih dari satu gambar; CACT mendukung satu gambar per soal.",
        "The item has more than one image; CACT supports one image per item.",
    ),
    "rules_or_items": (
        "Bagian tes harus berisi rules (aturan pemilihan) atau items (daftar tetap), "
        "tidak keduanya.",
        "A section must have either rules (selection rules) or items (a fixed list), not both.",
    ),
    "unknown_item": (
        'Soal "{value}" tidak ada di bank soal.',
        'The item "{value}" is not in the item bank.',
    ),
    "not_enough_items": (
        "Aturan meminta {wanted} soal {competency}{level}, tetapi bank hanya memiliki {available}.",
        "The rule asks for {wanted} {competency}{level} items, but the bank has only {available}.",
    ),
    "break_out_of_range": (
        "Lama jeda harus bilangan bulat detik dari 0 (tanpa jeda) sampai {max} (4 jam), "
        "bukan {value}.",
        "A break is a whole number of seconds from 0 (no break) to {max} (4 hours), not {value}.",
    ),
    "break_after_last_section": (
        "break_after_seconds tidak berlaku pada bagian terakhir: sesudahnya tidak ada bagian "
        "lagi. Hapus isian ini.",
        "break_after_seconds cannot be set on the last section: no section follows it. "
        "Remove the field.",
    ),
    "value_out_of_range": (
        "Nilai di luar rentang yang diizinkan: {detail}.",
        "The value is outside the allowed range: {detail}.",
    ),
    "content_lost": (
        "Sebagian isi teks ini tidak dapat disimpan dan akan hilang: {lost}. Soal ditolak agar "
        "tidak tersimpan rusak; hapus atau ganti bagian itu (rumus: MathML atau LaTeX \\( … \\)).",
        "Part of this text cannot be kept and would be lost: {lost}. The item is refused rather "
        "than stored damaged; remove or replace that part (formulas: MathML or LaTeX \\( … \\)).",
    ),
    "bad_latex": (
        "Rumus LaTeX tidak dapat diubah menjadi MathML: {value}.",
        "The LaTeX formula cannot be converted to MathML: {value}.",
    ),
    "duplicate_option_text": (
        "Opsi {labels} bertuliskan sama persis; peserta tidak dapat membedakannya.",
        "Options {labels} read exactly the same; a participant cannot tell them apart.",
    ),
    "damaged_zip_member": (
        'Isi ZIP "{member}" rusak (CRC atau kompresi tidak cocok dengan kepala berkasnya).',
        'The ZIP member "{member}" is damaged (its CRC or compression does not match its header).',
    ),
    "encrypted_zip": (
        'ZIP ini dikunci kata sandi ("{member}"); simpan ulang tanpa kata sandi.',
        'This ZIP is password-protected ("{member}"); save it again without a password.',
    ),
    "number_too_long": (
        "Angka sepanjang {digits} digit tidak diterima; paling banyak {limit} digit.",
        "A number of {digits} digits is refused; at most {limit} digits are allowed.",
    ),
    "duplicate_map_key": (
        'mapEntry untuk pilihan "{value}" ditulis dua kali (bobot {first} lalu {second}).',
        'The mapEntry for choice "{value}" is written twice (weight {first}, then {second}).',
    ),
    "map_key_not_a_choice": (
        'mapEntry menyebut pilihan "{value}" yang tidak ada di choiceInteraction.',
        'A mapEntry names the choice "{value}", which is not in the choiceInteraction.',
    ),
    "duplicate_choice_id": (
        'Identifier pilihan "{value}" dipakai oleh lebih dari satu simpleChoice.',
        'The choice identifier "{value}" is used by more than one simpleChoice.',
    ),
    "missing_qti_namespace": (
        "assessmentItem tanpa namespace QTI; yang didukung 2.1, 2.2 dan 3.0 "
        '(mis. xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1").',
        "The assessmentItem has no QTI namespace; 2.1, 2.2 and 3.0 are supported "
        '(e.g. xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1").',
    ),
    "legacy_xls": (
        "Berkas ini buku kerja Excel lama (.xls) meskipun bernama {name}; simpan ulang sebagai "
        '"Excel Workbook (.xlsx)".',
        "This is an old Excel workbook (.xls) although it is named {name}; save it again as "
        '"Excel Workbook (.xlsx)".',
    ),
    "unsupported_question_type": (
        "Jenis pertanyaan {kind} tidak didukung; CACT hanya menerima pilihan ganda dengan satu "
        "jawaban.",
        "The question type {kind} is not supported; CACT takes single-answer multiple choice only.",
    ),
    "fraction_not_a_weight": (
        "Nilai fraction {fractions} tidak dapat dijadikan bobot bulat 0 sampai 10 (pakai "
        "kelipatan yang sama, mis. 100/75/50/25, dan tanpa nilai negatif).",
        "The fractions {fractions} cannot be made whole weights 0 to 10 (use one step, e.g. "
        "100/75/50/25, and no negative values).",
    ),
    "malformed_question": (
        "Pertanyaan tidak dapat dibaca: {detail}.",
        "The question cannot be read: {detail}.",
    ),
    "malformed_docx": (
        "Berkas Word tidak dapat dibuka: {detail}.",
        "The Word file cannot be opened: {detail}.",
    ),
    "header_below_title": (
        "Baris judul kolom ditemukan di baris {row}; baris di atasnya ({skipped}) dilewati.",
        "The header row was found at row {row}; the rows above it ({skipped}) were skipped.",
    ),
    "read_as_csv": (
        "Berkas {name} berisi teks CSV, bukan buku kerja; dibaca sebagai CSV.",
        "The file {name} holds CSV text, not a workbook; it was read as CSV.",
    ),
    "text_not_imported": (
        "Teks sebelum soal pertama tidak diimpor: {text}",
        "Text before the first question is not imported: {text}",
    ),
}

TERMS: dict[str, tuple[str, str]] = {
    "text": ("teks", "text"),
    "integer": ("bilangan bulat", "a whole number"),
    "list": ("daftar", "a list"),
    "mapping": ("pemetaan (kunci: nilai)", "a mapping (key: value)"),
    "boolean": ("true atau false", "true or false"),
}


def render(code: str, params: Mapping[str, object]) -> tuple[str, str]:
    """Both messages of `code`, with `params` filled in (`expected` names a term of TERMS)."""
    message_id, message_en = MESSAGES[code]
    term = TERMS.get(str(params.get("expected", "")))
    values_id = {**params, "expected": term[0]} if term else params
    values_en = {**params, "expected": term[1]} if term else params
    return message_id.format_map(_Missing(values_id)), message_en.format_map(_Missing(values_en))


class _Missing(dict[str, object]):
    """`format_map` source that leaves unknown placeholders visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def problem_code_table() -> str:
    """The Markdown table of problem codes used in docs/item-format.md."""
    lines = ["| code | Bahasa Indonesia | English |", "|---|---|---|"]
    for code, (message_id, message_en) in sorted(MESSAGES.items()):
        lines.append(f"| `{code}` | {message_id} | {message_en} |".replace("\n", " "))
    return "\n".join(lines)
