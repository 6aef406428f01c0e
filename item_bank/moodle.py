"""Moodle XML question banks → the native structure.

Read: `multichoice` questions with one answer (`<single>true</single>`); the answers' `fraction`
gives a keyed or a weighted item (`item_bank.fractions`). A `category` question whose last path
segment is a competency code (`$course$/top/M.01`) sets the competency of the questions after
it. One `@@PLUGINFILE@@` image of a question text, with its base64 `<file>`, becomes the item's
media. Every other question type is refused by name, one problem per question.
"""

import base64
import binascii
import re
from html import escape
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from item_bank.fractions import parse_fraction, scoring
from item_bank.models import COMPETENCY_CODE_PATTERN
from item_bank.problems import Code, Location, Report
from item_bank.safety import line_of
from item_bank.values import id_prefix, item_id_from

PLUGINFILE = "@@PLUGINFILE@@/"
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CODE = re.compile(COMPETENCY_CODE_PATTERN)


def is_moodle(root: Element) -> bool:
    return root.tag == "quiz"


def _text(element: Element | None) -> str:
    node = element.find("text") if element is not None else None
    return (node.text or "") if node is not None else ""


def _field_text(element: Element | None) -> str:
    """A Moodle text field as HTML: `html` as is, other formats as escaped text."""
    if element is None:
        return ""
    value = _text(element)
    if element.get("format", "html") == "html":
        return value
    return escape(value, quote=False)


def category_competency(path: str) -> str | None:
    last = path.strip().rstrip("/").rsplit("/", 1)[-1].strip()
    return last if _CODE.match(last) else None


class MoodleReader:
    def __init__(self, report: Report, images: dict[str, bytes]) -> None:
        self.report = report
        self.images = images
        self.prefix = id_prefix(report.file)

    def read(self, root: Element) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        competency: str | None = None
        for number, question in enumerate(root.iter("question"), start=1):
            kind = question.get("type", "")
            if kind == "category":
                competency = category_competency(_text(question.find("category")))
                continue
            at = Location(line=line_of(question))
            name = _text(question.find("name"))
            item_id = item_id_from(name, f"{self.prefix}-{number:03d}")
            single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
            if kind != "multichoice" or not single:
                label = kind if single else f"{kind} (beberapa jawaban / multiple answers)"
                self.report.add(
                    Code.UNSUPPORTED_QUESTION_TYPE, item_id=item_id, at=at, kind=label or "?"
                )
                continue
            item = self.question(question, item_id, competency, len(items), at)
            if item is not None:
                items.append(item)
        return {"title": id_prefix(self.report.file), "language": "id", "items": items}

    def question(
        self,
        question: Element,
        item_id: str,
        competency: str | None,
        index: int,
        at: Location,
    ) -> dict[str, Any] | None:
        path = ("items", index)
        self.report.source.add(path, at)
        answers = question.findall("answer")
        for number, answer in enumerate(answers):
            self.report.source.add((*path, "options", number), Location(line=line_of(answer)))
        fractions = [parse_fraction(a.get("fraction")) for a in answers]
        grade = parse_fraction(question.findtext("defaultgrade") or "1")
        found = scoring([f for f in fractions if f is not None], grade)
        if found is None or None in fractions:
            shown = "/".join(a.get("fraction") or "?" for a in answers)
            self.report.add(Code.FRACTION_NOT_A_WEIGHT, item_id=item_id, at=at, fractions=shown)
            return None
        stem, media = self.stem(question, item_id, at)
        options: list[dict[str, Any]] = []
        for answer, weight, correct in zip(answers, found.weights, found.correct, strict=True):
            option: dict[str, Any] = {"text": _field_text(answer)}
            if found.kind == "weighted":
                option["weight"] = weight
            elif correct:
                option["correct"] = True
            options.append(option)
        points = None
        if found.kind == "keyed":
            points = question.findtext("defaultgrade") or None
            points = points.strip() if points else None
        return {
            "id": item_id,
            "competency": competency,
            "kind": found.kind,
            "stem": stem,
            "media": media,
            "points": _whole(points),
            "options": options,
        }

    def stem(
        self, question: Element, item_id: str, at: Location
    ) -> tuple[str, dict[str, str] | None]:
        field = question.find("questiontext")
        html = _field_text(field)
        tags = _IMG.findall(html)
        if len(tags) > 1:
            self.report.add(Code.TOO_MANY_IMAGES, item_id=item_id, at=at)
        if not tags:
            return html, None
        attributes = {m[1].lower(): m[2] or m[3] for m in _ATTR.finditer(tags[0])}
        src = attributes.get("src", "")
        media = {"src": unquote(src.removeprefix(PLUGINFILE)), "alt": attributes.get("alt", "")}
        if src.startswith(PLUGINFILE) and field is not None:
            self.embedded(field, media["src"], item_id, at)
        return _IMG.sub("", html, count=1), media

    def embedded(self, field: Element, name: str, item_id: str, at: Location) -> None:
        for file in field.findall("file"):
            if file.get("name") == name and file.get("encoding", "base64") == "base64":
                try:
                    self.images[name] = base64.b64decode(file.text or "", validate=False)
                except (binascii.Error, ValueError):
                    self.report.add(Code.UNSUPPORTED_MEDIA_TYPE, item_id=item_id, at=at, value=name)
                return


def _whole(points: str | None) -> str | None:
    """Moodle writes grades as `1.0000000`; a whole grade reads as its integer."""
    value = parse_fraction(points) if points else None
    return str(int(value)) if value is not None and value == int(value) else points


def read_moodle(root: Element, report: Report, images: dict[str, bytes]) -> dict[str, Any]:
    return MoodleReader(report, images).read(root)
