"""The presentation MathML kept in rich text, and LaTeX math converted to it.

The allow-list is MathML Core's presentation elements (what Chromium and Firefox draw natively and
the kiosk's vendored MathJax draws elsewhere). Left out on purpose: `annotation-xml` (it may hold
HTML, the classic sanitiser-bypass vector), `maction` (interactive), `mglyph` (loads an image) and
every attribute that is a URL or a script hook (`href`, `src`, `on*`).
"""

import re

from latex2mathml.converter import convert

MATHML_TAGS: frozenset[str] = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "mfenced",
        "menclose",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "semantics",
        "annotation",
    ]
)
# No mathcolor or mathbackground: a colour alone must never tell two options apart.
_COMMON = frozenset(["mathvariant", "mathsize", "dir", "displaystyle", "scriptlevel"])
_BY_TAG: dict[str, str] = {
    "math": "display alttext",
    "mo": "form fence separator lspace rspace stretchy symmetric maxsize minsize largeop "
    "movablelimits accent",
    "mfrac": "linethickness numalign denomalign bevelled",
    "mspace": "width height depth",
    "mpadded": "width height depth lspace voffset",
    "mover": "accent",
    "munder": "accentunder",
    "munderover": "accent accentunder",
    "menclose": "notation",
    "mfenced": "open close separators",
    "mtable": "align columnalign rowalign columnlines rowlines columnspacing rowspacing frame "
    "width",
    "mtr": "columnalign rowalign",
    "mtd": "columnalign rowalign columnspan rowspan",
    "ms": "lquote rquote",
    "annotation": "encoding",
}
MATHML_ATTRIBUTES: dict[str, frozenset[str]] = {
    tag: _COMMON | frozenset(_BY_TAG.get(tag, "").split()) for tag in MATHML_TAGS
}

# `\( … \)` inline and `\[ … \]` or `$$ … $$` displayed; single dollars stay text (prices).
LATEX = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<block>.+?)\\\]|\$\$(?P<dollars>.+?)\$\$", re.S)
_UNKNOWN_COMMAND = re.compile(r"<mi>(\\[A-Za-z]*)</mi>")


class LatexError(ValueError):
    """LaTeX that cannot be converted faithfully; the message names the formula."""


def has_latex(text: str) -> bool:
    return LATEX.search(text) is not None


def _balanced(source: str) -> bool:
    depth = 0
    for index, char in enumerate(source):
        if char in "{}" and index and source[index - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_to_mathml(source: str, display: str = "inline") -> str:
    """One formula as MathML; unbalanced braces or an unknown command are a `LatexError`."""
    if not source.strip() or not _balanced(source):
        raise LatexError(source)
    try:
        mathml = convert(source, display=display)
    except Exception as error:  # the converter raises its own and builtin errors alike
        raise LatexError(source) from error
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown is not None:
        raise LatexError(f"{source} ({unknown[1]})")
    return mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")


def replace_latex(text: str) -> str:
    """Every delimited formula of `text` replaced by its MathML (`LatexError` on the first bad)."""

    def one(match: re.Match[str]) -> str:
        if match["inline"] is not None:
            return latex_to_mathml(match["inline"])
        return latex_to_mathml(match["block"] or match["dollars"], "block")

    return LATEX.sub(one, text)
