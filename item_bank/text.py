"""Text cleaning shared by every format: sanitised rich text and plain text.

Rich text (stems and option texts) is an HTML fragment restricted to `RICH_TEXT_TAGS` plus the
presentation MathML of `item_bank.mathml`. Cleaning is idempotent, so a value that went through it
once survives any number of round trips unchanged. `lost_in_cleaning` names what cleaning would
drop, so that a reader can refuse an item instead of storing it damaged.
"""

import re
from html import unescape

import nh3

from item_bank.mathml import MATHML_ATTRIBUTES, MATHML_TAGS

# The contract's subset; `thead`/`tbody` are kept because the HTML parser inserts them into tables.
HTML_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "em", "u", "ul", "ol", "li", "sub", "sup"}
    | {"table", "thead", "tbody", "tr", "td", "th"}
)
RICH_TEXT_TAGS: frozenset[str] = HTML_TAGS | MATHML_TAGS
RICH_TEXT_ATTRIBUTES: dict[str, set[str]] = {
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    **{tag: set(names) for tag, names in MATHML_ATTRIBUTES.items()},
}
# Tags whose text survives cleaning (only their look goes) and tags that are never content.
TEXT_WRAPPERS = frozenset(
    [
        "span",
        "div",
        "font",
        "a",
        "s",
        "strike",
        "del",
        "ins",
        "small",
        "big",
        "center",
        "blockquote",
        "code",
        "pre",
        "kbd",
        "samp",
        "var",
        "tt",
        "abbr",
        "acronym",
        "cite",
        "dfn",
        "q",
        "mark",
        "label",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "nav",
        "main",
        "figure",
        "figcaption",
        "caption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dl",
        "dt",
        "dd",
        "hr",
        "wbr",
        "nobr",
        "col",
        "colgroup",
        "tfoot",
        "html",
        "body",
        "address",
        "bdi",
        "bdo",
        "time",
        "data",
        "details",
        "summary",
        "legend",
        "fieldset",
        "ruby",
        "rt",
        "rp",
    ]
)
NOT_CONTENT = frozenset(
    ["script", "style", "noscript", "template", "head", "title", "meta", "link", "base"]
)

_CLEANER = nh3.Cleaner(
    tags=set(RICH_TEXT_TAGS),
    attributes=RICH_TEXT_ATTRIBUTES,
    clean_content_tags={"script", "style"},
    link_rel=None,
    strip_comments=True,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINE_RUN = re.compile(r"[ \t]*\n\s*")
_TAG = re.compile(r"<[A-Za-z/!?]")
_IMAGE = re.compile(r"<img[\s/>]", re.IGNORECASE)
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:_-]*)")
_ANY_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_HIDDEN_BLOCK = re.compile(
    r"<(script|style|noscript|template|title)\b[^>]*>.*?(</\1\s*>|$)", re.DOTALL | re.IGNORECASE
)
# Old presentational tags that mean what the allow-list's tags mean.
_SYNONYM = re.compile(r"<(/?)(b|i)(?=[\s/>])[^>]*>", re.IGNORECASE)
_SYNONYMS = {"b": "strong", "i": "em"}
_BLANKS = re.compile(r"\s+")


def clean_plain(value: str) -> str:
    """Normalise line ends, drop control characters and surrounding blanks."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def looks_like_html(value: str) -> bool:
    return _TAG.search(value) is not None


def has_image(value: str) -> bool:
    """True when the fragment holds an `<img>`, which the sanitiser would drop without a trace."""
    return _IMAGE.search(value) is not None


def _synonym(match: re.Match[str]) -> str:
    return f"<{match[1]}{_SYNONYMS[match[2].lower()]}>"


def clean_rich(value: str) -> str:
    """Sanitise an HTML fragment; plain text keeps its line breaks as `<br>`.

    Whitespace runs that contain a line break collapse to one newline: HTML renders them as one
    space anyway, and this keeps indentation from XML or YAML sources out of the stored value.
    """
    value = clean_plain(value)
    if not looks_like_html(value):
        value = value.replace("\n", "<br>\n")
    else:
        value = _SYNONYM.sub(_synonym, value)
    value = _CLEANER.clean(value)
    return _NEWLINE_RUN.sub("\n", value).strip()


def visible_text(html: str) -> str:
    """The characters a reader sees, without any whitespace (for comparing before and after)."""
    html = _HIDDEN_BLOCK.sub("", _COMMENT.sub("", html))
    return _BLANKS.sub("", unescape(_ANY_TAG.sub("", html)))


def lost_in_cleaning(value: str, cleaned: str | None = None) -> list[str]:
    """What `clean_rich(value)` would drop that a reader would miss: elements (`<svg>`,
    `<mglyph>`, …) and text (quoted). Images are left to `has_image`; scripts, styles and
    comments are never content. `cleaned`: `clean_rich(value)` when the caller has it."""
    raw = clean_plain(value)
    if not looks_like_html(raw):
        return []
    lost: list[str] = []
    for name in dict.fromkeys(m.lower() for m in _OPEN_TAG.findall(_COMMENT.sub("", raw))):
        local = name.rsplit(":", 1)[-1]
        kept = local in RICH_TEXT_TAGS or local in _SYNONYMS or local in TEXT_WRAPPERS
        if not kept and local not in NOT_CONTENT and local != "img":
            lost.append(f"<{local}>")
    before = visible_text(raw)
    after = visible_text(clean_rich(raw) if cleaned is None else cleaned)
    if before != after and not lost:
        missing = before.replace(after, "", 1) if after in before else before
        lost.append(f'"{missing[:40]}"')
    return lost


def is_blank_rich(value: str) -> bool:
    """True when the fragment shows no text at all (e.g. `<p></p>` or `<br>`)."""
    text = re.sub(r"<[^>]*>", "", value).replace("&nbsp;", "")
    return not text.strip()
