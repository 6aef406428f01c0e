"""GIFT question files (Moodle's text format) → the native structure.

Read: multiple-choice questions, `::title:: stem { =right ~wrong ~%50%partly }`, with `//`
comments, `$CATEGORY:` lines (a last segment that is a competency code sets the competency of
what follows, as in Moodle XML), `[html]` / `[moodle]` / `[plain]` / `[markdown]` formats and
the escapes `\\~ \\= \\# \\{ \\} \\:`. Weights come from the `%n%` fractions
(`item_bank.fractions`). Feedback (`#…`) is not imported: CACT shows none. True/false, short
answer, numerical, matching, essay and description questions are refused by name.
"""

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from item_bank.fractions import parse_fraction, scoring
from item_bank.moodle import category_competency
from item_bank.problems import Code, Location, Report
from item_bank.safety import decode_text
from item_bank.text import looks_like_html
from item_bank.values import id_prefix, item_id_from

ESCAPED = {
    "~": "\ue000",
    "=": "\ue001",
    "#": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    ":": "\ue005",
    "\\": "\ue006",
}
_UNESCAPE = {v: k for k, v in ESCAPED.items()}
_TITLE = re.compile(r"^::(.*?)::", re.S)
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.I)
_WEIGHT = re.compile(r"^%(-?[\d.]+)%")
_ANSWER = re.compile(r"(?:^|(?<=\s))([=~])")
_GIFT_HINT = re.compile(r"\{[^{}]*[~=][^{}]*\}|^::[^:\n]+::", re.M)


def looks_like_gift(text: str) -> bool:
    return _GIFT_HINT.search(text) is not None


def _hide_escapes(text: str) -> str:
    return re.sub(r"\\([~=#{}:\\n])", lambda m: ESCAPED.get(m[1], "\n"), text)


def _show(text: str) -> str:
    return "".join(_UNESCAPE.get(c, c) for c in text)


@dataclass(frozen=True)
class Block:
    line: int
    text: str


def blocks(text: str) -> list[Block]:
    """Questions are separated by blank lines; `//` comment lines are dropped."""
    found: list[Block] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            found.append(Block(start, "\n".join(current)))
            current = []
    if current:
        found.append(Block(start, "\n".join(current)))
    return found


def _as_html(text: str, markup: str) -> str:
    text = _show(text).strip()
    if markup == "html" or (markup == "moodle" and looks_like_html(text)):
        return text
    return escape(text, quote=False)


class GiftReader:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.prefix = id_prefix(report.file)
        self.competency: str | None = None
        self.items: list[dict[str, Any]] = []

    def read(self, text: str) -> dict[str, Any]:
        for number, block in enumerate(blocks(_hide_escapes(text)), start=1):
            body = block.text.strip()
            if body.startswith("$CATEGORY:"):
                self.competency = category_competency(_show(body.split(":", 1)[1]))
                continue
            self.question(body, block.line, number)
        return {"title": self.prefix, "language": "id", "items": self.items}

    def question(self, body: str, line: int, number: int) -> None:
        at = Location(line=line)
        title = _TITLE.match(body)
        item_id = item_id_from(_show(title[1]) if title else None, f"{self.prefix}-{number:03d}")
        rest = body[title.end() :].lstrip() if title else body
        markup = "moodle"
        found = _FORMAT.match(rest)
        if found:
            markup, rest = found[1].lower(), rest[found.end() :]
        if rest.count("{") != 1 or rest.count("}") != 1 or rest.index("{") > rest.index("}"):
            kind = "description" if "{" not in rest else "?"
            if kind == "description":
                self.report.add(Code.UNSUPPORTED_QUESTION_TYPE, item_id=item_id, at=at, kind=kind)
            else:
                detail = "one {…} answer block is expected / satu blok jawaban {…}"
                self.report.add(Code.MALFORMED_QUESTION, item_id=item_id, at=at, detail=detail)
            return
        before, answers_after = rest.split("{", 1)
        answers, after = answers_after.split("}", 1)
        refused = self.answer_kind(answers)
        if refused is not None:
            self.report.add(Code.UNSUPPORTED_QUESTION_TYPE, item_id=item_id, at=at, kind=refused)
            return
        stem = before.strip() + (" _____ " + after.strip() if after.strip() else "")
        self.choice(item_id, _as_html(stem, markup), answers, markup, at)

    @staticmethod
    def answer_kind(answers: str) -> str | None:
        """The name of a question type CACT does not take, or None for multiple choice."""
        bare = answers.strip()
        if not bare:
            return "essay"
        if bare.upper() in ("T", "F", "TRUE", "FALSE") or re.match(r"^(T|F|TRUE|FALSE)\s*#", bare):
            return "true/false"
        if bare.startswith("#"):
            return "numerical"
        if "->" in bare:
            return "matching"
        if "~" not in bare:
            return "short answer"
        return None

    def choice(self, item_id: str, stem: str, answers: str, markup: str, at: Location) -> None:
        parts = [p for p in _ANSWER.split(answers.strip()) if p != ""]
        pairs = list(zip(parts[0::2], parts[1::2], strict=False))
        fractions: list[float | None] = []
        texts: list[str] = []
        for sign, raw in pairs:
            text = raw.split("#", 1)[0].strip()
            percent = _WEIGHT.match(text)
            if percent:
                fractions.append(parse_fraction(percent[1]))
                text = text[percent.end() :].strip()
            else:
                fractions.append(100.0 if sign == "=" else 0.0)
            texts.append(_as_html(text, markup))
        found = scoring([f for f in fractions if f is not None])
        if found is None or None in fractions:
            shown = "/".join("?" if f is None else f"{f:g}" for f in fractions)
            self.report.add(Code.FRACTION_NOT_A_WEIGHT, item_id=item_id, at=at, fractions=shown)
            return
        path = ("items", len(self.items))
        self.report.source.add(path, at)
        options: list[dict[str, Any]] = []
        for text, weight, correct in zip(texts, found.weights, found.correct, strict=True):
            option: dict[str, Any] = {"text": text}
            if found.kind == "weighted":
                option["weight"] = weight
            elif correct:
                option["correct"] = True
            options.append(option)
        self.items.append(
            {
                "id": item_id,
                "competency": self.competency,
                "kind": found.kind,
                "stem": stem,
                "options": options,
            }
        )


def read_gift(data: bytes, report: Report) -> dict[str, Any] | None:
    text = decode_text(data, report)
    return None if text is None else GiftReader(report).read(text)
