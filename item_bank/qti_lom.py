"""IEEE LOM metadata in a content-package manifest: how CACT carries competencies in QTI.

An item resource's LOM `classification` with purpose `competency` holds one `taxonPath` whose
first taxon id is the competency code and whose optional second taxon id is the target level.
At package level, each declared competency is such a classification too: the first taxon's
entry holds its names, the `description` its kind, and one extra taxonPath per level holds the
level descriptor (second taxon id = level, entry = descriptor).
"""

from typing import Any
from xml.etree.ElementTree import Element, SubElement

from item_bank.models import LANGUAGES, CompetencyDeclaration, Item, LocalizedText
from item_bank.qti_item import ItemMetadata
from item_bank.qti_xml import XML_LANG, child, children, text_of

LOM_NAMESPACE = "http://ltsc.ieee.org/xsd/LOM"
COMPETENCY_PURPOSE = "competency"
TAXON_SOURCE = "CACT"


def strings(element: Element | None) -> dict[str, str]:
    """LOM `string` (LOM 1.0) or `langstring` (imsmd 1.2) children by language."""
    found: dict[str, str] = {}
    for node in children(element, "string") if element is not None else ():
        found.setdefault(node.get("language") or node.get(XML_LANG) or "", text_of(node))
    for node in children(element, "langstring") if element is not None else ():
        found.setdefault(node.get(XML_LANG) or node.get("language") or "", text_of(node))
    return found


def localized(texts: dict[str, str]) -> dict[str, str | None]:
    first = next(iter(texts.values()), None)
    return {"id": texts.get("id") or first, "en": texts.get("en")}


def competency_classifications(metadata: Element | None) -> list[Element]:
    lom = child(metadata, "lom")
    found = list(children(lom, "classification")) if lom is not None else []
    return [c for c in found if text_of(child(child(c, "purpose"), "value")) == COMPETENCY_PURPOSE]


def item_metadata(resource: Element) -> ItemMetadata:
    for classification in competency_classifications(child(resource, "metadata")):
        path = child(classification, "taxonPath")
        taxa = list(children(path, "taxon")) if path is not None else []
        ids = [text_of(child(t, "id")) for t in taxa]
        if ids and ids[0]:
            return ItemMetadata(ids[0], ids[1] if len(ids) > 1 else None)
    return ItemMetadata()


def declarations(metadata: Element | None) -> list[dict[str, Any]]:
    found = []
    for classification in competency_classifications(metadata):
        paths = [list(children(p, "taxon")) for p in children(classification, "taxonPath")]
        if not paths or not paths[0]:
            continue
        first = paths[0][0]
        levels = [
            {
                "level": text_of(child(p[1], "id")),
                "descriptor": localized(strings(child(p[1], "entry"))),
            }
            for p in paths
            if len(p) > 1
        ]
        entry: dict[str, Any] = {
            "code": text_of(child(first, "id")),
            "kind": next(iter(strings(child(classification, "description")).values()), None),
            "name": localized(strings(child(first, "entry"))),
        }
        found.append({**entry, "levels": levels} if levels else entry)
    return found


def general(metadata: Element | None) -> dict[str, Any]:
    """Title, language and description (the set's source) of the package."""
    section = child(child(metadata, "lom"), "general")
    if section is None:
        return {}
    language = text_of(child(section, "language"))[:2].lower()
    values = {
        "title": next(iter(strings(child(section, "title")).values()), None),
        "language": language if language in LANGUAGES else None,
        "source": next(iter(strings(child(section, "description")).values()), None),
    }
    return {k: v for k, v in values.items() if v}


def _string(parent: Element, tag: str, texts: dict[str, str | None]) -> Element:
    holder = SubElement(parent, tag)
    for language, text in texts.items():
        if text:
            SubElement(holder, "string", {"language": language}).text = text
    return holder


def _classification(parent: Element) -> Element:
    node = SubElement(parent, "classification")
    purpose = SubElement(node, "purpose")
    SubElement(purpose, "source").text = "LOMv1.0"
    SubElement(purpose, "value").text = COMPETENCY_PURPOSE
    return node


def _taxon_path(parent: Element, taxa: list[tuple[str, LocalizedText | None]]) -> None:
    path = SubElement(parent, "taxonPath")
    _string(path, "source", {"x-none": TAXON_SOURCE})
    for identifier, entry in taxa:
        taxon = SubElement(path, "taxon")
        SubElement(taxon, "id").text = identifier
        if entry is not None:
            _string(taxon, "entry", {"id": entry.id, "en": entry.en})


def new_lom(parent: Element) -> Element:
    return SubElement(parent, "lom", {"xmlns": LOM_NAMESPACE})


def write_general(lom: Element, title: str, language: str, source: str | None) -> None:
    section = SubElement(lom, "general")
    _string(section, "title", {language: title})
    SubElement(section, "language").text = language
    if source:
        _string(section, "description", {language: source})


def write_declaration(lom: Element, declaration: CompetencyDeclaration) -> None:
    node = _classification(lom)
    _string(node, "description", {"x-none": declaration.kind})
    _taxon_path(node, [(declaration.code, declaration.name)])
    for level in declaration.levels:
        _taxon_path(node, [(declaration.code, None), (str(level.level), level.descriptor)])


def write_item_metadata(lom: Element, item: Item) -> None:
    taxa: list[tuple[str, LocalizedText | None]] = [(item.competency, None)]
    if item.level is not None:
        taxa.append((str(item.level), None))
    _taxon_path(_classification(lom), taxa)
