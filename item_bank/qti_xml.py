"""QTI vocabulary shared by reader and writer: versions, names, and HTML ↔ XML content.

QTI 2.x names elements and attributes in camelCase (`choiceInteraction`, `maxChoices`); QTI 3.0
in kebab case with a `qti-` prefix (`qti-choice-interaction`, `max-choices`). Both are compared
through `key()`, which folds them to one spelling, so one reader serves every version.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VOID_TAGS = frozenset({"br", "img", "hr"})


@dataclass(frozen=True)
class QtiVersion:
    name: str
    namespace: str
    schema: str
    template_base: str
    template_suffix: str
    resource_type: str
    manifest_namespace: str
    package_schema: str
    package_schema_version: str

    @property
    def kebab(self) -> bool:
        return self.name == "3.0"


_V2_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
VERSIONS: dict[str, QtiVersion] = {
    "2.1": QtiVersion(
        "2.1",
        "http://www.imsglobal.org/xsd/imsqti_v2p1",
        "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/",
        "",
        "imsqti_item_xmlv2p1",
        _V2_CP,
        "QTIv2.1 Package",
        "1.0.0",
    ),
    "2.2": QtiVersion(
        "2.2",
        "http://www.imsglobal.org/xsd/imsqti_v2p2",
        "http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_v2p2.xsd",
        "http://www.imsglobal.org/question/qti_v2p2/rptemplates/",
        "",
        "imsqti_item_xmlv2p2",
        _V2_CP,
        "QTIv2.2 Package",
        "1.0.0",
    ),
    "3.0": QtiVersion(
        "3.0",
        "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
        "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/",
        ".xml",
        "imsqti_item_xmlv3p0",
        "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
        "QTI Package",
        "3.0.0",
    ),
}
VERSION_BY_NAMESPACE = {v.namespace: v for v in VERSIONS.values()}
VERSION_BY_RESOURCE_TYPE = {v.resource_type: v for v in VERSIONS.values()}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def key(name: str) -> str:
    """`qti-choice-interaction` and `choiceInteraction` both give `choiceinteraction`."""
    name = local(name).lower()
    return name.removeprefix("qti-").replace("-", "")


def attr(element: Element, name: str) -> str | None:
    wanted = key(name)
    return next((v for k, v in element.attrib.items() if key(k) == wanted), None)


def children(element: Element, name: str) -> Iterator[Element]:
    wanted = key(name)
    return (child for child in element if key(child.tag) == wanted)


def child(element: Element | None, name: str) -> Element | None:
    return None if element is None else next(children(element, name), None)


def descendants(element: Element, name: str) -> Iterator[Element]:
    wanted = key(name)
    return (node for node in element.iter() if key(node.tag) == wanted)


def text_of(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def qti_name(name: str, version: QtiVersion) -> str:
    """An attribute name in `version`'s spelling (given in QTI 2 camelCase)."""
    if not version.kebab:
        return name
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def qti_element(name: str, version: QtiVersion) -> str:
    return f"qti-{qti_name(name, version)}" if version.kebab else name


def inner_html(element: Element) -> str:
    """The mixed content of `element` as an HTML fragment (namespaces dropped)."""
    parts = [escape(element.text or "", quote=False)]
    for node in element:
        parts.append(outer_html(node))
        parts.append(escape(node.tail or "", quote=False))
    return "".join(parts)


def outer_html(element: Element) -> str:
    tag = local(element.tag)
    attributes = "".join(f' {local(k)}="{escape(v)}"' for k, v in element.attrib.items())
    if tag in VOID_TAGS:
        return f"<{tag}{attributes}>"
    return f"<{tag}{attributes}>{inner_html(element)}</{tag}>"


class _TreeBuilder(HTMLParser):
    def __init__(self, root: Element) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def append_html(parent: Element, fragment: str) -> None:
    """Append a sanitised HTML fragment to `parent` as XML elements and text."""
    builder = _TreeBuilder(parent)
    builder.feed(fragment)
    builder.close()
