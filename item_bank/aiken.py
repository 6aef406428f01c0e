"""Aiken question files (Moodle's simplest text format) → the native structure.

A question is its text, then options `A. …` / `A) …` one per line, then `ANSWER: X`; questions
may be separated by blank lines. Every Aiken question is keyed, worth 1 point. Ids are made from
the file name and the question's number (`bank-001`); competencies come from `--competency`.
"""

import re
from typing import Any

from item_bank.problems import Code, Location, Report
from item_bank.safety import decode_text
from item_bank.values import id_prefix

_OPTION = re.compile(r"^([A-Za-z])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.I)
AIKEN_HINT = re.compile(r"^ANSWER\s*:\s*[A-Za-z]\s*$", re.I | re.M)


def looks_like_aiken(text: str) -> bool:
    return AIKEN_HINT.search(text) is not None


def read_aiken(data: bytes, report: Report) -> dict[str, Any] | None:
    text = decode_text(data, report)
    if text is None:
        return None
    prefix = id_prefix(report.file)
    items: list[dict[str, Any]] = []
    stem: list[str] = []
    options: list[dict[str, Any]] = []
    start = 1
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if not line:
            continue
        if not stem and not options:
            start = number
        if answer:
            item_id = f"{prefix}-{len(items) + 1:03d}"
            path = ("items", len(items))
            report.source.add(path, Location(line=start))
            report.source.add((*path, "correct"), Location(line=number))
            key = answer[1].strip().upper()
            labels = [o["label"] for o in options]
            if key not in labels:
                report.add(
                    Code.CORRECT_NOT_AN_OPTION, item_id=item_id, at=Location(line=number), value=key
                )
            items.append(
                {
                    "id": item_id,
                    "kind": "keyed",
                    "stem": "\n".join(stem),
                    "options": [{"text": o["text"], "correct": o["label"] == key} for o in options],
                }
            )
            stem, options = [], []
        elif option and stem and option[1].upper() == "ABCDEF"[len(options) : len(options) + 1]:
            report.source.add(("items", len(items), "options", len(options)), Location(line=number))
            options.append({"label": option[1].upper(), "text": option[2]})
        elif options:
            detail = f"line {number}: option {'ABCDEF'[len(options) : len(options) + 1] or '?'}"
            report.add(
                Code.MALFORMED_QUESTION, at=Location(line=number), detail=f"{detail} or ANSWER:"
            )
            stem, options = [], []
        else:
            stem.append(line)
    if stem or options:
        report.add(Code.MALFORMED_QUESTION, at=Location(line=start), detail="no ANSWER: line")
    return {"title": prefix, "language": "id", "items": items}
