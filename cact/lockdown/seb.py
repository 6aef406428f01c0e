"""Safe Exam Browser's keys, as its developer documentation defines them ("seb-config-key").

The Config Key is the SHA-256 (lower-case hex) of the configuration in SEB-JSON: the plist's
values as JSON with every dictionary's keys sorted case-insensitively at every level, no
whitespace, no escaping of slashes, backslashes or non-ASCII, ``originatorVersion`` removed,
empty dictionaries removed, ``<data>`` as Base64 and ``<date>`` as ISO 8601. On each request SEB
sends SHA-256(absolute URL without fragment + Config Key) and SHA-256(URL + Browser Exam Key);
the JavaScript API exposes the same two hashes for the page's URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import plistlib
from datetime import UTC, datetime
from typing import Any

EXEMPT_KEY = "originatorVersion"
HEADER_CONFIG_KEY = "x-safeexambrowser-configkeyhash"
HEADER_REQUEST_HASH = "x-safeexambrowser-requesthash"


def _string(value: str) -> str:
    # JSON string syntax needs quotes and control characters escaped; SEB escapes nothing else.
    out = []
    for char in value:
        if char == '"':
            out.append('\\"')
        elif ord(char) < 0x20:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\u{ord(char):04x}"))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _sort_key(key: str) -> tuple[str, str]:
    # Case-insensitive, then lower case first (allowWlan before allowWLAN), as SEB and Moodle.
    return (key.lower(), key.swapcase())


def _without_empty_dicts(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            cleaned = _without_empty_dicts(item)
            if isinstance(cleaned, dict) and not cleaned:
                continue
            kept[key] = cleaned
        return kept
    if isinstance(value, list):
        return [
            cleaned
            for cleaned in (_without_empty_dicts(item) for item in value)
            if not (isinstance(cleaned, dict) and not cleaned)
        ]
    return value


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bytes | bytearray):
        return _string(base64.b64encode(bytes(value)).decode("ascii"))
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return _string(moment.astimezone(UTC).isoformat(timespec="seconds"))
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=_sort_key)
        return "{" + ",".join(f"{_string(k)}:{_encode(value[k])}" for k in keys) + "}"
    raise TypeError(f"no SEB-JSON form for {type(value).__name__}")


def seb_json(settings: dict[str, Any]) -> str:
    """The SEB-JSON string of a configuration (its root dictionary)."""
    root = {k: v for k, v in settings.items() if k != EXEMPT_KEY}
    return _encode(_without_empty_dicts(root))


def config_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(seb_json(settings).encode("utf-8")).hexdigest()


def plist_bytes(settings: dict[str, Any]) -> bytes:
    """The unencrypted configuration file (XML property list), as SEB opens a .seb file."""
    return plistlib.dumps(settings, fmt=plistlib.FMT_XML, sort_keys=True)


def read_plist(data: bytes) -> dict[str, Any]:
    loaded = plistlib.loads(data, fmt=plistlib.FMT_XML)
    if not isinstance(loaded, dict):
        raise ValueError("a SEB configuration's root is a dictionary")
    return loaded


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def url_hash(url: str, key: str) -> str:
    """What SEB sends for ``url``: SHA-256(absolute URL without fragment + key), hex."""
    return hashlib.sha256((without_fragment(url) + key).encode("utf-8")).hexdigest()


def hash_matches(sent: str | None, url: str, key: str) -> bool:
    if not sent:
        return False
    return hmac.compare_digest(sent.strip().lower(), url_hash(url, key))


def hashed_password(password: str) -> str:
    """SEB stores quit and admin passwords as SHA-256 hex (``hashedQuitPassword``)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()
