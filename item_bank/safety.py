"""Defences for untrusted uploads: size limits, zip bombs, zip slip, XML entities, encodings."""

import codecs
import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

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
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is `bad_encoding`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                _bad_encoding(report, _line_of(data, error.start, utf16=True))
                return None
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


def _bad_encoding(report: Report, line: int) -> None:
    report.add(Code.BAD_ENCODING, at=Location(line=line), line=line)


def _line_of(data: bytes, offset: int, *, utf16: bool) -> int:
    newline = b"\n\x00" if utf16 else b"\n"
    return data[:offset].count(newline) + 1


def parse_xml(data: bytes, report: Report, at: Location | None = None) -> Element | None:
    """Parse with defusedxml; any DOCTYPE, entity or external reference is refused."""
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        report.add(Code.XML_ENTITIES_FORBIDDEN, at=at)
        return None
    except ParseError as error:
        line = error.position[0] if error.position else None
        spot = Location(file=at.file if at else None, line=line)
        report.add(Code.MALFORMED_XML, at=spot, detail=str(error))
        return None
    return root


def is_safe_member_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return False
    return ".." not in name.split("/")


class SafeZip:
    """A zip archive whose member names and sizes were checked before anything is read."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self._archive = archive
        self._limits = limits
        self.names = frozenset(i.filename for i in archive.infolist() if not i.is_dir())

    def read(self, name: str) -> bytes:
        # zipfile stops at the declared size and checks the CRC, so the checked sizes hold.
        with self._archive.open(name) as member:
            return member.read(self._limits.max_member_bytes + 1)

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
