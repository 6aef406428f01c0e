"""Word (.docx) question documents → the native structure (the layout of `docx_writer`).

A question starts with a number (`1.` / `1)` typed, or a numbered list); its stem runs until
the first option `A.` / `A)` (typed or a lettered list), options follow in order, then
`Kunci: B` (keyed) or `Bobot: A=4; B=3; …` (weighted) and optional `Kode:`, `Kompetensi:`,
`Tingkat:`, `Poin:`, `Jenis:` lines (English `Key`, `Weights`, `ID`, `Competency`, `Level`,
`Points`, `Kind` too). `Judul:`, `Bahasa:` and `Kompetensi:` before the first question set the
title, language and default competency; other text before it is not imported (a note says so).
A picture in the stem becomes the item's media; bold, italic, underline, sub- and superscript
are kept; LaTeX `\\( … \\)` becomes MathML. Word equations, text boxes and objects cannot be
carried: the item is refused naming them.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError

from item_bank.docx_lines import Line, document_lines
from item_bank.models import OPTION_LABELS
from item_bank.problems import Code, Location, Report
from item_bank.safety import MEMBER_ERRORS, Limits, open_zip, refuse_doctype
from item_bank.values import id_prefix

_QUESTION = re.compile(r"^(\d{1,4})\s*[.)]\s*(.*)$", re.S)
_OPTION = re.compile(r"^([A-Fa-f])\s*[.)]\s*(.*)$", re.S)
FIELDS = {
    "kode": "id",
    "kode_soal": "id",
    "id": "id",
    "kompetensi": "competency",
    "competency": "competency",
    "tingkat": "level",
    "level": "level",
    "poin": "points",
    "points": "points",
    "skor": "points",
    "jenis": "kind",
    "kind": "kind",
    "kunci": "correct",
    "kunci_jawaban": "correct",
    "jawaban": "correct",
    "key": "correct",
    "answer": "correct",
    "bobot": "weights",
    "weights": "weights",
    "weight": "weights",
    "gambar": "media",
    "image": "media",
    "keterangan_gambar": "media_alt",
    "image_alt": "media_alt",
    "judul": "title",
    "title": "title",
    "bahasa": "language",
    "language": "language",
}
_FIELD = re.compile(r"^([A-Za-z][A-Za-z _]{1,20}?)\s*:\s*(.*)$", re.S)
_WEIGHT_PAIR = re.compile(r"([A-Fa-f])\s*[=:]\s*([^;,\s]+)")
_KINDS = {"berbobot": "weighted", "bobot": "weighted", "kunci": "keyed", "berkunci": "keyed"}
BROKEN_DOCX = (
    *MEMBER_ERRORS,
    PackageNotFoundError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    LookupError,
    OSError,
    SyntaxError,  # lxml's XMLSyntaxError
)


@dataclass
class Question:
    line: int
    item: dict[str, Any]
    stem: list[str] = field(default_factory=list)
    options: list[dict[str, Any]] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    weights: str | None = None
    alt: str = ""


class DocxReader:
    def __init__(self, report: Report, images: dict[str, bytes]) -> None:
        self.report = report
        self.images = images
        self.prefix = id_prefix(report.file)
        self.document: dict[str, Any] = {"title": self.prefix, "language": "id", "items": []}
        self.competency: str | None = None
        self.question: Question | None = None
        self.preamble: list[str] = []

    def read(self, lines: list[Line]) -> dict[str, Any]:
        for line in lines:
            self.line(line)
        self.finish()
        if self.preamble:
            text = " ".join(self.preamble)
            self.report.note(
                Code.TEXT_NOT_IMPORTED, text=text[:120] + ("…" if len(text) > 120 else "")
            )
        return self.document

    def line(self, line: Line) -> None:
        if not line.text and not line.images and not line.unkept:
            return
        at = Location(line=line.number)
        question = _QUESTION.match(line.text) if not line.is_table else None
        numbered = line.list_format == "decimal"
        if question is not None or (numbered and not self.expects_option(line)):
            self.finish()
            self.start(line, question[2] if question else None, at)
            return
        if self.question is None:
            self.before_questions(line)
            return
        if self.option(line, at) or self.field(line, at):
            return
        target = self.question.options[-1] if self.question.options else None
        if line.unkept:
            self.lost(line, at)
        if target is not None:
            target["text"] += "<br>" + line.html
        else:
            self.take_images(line, at)
            self.question.stem.append(line.html)

    def expects_option(self, line: Line) -> bool:
        return self.question is not None and line.list_format in ("upperLetter", "lowerLetter")

    def start(self, line: Line, text: str | None, at: Location) -> None:
        number = len(self.document["items"]) + 1
        item = {"id": f"{self.prefix}-{number:03d}", "competency": self.competency}
        self.report.source.add(("items", len(self.document["items"])), at)
        self.question = Question(line.number, item)
        html = line.html if text is None else _strip_prefix(line.html, line.text, text)
        if line.unkept:
            self.lost(line, at)
        self.take_images(line, at)
        self.question.stem.append(html)

    def option(self, line: Line, at: Location) -> bool:
        assert self.question is not None
        expected = OPTION_LABELS[len(self.question.options) : len(self.question.options) + 1]
        typed = _OPTION.match(line.text) if not line.is_table else None
        if typed is not None and typed[1].upper() == expected:
            html = _strip_prefix(line.html, line.text, typed[2])
        elif self.expects_option(line) and expected:
            html = line.html
        else:
            return False
        index = len(self.question.options)
        path = ("items", len(self.document["items"]), "options", index)
        self.report.source.add(path, at)
        if line.images:
            self.report.add(Code.IMAGE_IN_TEXT, (*path, "text"), item_id=self.question.item["id"])
        if line.unkept:
            self.lost(line, at)
        self.question.options.append({"label": expected, "text": html})
        return True

    def field(self, line: Line, at: Location) -> bool:
        assert self.question is not None
        found = _FIELD.match(line.text) if not line.is_table else None
        name = FIELDS.get(found[1].strip().lower().replace(" ", "_")) if found else None
        if found is None or name is None or name in ("title", "language"):
            return False
        value = found[2].strip()
        path = ("items", len(self.document["items"]))
        item = self.question.item
        self.report.source.add((*path, name), at)
        if name == "correct":
            self.report.source.add((*path, "options", "correct"), at)
            item["_key"] = value
        elif name == "weights":
            self.question.weights = value
        elif name == "kind":
            item["kind"] = _KINDS.get(value.lower(), value.lower())
        elif name == "media":
            self.question.media.append(value)
        elif name == "media_alt":
            self.question.alt = value
        else:
            item[name] = value
        return True

    def before_questions(self, line: Line) -> None:
        found = _FIELD.match(line.text) if not line.is_table else None
        name = FIELDS.get(found[1].strip().lower().replace(" ", "_")) if found else None
        if found is not None and name in ("title", "language", "competency"):
            value = found[2].strip()
            self.report.source.add((name,), Location(line=line.number))
            if name == "competency":
                self.competency = value
            else:
                self.document[name] = value.lower() if name == "language" else value
        elif line.text:
            self.preamble.append(line.text)

    def take_images(self, line: Line, at: Location) -> None:
        assert self.question is not None
        for image in line.images:
            self.images[image.name] = image.data
            self.question.media.append(image.name)

    def lost(self, line: Line, at: Location) -> None:
        item_id = self.question.item["id"] if self.question else None
        self.report.add(Code.CONTENT_LOST, item_id=item_id, at=at, lost=", ".join(line.unkept))

    def finish(self) -> None:
        question, self.question = self.question, None
        if question is None:
            return
        item = question.item
        item["id"] = item.get("id") or item["id"]
        item["stem"] = _stem(question.stem)
        key = item.pop("_key", None)
        kind = item.get("kind") or ("weighted" if question.weights is not None else "keyed")
        item["kind"] = kind
        options = question.options
        if question.weights is not None:
            self.apply_weights(question.weights, options, question)
        if key is not None:
            labels = [p for p in re.split(r"[\s,;/]+", key.upper()) if p]
            for label in labels:
                target = next((o for o in options if o["label"] == label), None)
                if target is None:
                    path = ("items", len(self.document["items"]), "options", "correct")
                    self.report.add(
                        Code.CORRECT_NOT_AN_OPTION, path, item_id=item["id"], value=label
                    )
                else:
                    target["correct"] = True
        item["options"] = options
        if len(question.media) > 1:
            at = Location(line=question.line)
            self.report.add(Code.TOO_MANY_IMAGES, item_id=item["id"], at=at)
        if question.media:
            item["media"] = {"src": question.media[0], "alt": question.alt}
        self.document["items"].append(item)

    def apply_weights(self, text: str, options: list[dict[str, Any]], question: Question) -> None:
        pairs = _WEIGHT_PAIR.findall(text)
        if pairs:
            given = {label.upper(): weight for label, weight in pairs}
        else:
            values = [v for v in re.split(r"[\s,;/]+", text) if v]
            given = dict(zip(OPTION_LABELS, values, strict=False))
        for option in options:
            option["weight"] = given.get(option["label"])


def _stem(blocks: list[str]) -> str:
    """One paragraph is the stem as it is; several are `<p>` each (tables stay tables)."""
    filled = [b for b in blocks if b]
    if len(filled) == 1:
        return filled[0]
    return "\n".join(b if b.startswith("<table") else f"<p>{b}</p>" for b in filled)


def _strip_prefix(html: str, text: str, rest: str) -> str:
    """The paragraph's HTML without its typed number or letter (`1. `, `B) `)."""
    prefix = text[: len(text) - len(rest)] if text.endswith(rest) else ""
    if not prefix:
        return html
    match = re.match(r"^((?:<[^>]+>)*)" + re.escape(prefix.strip()) + r"\s*", html)
    if match is None:
        return html
    return match[1] + html[match.end() :]


def read_docx(
    data: bytes, report: Report, images: dict[str, bytes], limits: Limits
) -> dict[str, Any] | None:
    archive = open_zip(data, report, limits)
    if archive is None or not refuse_doctype(archive, report):
        return None
    try:
        lines = list(document_lines(docx.Document(io.BytesIO(data))))
    except zipfile.BadZipFile:
        report.add(Code.BAD_ZIP)
        return None
    except BROKEN_DOCX as error:
        detail = (str(error) or type(error).__name__).splitlines()[0].rstrip(".")
        report.add(Code.MALFORMED_DOCX, detail=detail[:200])
        return None
    return DocxReader(report, images).read(lines)
