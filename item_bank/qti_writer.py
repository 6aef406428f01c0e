"""Items and item sets → QTI 2.1 / 2.2 / 3.0 item files and zipped content packages."""

import io
import posixpath
import zipfile
from collections.abc import Mapping
from xml.etree.ElementTree import Element, SubElement, tostring

from item_bank import qti_lom
from item_bank.models import Item, ItemSet
from item_bank.qti_xml import VERSIONS, QtiVersion, append_html, qti_element, qti_name

XSI = "http://www.w3.org/2001/XMLSchema-instance"
RESPONSE = "RESPONSE"


class _Builder:
    """Creates QTI elements with names spelled for one version."""

    def __init__(self, version: QtiVersion) -> None:
        self.version = version

    def add(self, parent: Element, name: str, text: str | None = None, **attrs: str) -> Element:
        attributes = {qti_name(k, self.version): v for k, v in attrs.items()}
        node = SubElement(parent, qti_element(name, self.version), attributes)
        node.text = text
        return node

    def outcome(self, parent: Element, identifier: str, value: int) -> None:
        outcome = self.add(
            parent,
            "outcomeDeclaration",
            identifier=identifier,
            cardinality="single",
            baseType="float",
        )
        self.add(self.add(outcome, "defaultValue"), "value", str(value))


def item_element(item: Item, version: QtiVersion, language: str, media_src: str | None) -> Element:
    build = _Builder(version)
    label = item.competency if item.level is None else f"{item.competency}/{item.level}"
    attributes = {
        "xmlns": version.namespace,
        "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{version.namespace} {version.schema}",
        "identifier": item.id,
        "title": item.id,
        "label": label,
        qti_name("adaptive", version): "false",
        qti_name("timeDependent", version): "false",
        "xml:lang": language,
    }
    root = Element(qti_element("assessmentItem", version), attributes)
    declaration = build.add(
        root,
        "responseDeclaration",
        identifier=RESPONSE,
        cardinality="single",
        baseType="identifier",
    )
    if item.kind == "keyed":
        key = next(o.label for o in item.options if o.correct)
        build.add(build.add(declaration, "correctResponse"), "value", key)
    else:
        mapping = build.add(declaration, "mapping", defaultValue="0")
        for option in item.options:
            build.add(mapping, "mapEntry", mapKey=option.label, mappedValue=str(option.weight))
    build.outcome(root, "SCORE", 0)
    build.outcome(root, "MAXSCORE", item.max_score)
    _body(build, root, item, media_src)
    template = "match_correct" if item.kind == "keyed" else "map_response"
    uri = f"{version.template_base}{template}{version.template_suffix}"
    build.add(root, "responseProcessing", template=uri)
    return root


def _body(build: _Builder, root: Element, item: Item, media_src: str | None) -> None:
    body = build.add(root, "itemBody")
    # The stem goes into one div: QTI wants block content there, and readers drop the div again.
    stem = SubElement(body, "div")
    if item.media is not None and media_src is not None:
        SubElement(stem, "img", {"src": media_src, "alt": item.media.alt})
    append_html(stem, item.stem)
    interaction = build.add(
        body, "choiceInteraction", responseIdentifier=RESPONSE, shuffle="true", maxChoices="1"
    )
    for option in item.options:
        append_html(build.add(interaction, "simpleChoice", identifier=option.label), option.text)


def _serialise(root: Element) -> bytes:
    data: bytes = tostring(root, xml_declaration=True, encoding="utf-8")
    return data


def write_qti_item(item: Item, version: str = "2.1", *, language: str = "id") -> bytes:
    """One assessmentItem file; a media `src` stays relative to the file."""
    media = item.media.src if item.media else None
    return _serialise(item_element(item, VERSIONS[version], language, media))


def write_qti_package(
    item_set: ItemSet, version: str = "2.1", *, media: Mapping[str, bytes] | None = None
) -> bytes:
    """A zipped content package: `imsmanifest.xml` plus `items/<id>.xml` (and given media files)."""
    qti = VERSIONS[version]
    manifest = Element(
        "manifest",
        {"xmlns": qti.manifest_namespace, "identifier": f"MANIFEST-{item_set.items[0].id}"},
    )
    metadata = SubElement(manifest, "metadata")
    SubElement(metadata, "schema").text = qti.package_schema
    SubElement(metadata, "schemaversion").text = qti.package_schema_version
    lom = qti_lom.new_lom(metadata)
    qti_lom.write_general(lom, item_set.title, item_set.language, item_set.source)
    for declaration in item_set.competencies:
        qti_lom.write_declaration(lom, declaration)
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in item_set.items:
            href = f"items/{item.id}.xml"
            src = posixpath.relpath(item.media.src, "items") if item.media else None
            root = item_element(item, qti, item_set.language, src)
            archive.writestr(href, _serialise(root))
            resource = SubElement(
                resources,
                "resource",
                {"identifier": f"RES-{item.id}", "type": qti.resource_type, "href": href},
            )
            qti_lom.write_item_metadata(qti_lom.new_lom(SubElement(resource, "metadata")), item)
            SubElement(resource, "file", {"href": href})
            if item.media is not None:
                SubElement(resource, "file", {"href": item.media.src})
        for name, content in (media or {}).items():
            archive.writestr(name, content)
        archive.writestr("imsmanifest.xml", _serialise(manifest))
    return buffer.getvalue()
