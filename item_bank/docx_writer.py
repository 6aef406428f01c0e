"""Item sets → Word (.docx) in the layout `docx_reader` reads, and the empty Word template.

Word carries the items' fields and their text formatting (paragraphs, line breaks, bold,
italic, underline, sub- and superscript, simple tables, one picture per item when its bytes are
given). A formula cannot be written as a Word equation: a set holding MathML is refused with
`UnwritableItem` (write formulas in Word as LaTeX `\\( … \\)`, which the reader converts).
"""

import io
from html.parser import HTMLParser

import docx
from docx.document import Document
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from item_bank.models import Item, ItemSet

TEMPLATE_HELP = {
    "id": (
        "Templat soal CACT (Word). Tulis setiap soal diawali nomor (1., 2., …), lalu opsi A. "
        "sampai paling banyak F., lalu baris Kunci: (soal berkunci) atau Bobot: A=4; B=3; … "
        "(soal berbobot). Baris opsional: Kode:, Kompetensi:, Tingkat:, Poin:. Gambar yang "
        "ditempel di teks soal menjadi gambar soal. Rumus ditulis sebagai LaTeX \\( … \\). "
        "Teks sebelum soal pertama (seperti petunjuk ini dan contoh di bawah) tidak diimpor.",
        "Judul: ",
        "Bahasa: id",
        "Kompetensi: ",
    ),
    "en": (
        "CACT item template (Word). Start every question with its number (1., 2., …), then "
        "options A. up to F. at most, then a Key: line (keyed items) or Weights: A=4; B=3; … "
        "(weighted items). Optional lines: ID:, Competency:, Level:, Points:. A picture pasted "
        "into the question becomes the item's image. Write formulas as LaTeX \\( … \\). Text "
        "before the first question (such as this help and the example below) is not imported.",
        "Title: ",
        "Language: en",
        "Competency: ",
    ),
}
EXAMPLE = (
    "Contoh / example:",
    "1. Atasan meminta Anda mengubah laporan agar terlihat lebih baik. Apa yang Anda lakukan?",
    "A. Menolak dan menjelaskan aturannya",
    "B. Menunda sambil mencari jalan tengah",
    "C. Mengikuti permintaan",
    "Kode: M01-001",
    "Kompetensi: M.01",
    "Bobot: A=4; B=3; C=1",
)


class UnwritableItem(ValueError):
    """An item holds content Word cannot carry (a formula)."""


class _Runs(HTMLParser):
    """Sanitised rich text → paragraphs and runs; `p` starts a paragraph, `br` breaks a line."""

    def __init__(self, document: Document, first: Paragraph) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = first
        self.used = False
        self.style: dict[str, int] = {"strong": 0, "em": 0, "u": 0, "sub": 0, "sup": 0}
        self.table: Table | None = None
        self.cell_text: list[str] = []
        self.rows: list[list[str]] = []

    def new_paragraph(self) -> None:
        if self.used:
            self.paragraph = self.document.add_paragraph()
            self.used = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.style:
            self.style[tag] += 1
        elif tag in ("p", "li"):
            self.new_paragraph()
            if tag == "li":
                self.paragraph.add_run("• ")
                self.used = True
        elif tag == "table":
            self.rows = []
        elif tag == "tr":
            self.rows.append([])
            self.table = self.table or self.document.add_table(rows=0, cols=1)
        elif tag in ("td", "th"):
            self.cell_text = []
        elif tag == "br" and self.table is None:
            self.paragraph.add_run().add_break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.style:
            self.style[tag] = max(0, self.style[tag] - 1)
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("".join(self.cell_text))
        elif tag == "table":
            width = max((len(r) for r in self.rows), default=1)
            if self.table is not None:
                self.table._tbl.getparent().remove(self.table._tbl)
            table = self.document.add_table(rows=len(self.rows), cols=width)
            for row, cells in zip(table.rows, self.rows, strict=False):
                for cell, text in zip(row.cells, cells, strict=False):
                    cell.text = text
            self.rows = []
            self.paragraph = self.document.add_paragraph()
            self.used = False
            self.table = None
        elif tag in ("p", "li"):
            self.used = True

    def handle_data(self, data: str) -> None:
        if self.rows:
            self.cell_text.append(data)
            return
        text = data.replace("\n", "")
        if not text:
            return
        run = self.paragraph.add_run(text)
        run.bold = bool(self.style["strong"]) or None
        run.italic = bool(self.style["em"]) or None
        run.underline = bool(self.style["u"]) or None
        # Both are w:vertAlign: setting one to None would clear the other.
        if self.style["sub"]:
            run.font.subscript = True
        elif self.style["sup"]:
            run.font.superscript = True
        self.used = True


def _rich(document: Document, prefix: str, html: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(prefix)
    builder = _Runs(document, paragraph)
    builder.used = False
    builder.feed(html)
    builder.close()


def _item(document: Document, number: int, item: Item, media: dict[str, bytes]) -> None:
    if "<math" in item.stem or any("<math" in o.text for o in item.options):
        raise UnwritableItem(f"{item.id}: a formula (MathML) cannot be written to Word")
    _rich(document, f"{number}. ", item.stem)
    if item.media is not None:
        picture = media.get(item.media.src)
        if picture is not None:
            document.add_paragraph().add_run().add_picture(io.BytesIO(picture), width=Cm(8))
        else:
            document.add_paragraph(f"Gambar: {item.media.src}")
        if item.media.alt:
            document.add_paragraph(f"Keterangan gambar: {item.media.alt}")
    for option in item.options:
        _rich(document, f"{option.label}. ", option.text)
    document.add_paragraph(f"Kode: {item.id}")
    document.add_paragraph(f"Kompetensi: {item.competency}")
    if item.level is not None:
        document.add_paragraph(f"Tingkat: {item.level}")
    if item.kind == "keyed":
        key = next(o.label for o in item.options if o.correct)
        document.add_paragraph(f"Kunci: {key}")
        document.add_paragraph(f"Poin: {item.points}")
    else:
        weights = "; ".join(f"{o.label}={o.weight}" for o in item.options)
        document.add_paragraph(f"Bobot: {weights}")
    document.add_paragraph()


def _bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _new() -> Document:
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(11)
    return document


def write_docx(item_set: ItemSet, media: dict[str, bytes] | None = None) -> bytes:
    """The set as a Word file (title, language, items); `media` holds image bytes by `src`."""
    document = _new()
    document.add_paragraph(f"Judul: {item_set.title}")
    document.add_paragraph(f"Bahasa: {item_set.language}")
    document.add_paragraph()
    for number, item in enumerate(item_set.items, start=1):
        _item(document, number, item, media or {})
    return _bytes(document)


def write_docx_template(language: str = "id") -> bytes:
    """The empty Word template: help, title/language lines and an example in a box."""
    document = _new()
    help_text, *fields = TEMPLATE_HELP["en" if language == "en" else "id"]
    document.add_paragraph(help_text)
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    cell = table.rows[0].cells[0]
    cell.text = EXAMPLE[0]
    for line in EXAMPLE[1:]:
        cell.add_paragraph(line)
    document.add_paragraph()
    for line in fields:
        document.add_paragraph(line)
    document.add_paragraph()
    document.add_paragraph("1. ")
    document.add_paragraph("A. ")
    document.add_paragraph("B. ")
    document.add_paragraph("Kunci: " if language != "en" else "Key: ")
    return _bytes(document)
