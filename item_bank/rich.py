"""One rich-text field (a stem or an option text) judged the same way in every format."""

import re
from typing import Any

from item_bank.mathml import LatexError, has_latex, replace_latex
from item_bank.problems import Code, FieldPath, Report
from item_bank.text import clean_rich, has_image, lost_in_cleaning

_LOOKS = re.compile(r"</?(p|br|strong|em|u)\b[^>]*>|\s+")


def rich_field(
    report: Report, value: Any, path: FieldPath, item_id: str | None, *, latex: bool
) -> str | None:
    """The sanitised text, or None when the value is not text. LaTeX (`latex`: the native and
    spreadsheet formats) becomes MathML first; whatever sanitising would drop is a problem."""
    if value is not None and not isinstance(value, str | int | float):
        report.add(Code.WRONG_TYPE, path, item_id=item_id, expected="text")
        return None
    text = "" if value is None else str(value)
    if latex and has_latex(text):
        try:
            text = replace_latex(text)
        except LatexError as error:
            report.add(Code.BAD_LATEX, path, item_id=item_id, value=str(error)[:80])
    if has_image(text):
        report.add(Code.IMAGE_IN_TEXT, path, item_id=item_id)
    cleaned = clean_rich(text)
    lost = lost_in_cleaning(text, cleaned)
    if lost:
        report.add(Code.CONTENT_LOST, path, item_id=item_id, lost=", ".join(lost))
    return cleaned


def reading(html: str) -> str:
    """What two option texts are compared by: the text and its math, not its emphasis."""
    return _LOOKS.sub("", html).lower()
