"""Item sets → Moodle XML, GIFT and Aiken (what each of those formats can carry).

Moodle XML and GIFT carry ids (question names / titles), competencies (a category per
competency), keyed and weighted items (fractions; Moodle XML also the grade, so weights come
back exactly) and HTML. Aiken carries keyed items only: question text, options and key.
"""

import re
from html import unescape
from itertools import groupby
from xml.etree.ElementTree import Element, SubElement, tostring

from item_bank.fractions import fraction_of
from item_bank.models import Item, ItemSet

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def _text(parent: Element, name: str, value: str, **attrs: str) -> Element:
    node = SubElement(parent, name, attrs)
    SubElement(node, "text").text = value
    return node


def _top(item: Item) -> int:
    return max(o.weight or 0 for o in item.options) if item.kind == "weighted" else 100


def write_moodle_xml(item_set: ItemSet) -> bytes:
    quiz = Element("quiz")
    for code, items in groupby(item_set.items, key=lambda i: i.competency):
        category = SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"$course$/top/{code}")
        for item in items:
            question = SubElement(quiz, "question", {"type": "multichoice"})
            _text(question, "name", item.id)
            _text(question, "questiontext", item.stem, format="html")
            grade = item.points if item.kind == "keyed" else _top(item)
            SubElement(question, "defaultgrade").text = str(grade or 1)
            SubElement(question, "single").text = "true"
            SubElement(question, "shuffleanswers").text = "true"
            for option in item.options:
                if item.kind == "keyed":
                    fraction = "100" if option.correct else "0"
                else:
                    fraction = fraction_of(option.weight or 0, _top(item))
                _text(question, "answer", option.text, fraction=fraction, format="html")
    body = tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _gift(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def write_gift(item_set: ItemSet) -> bytes:
    lines = [f"// {item_set.title}", ""]
    for code, items in groupby(item_set.items, key=lambda i: i.competency):
        lines += [f"$CATEGORY: $course$/top/{code}", ""]
        for item in items:
            answers = []
            for option in item.options:
                if item.kind == "keyed":
                    answers.append(("=" if option.correct else "~") + _gift(option.text))
                else:
                    weight = fraction_of(option.weight or 0, _top(item))
                    answers.append(f"~%{weight}%{_gift(option.text)}")
            lines.append(f"::{_gift(item.id)}:: [html]{_gift(item.stem)} {{")
            lines += [f"  {a}" for a in answers]
            lines += ["}", ""]
    return "\n".join(lines).encode("utf-8")


class UnwritableAiken(ValueError):
    """Aiken holds keyed items only."""


def write_aiken(item_set: ItemSet) -> bytes:
    lines: list[str] = []
    for item in item_set.items:
        if item.kind != "keyed":
            raise UnwritableAiken(f"{item.id}: Aiken holds keyed items only")
        lines.append(" ".join(visible_text_spaced(item.stem).split()))
        lines += [
            f"{o.label}. {' '.join(visible_text_spaced(o.text).split())}" for o in item.options
        ]
        lines += [f"ANSWER: {next(o.label for o in item.options if o.correct)}", ""]
    return "\n".join(lines).encode("utf-8")


def visible_text_spaced(html: str) -> str:
    """Plain text with the spaces kept (Aiken is plain text)."""
    return unescape(re.sub(r"<br\s*/?>|</p>", " ", re.sub(r"<(?!br|/p)[^>]*>", "", html)))
