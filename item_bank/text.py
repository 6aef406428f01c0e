"""Text cleaning shared by every format: sanitised rich text and plain text.

Rich text (stems and option texts) is an HTML fragment restricted to `RICH_TEXT_TAGS`. Cleaning is
idempotent, so a value that went through it once survives any number of round trips unchanged.
"""

import re

import nh3

# The contract's subset; `thead`/`tbody` are kept because the HTML parser inserts them into tables.
RICH_TEXT_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "em", "u", "ul", "ol", "li", "sub", "sup"}
    | {"table", "thead", "tbody", "tr", "td", "th"}
)
RICH_TEXT_ATTRIBUTES: dict[str, set[str]] = {
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

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


def clean_plain(value: str) -> str:
    """Normalise line ends, drop control characters and surrounding blanks."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def looks_like_html(value: str) -> bool:
    return _TAG.search(value) is not None


def has_image(value: str) -> bool:
    """True when the fragment holds an `<img>`, which the sanitiser would drop without a trace."""
    return _IMAGE.search(value) is not None


def clean_rich(value: str) -> str:
    """Sanitise an HTML fragment; plain text keeps its line breaks as `<br>`.

    Whitespace runs that contain a line break collapse to one newline: HTML renders them as one
    space anyway, and this keeps indentation from XML or YAML sources out of the stored value.
    """
    value = clean_plain(value)
    if not looks_like_html(value):
        value = value.replace("\n", "<br>\n")
    value = _CLEANER.clean(value)
    return _NEWLINE_RUN.sub("\n", value).strip()


def is_blank_rich(value: str) -> bool:
    """True when the fragment shows no text at all (e.g. `<p></p>` or `<br>`)."""
    text = re.sub(r"<[^>]*>", "", value).replace("&nbsp;", "")
    return not text.strip()
