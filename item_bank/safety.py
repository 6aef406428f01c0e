"""Defences for untrusted uploads: size limits, zip bombs, zip slip, XML entities, encodings."""

import codecs
import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from weakref import WeakKeyDictionary
from xml.etree.ElementTree import Element, SubElement
from xml.sax import SAXException, SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import InputSource

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser

from item_bank.problems import Code, Location, Report

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_MEMBERS = 5_000
MAX_ITEMS_PER_FILE = 20_000
MAX_MEDIA_BYTES = 2 * 1024 * 1024
# Small members may compress extremely well (empty XML parts); only larger ones are ratio-checked.
RATIO_CHECK_FROM_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_total_uncompressed_bytes: int = MAX_TOTAL_UNCOMPRESSED_BYTES
    max_compression_ratio: int = MAX_COMPRESSION_RATIO
    max_zip_members: int = MAX_ZIP_MEMBERS
    max_items_per_file: int = MAX_ITEMS_PER_FILE
    max_media_bytes: int = MAX_MEDIA_BYTES


DEFAULT_LIMITS = Limits()

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, report: Report) -> str | None:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is `bad_encoding`.

    Mixed encodings are refused too: a UTF-8 BOM before UTF-16 text (NUL bytes after decoding)
    and a UTF-16 BOM before 8-bit text (pairs of ASCII letters read as one CJK character).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                _bad_encoding(report, _line_of(data, error.start, utf16=encoding == "utf-16"))
                return None
            bad = _mixed_line(text, utf16=encoding == "utf-16")
            if bad is not None:
                _bad_encoding(report, bad)
                return None
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        _bad_encoding(report, _line_of(data, error.start, utf16=False))
        return None
    if "\x00" in text:
        # UTF-16 without a byte-order mark: refuse rather than guess the byte order.
        _bad_encoding(report, text[: text.index("\x00")].count("\n") + 1)
        return None
    return text


def _mixed_line(text: str, *, utf16: bool) -> int | None:
    """The first line that shows the text was decoded with the wrong encoding, if any."""
    if not utf16 and "\x00" in text:  # in UTF-16 a NUL is a character, refused by its cell
        return text[: text.index("\x00")].count("\n") + 1
    if utf16:
        head = text[:2000]
        ascii_pairs = sum(1 for c in head if 0x2020 <= ord(c) <= 0x7E7E and _ascii_pair(ord(c)))
        if head and ascii_pairs > len(head) // 2:
            return 1
    return None


def _ascii_pair(code: int) -> bool:
    return 0x20 <= code >> 8 <= 0x7E and (0x20 <= code & 0xFF <= 0x7E or code & 0xFF == 0x0A)


def _bad_encoding(report: Report, line: int) -> None:
    report.add(Code.BAD_ENCODING, at=Location(line=line), line=line)


def _line_of(data: bytes, offset: int, *, utf16: bool) -> int:
    newline = b"\n\x00" if utf16 else b"\n"
    return data[:offset].count(newline) + 1


# The source line of every element parsed by `parse_xml` (ElementTree keeps none).
_LINES: WeakKeyDictionary[Element, int] = WeakKeyDictionary()


def line_of(element: Element | None) -> int | None:
    return None if element is None else _LINES.get(element)


