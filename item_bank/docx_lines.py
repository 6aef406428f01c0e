"""A Word document as lines a question reader can judge: text as sanitisable HTML, images,
list numbering, and whatever cannot be carried (equations, text boxes, embedded objects).

python-docx gives the body in order (paragraphs and tables); this module turns each into one
`Line` and never raises on a strange document: python-docx objects are only read.
"""

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any

from docx.document import Document
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
# Things a paragraph may hold that the item formats cannot carry, by how Word names them.
UNKEPT = {
    f"{M}oMath": "Word equation (OMML)",
    f"{W}object": "embedded object (OLE)",
    f"{W}pict": "VML picture or shape",
    "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}txbx": "text box",
    "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart": "chart",
}


@dataclass
class Image:
    name: str
    data: bytes


@dataclass
class Line:
    """One paragraph or table: its number from the top (what problems call `line`)."""

    number: int
    text: str
    html: str
    list_format: str | None = None
    images: list[Image] = field(default_factory=list)
    unkept: list[str] = field(default_factory=list)
    is_table: bool = False


def _run_html(run: Run) -> str:
    text = escape(run.text, quote=False).replace("\t", " ").replace("\n", "<br>\n")
    if not text:
        return ""
    font = run.font
    if font.subscript:
        text = f"<sub>{text}</sub>"
    elif font.superscript:
        text = f"<sup>{text}</sup>"
    if run.underline:
        text = f"<u>{text}</u>"
    if run.italic:
        text = f"<em>{text}</em>"
    if run.bold:
        text = f"<strong>{text}</strong>"
    return text


def _images(paragraph: Paragraph) -> list[Image]:
    found: list[Image] = []
    related = paragraph.part.related_parts
    for blip in paragraph._p.iter(A_BLIP):
        part = related.get(blip.get(R_EMBED) or "")
        if part is not None:
            found.append(Image(posixpath.basename(str(part.partname)), bytes(part.blob)))
    return found


class Numbering:
    """The list format (`decimal`, `upperLetter`, `bullet`, …) of a numbered paragraph."""

    def __init__(self, document: Document) -> None:
        self.formats: dict[tuple[str, str], str] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError, ValueError):
            return
        abstract: dict[str, dict[str, str]] = {}
        for node in root.iter(f"{W}abstractNum"):
            levels = {}
            for level in node.iter(f"{W}lvl"):
                fmt = level.find(f"{W}numFmt")
                levels[level.get(f"{W}ilvl") or "0"] = fmt.get(f"{W}val") if fmt is not None else ""
            abstract[node.get(f"{W}abstractNumId") or ""] = levels
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            levels = abstract.get(ref.get(f"{W}val") or "" if ref is not None else "", {})
            for ilvl, fmt in levels.items():
                self.formats[(num.get(f"{W}numId") or "", ilvl)] = fmt or ""

    def of(self, paragraph: Paragraph) -> str | None:
        num_pr = _num_pr(paragraph._p)
        if num_pr is None:
            style = paragraph.style
            num_pr = _num_pr(style.element) if style is not None else None
        if num_pr is None:
            return None
        num_id = num_pr.find(f"{W}numId")
        ilvl = num_pr.find(f"{W}ilvl")
        key = (
            num_id.get(f"{W}val") or "" if num_id is not None else "",
            ilvl.get(f"{W}val") or "0" if ilvl is not None else "0",
        )
        return None if key[0] in ("", "0") else self.formats.get(key, "decimal")


def _num_pr(element: Any) -> Any:
    p_pr = element.find(f"{W}pPr")
    return p_pr.find(f"{W}numPr") if p_pr is not None else None


def _paragraph(paragraph: Paragraph, number: int, numbering: Numbering) -> Line:
    html = ""
    for part in paragraph.iter_inner_content():
        runs = part.runs if isinstance(part, Hyperlink) else [part]
        html += "".join(_run_html(run) for run in runs)
    unkept = _unkept(paragraph._p)
    return Line(
        number,
        paragraph.text.strip(),
        html.strip(),
        numbering.of(paragraph),
        _images(paragraph),
        unkept,
    )


def _unkept(element: Any) -> list[str]:
    return sorted(
        {name for tag, name in UNKEPT.items() if next(element.iter(tag), None) is not None}
    )


def _table(table: Table, number: int) -> Line:
    rows = []
    text = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            inner = "<br>".join(
                "".join(_run_html(r) for r in p.runs).strip() for p in cell.paragraphs
            )
            cells.append(f"<td>{inner}</td>")
            text.append(cell.text)
        rows.append(f"<tr>{''.join(cells)}</tr>")
    unkept = _unkept(table._tbl)
    if next(table._tbl.iter(A_BLIP), None) is not None:
        unkept.append("image inside a table")
    html = f"<table>{''.join(rows)}</table>"
    return Line(number, " ".join(text).strip(), html, unkept=unkept, is_table=True)


def document_lines(document: Document) -> Iterator[Line]:
    numbering = Numbering(document)
    for number, block in enumerate(document.iter_inner_content(), start=1):
        if isinstance(block, Paragraph):
            yield _paragraph(block, number, numbering)
        else:
            yield _table(block, number)
