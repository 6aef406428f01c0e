"""IMS QTI 2.1, 2.2 and 3.0 → the native structure: single item files and content packages."""

import posixpath
from pathlib import PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element

from item_bank import qti_lom
from item_bank.models import LANGUAGES
from item_bank.problems import Code, Location, Report
from item_bank.qti_item import ItemMetadata, QtiItemReader
from item_bank.qti_xml import (
    VERSION_BY_NAMESPACE,
    VERSION_BY_RESOURCE_TYPE,
    XML_LANG,
    attr,
    child,
    descendants,
    key,
    local,
    namespace,
    text_of,
)
from item_bank.safety import Limits, SafeZip, open_zip, parse_xml

MANIFEST = "imsmanifest.xml"


def is_item_root(root: Element, report: Report, at: Location | None = None) -> bool:
    if key(root.tag) != "assessmentitem":
        report.add(Code.NOT_QTI_ITEM, at=at, root=local(root.tag))
        return False
    uri = namespace(root.tag)
    if not uri:
        report.add(Code.MISSING_QTI_NAMESPACE, at=at)
        return False
    if uri not in VERSION_BY_NAMESPACE:
        report.add(Code.UNSUPPORTED_QTI_VERSION, at=at, namespace=uri)
        return False
    return True


def item_language(root: Element) -> str | None:
    language = (root.get(XML_LANG) or "")[:2].lower()
    return language if language in LANGUAGES else None


def read_qti_item(data: bytes, report: Report) -> dict[str, Any] | None:
    """A single assessmentItem file: a set of one item titled after the item."""
    root = parse_xml(data, report)
    return None if root is None else read_qti_root(root, report)


def read_qti_root(root: Element, report: Report) -> dict[str, Any] | None:
    if not is_item_root(root, report):
        return None
    report.source.add(("items", 0), Location())
    item = QtiItemReader(report, Location()).read(root, ItemMetadata())
    title = attr(root, "title") or PurePosixPath(report.file).stem
    return {
        "title": title,
        "language": item_language(root) or "id",
        "items": [item] if item else [],
    }


def read_qti_package(data: bytes, report: Report, limits: Limits) -> dict[str, Any] | None:
    archive = open_zip(data, report, limits)
    return None if archive is None else read_qti_archive(archive, report)


def read_qti_archive(archive: SafeZip, report: Report) -> dict[str, Any] | None:
    """A checked zip holding a content package; item media `src` become member names."""
    manifest_name = find_manifest(archive.names)
    if manifest_name is None:
        report.add(Code.MISSING_MANIFEST)
        return None
    manifest = parse_xml(archive.read(manifest_name), report, member(report, manifest_name))
    if manifest is None:
        return None
    items: list[dict[str, Any]] = []
    languages: list[str | None] = []
    for resource in descendants(manifest, "resource"):
        read = read_resource(archive, manifest_name, resource, report, len(items))
        if read is not None:
            items.append(read[0])
            languages.append(read[1])
    metadata = child(manifest, "metadata")
    language = next((lang for lang in languages if lang), "id")
    organisation_title = text_of(
        child(child(child(manifest, "organizations"), "organization"), "title")
    )
    document: dict[str, Any] = {
        "title": organisation_title or PurePosixPath(report.file).stem,
        "language": language,
        **qti_lom.general(metadata),
        "items": items,
    }
    declared = qti_lom.declarations(metadata)
    return {**document, "competencies": declared} if declared else document


def find_manifest(names: frozenset[str]) -> str | None:
    """`imsmanifest.xml` at the root, or in the single folder a zipped directory has."""
    if MANIFEST in names:
        return MANIFEST
    nested = [n for n in names if n.count("/") == 1 and n.endswith("/" + MANIFEST)]
    return nested[0] if len(nested) == 1 else None


def member(report: Report, name: str) -> Location:
    return Location(file=f"{report.file}!{name}")


def read_resource(
    archive: SafeZip, manifest_name: str, resource: Element, report: Report, index: int
) -> tuple[dict[str, Any], str | None] | None:
    kind = attr(resource, "type") or ""
    if kind not in VERSION_BY_RESOURCE_TYPE:
        if kind.startswith(("imsqti_item", "imsqti_xmlv1")):
            report.add(
                Code.UNSUPPORTED_QTI_VERSION, at=member(report, manifest_name), namespace=kind
            )
        return None
    first_file = child(resource, "file")
    href = attr(resource, "href") or (attr(first_file, "href") if first_file is not None else "")
    name = SafeZip.normalise(manifest_name, href or "")
    if not href or name is None or name not in archive.names:
        report.add(Code.MISSING_RESOURCE, at=member(report, manifest_name), href=href)
        return None
    at = member(report, name)
    root = parse_xml(archive.read(name), report, at)
    if root is None or not is_item_root(root, report, at):
        return None
    report.source.add(("items", index), at)
    base = posixpath.normpath(name)
    reader = QtiItemReader(report, at, base, index)
    item = reader.read(root, qti_lom.item_metadata(resource))
    return (item, item_language(root)) if item is not None else None