class _TreeBuilder(ContentHandler):
    """SAX events → an ElementTree tree with `{namespace}local` names, recording lines."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[Element] = []
        self.root: Element | None = None

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: object
    ) -> None:
        attrib = {_name(key): value for key, value in attrs.items()}  # type: ignore[attr-defined]
        tag = _name(name)
        node = SubElement(self.stack[-1], tag, attrib) if self.stack else Element(tag, attrib)
        self.root = self.root if self.root is not None else node
        locator = getattr(self, "_locator", None)
        if locator is not None:
            _LINES[node] = locator.getLineNumber()
        self.stack.append(node)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if not self.stack:
            return
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + content
        else:
            parent.text = (parent.text or "") + content


def _name(name: tuple[str | None, str]) -> str:
    return f"{{{name[0]}}}{name[1]}" if name[0] else name[1]


def parse_xml(data: bytes, report: Report, at: Location | None = None) -> Element | None:
    """Parse with defusedxml; any DOCTYPE, entity or external reference is refused."""
    builder = _TreeBuilder()
    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(builder)
    parser.forbid_dtd = True
    source = InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        parser.parse(source)
    except DefusedXmlException:
        report.add(Code.XML_ENTITIES_FORBIDDEN, at=at)
        return None
    except SAXParseException as error:
        spot = Location(file=at.file if at else None, line=error.getLineNumber())
        report.add(Code.MALFORMED_XML, at=spot, detail=error.getMessage())
        return None
    except (SAXException, ValueError, LookupError, RecursionError) as error:
        report.add(Code.MALFORMED_XML, at=at, detail=str(error) or type(error).__name__)
        return None
    if builder.root is None:
        report.add(Code.MALFORMED_XML, at=at, detail="no element found")
    return builder.root


def is_safe_member_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return False
    return ".." not in name.split("/")


class DamagedMember(Exception):
    """A zip member whose bytes do not match its header (CRC, compression, truncation)."""

    def __init__(self, member: str) -> None:
        super().__init__(member)
        self.member = member


MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


class SafeZip:
    """A zip archive whose member names and sizes were checked before anything is read."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self._archive = archive
        self._limits = limits
        self.names = frozenset(i.filename for i in archive.infolist() if not i.is_dir())

    def read(self, name: str) -> bytes:
        # zipfile stops at the declared size and checks the CRC, so the checked sizes hold.
        try:
            with self._archive.open(name) as member:
                return member.read(self._limits.max_member_bytes + 1)
        except (*MEMBER_ERRORS, OSError, ValueError) as error:
            raise DamagedMember(name) from error

    @staticmethod
    def normalise(base: str, href: str) -> str | None:
        """`href` relative to the member `base`, as a member name; None if it leaves the zip."""
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), href))
        return None if joined.startswith("../") or joined == ".." else joined


def open_zip(data: bytes, report: Report, limits: Limits = DEFAULT_LIMITS) -> SafeZip | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        report.add(Code.BAD_ZIP)
        return None
    infos = archive.infolist()
    if len(infos) > limits.max_zip_members:
        report.add(Code.TOO_MANY_ZIP_MEMBERS, count=len(infos), limit=limits.max_zip_members)
        return None
    locked = [i.filename for i in infos if i.flag_bits & 0x1]
    if locked:
        report.add(Code.ENCRYPTED_ZIP, member=locked[0])
        return None
    unsafe = [i.filename for i in infos if not is_safe_member_name(i.filename)]
    for name in unsafe:
        report.add(Code.UNSAFE_ZIP_PATH, member=name)
    bombs = [i.filename for i in infos if _too_big(i, limits)]
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_uncompressed_bytes and not bombs:
        bombs.append("*")
    for name in bombs:
        report.add(Code.ZIP_BOMB, member=name)
    return None if unsafe or bombs else SafeZip(archive, limits)


def _too_big(info: zipfile.ZipInfo, limits: Limits) -> bool:
    if info.file_size > limits.max_member_bytes:
        return True
    ratio = info.file_size / max(info.compress_size, 1)
    return info.file_size >= RATIO_CHECK_FROM_BYTES and ratio > limits.max_compression_ratio


def refuse_doctype(archive: SafeZip, report: Report) -> bool:
    """No DOCTYPE or entity in any XML part of an Office file, whichever XML parser the library
    reading it picked (lxml, when installed, ignores entities instead of refusing them); a damaged
    part is named here too. True when every part is plain."""
    for name in sorted(archive.names):
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            part = archive.read(name)
        except DamagedMember as error:
            report.add(Code.DAMAGED_ZIP_MEMBER, member=error.member)
            return False
        if b"<!DOCTYPE" in part or b"<!ENTITY" in part:
            report.add(Code.XML_ENTITIES_FORBIDDEN)
            return False
    return True
