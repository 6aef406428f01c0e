"""Safe Exam Browser's key algorithms, written for the tests from SEB's developer documentation
("seb-config-key": Config Key, JavaScript API; "SEB-Specification-BrowserExamKey") and
Moodle's quizaccess_seb reading of it — not from CACT's code, which it never imports.

- The configuration file is a plist XML. It becomes "SEB-JSON": originatorVersion removed
  first; no whitespace; no escaping of "/" , "\\" or non-ASCII; every <dict>'s keys sorted
  case-insensitively (ties: lower case first), recursively, also inside arrays; empty <dict>s
  removed; <data> as Base64; <date> as ISO 8601; <true/>/<false/> as JSON booleans; <integer>
  and <real> as JSON numbers.
- Config Key = lower-case hex SHA-256 of the UTF-8 SEB-JSON string.
- X-SafeExamBrowser-ConfigKeyHash = hex SHA-256(absolute URL without fragment + Config Key);
  X-SafeExamBrowser-RequestHash = hex SHA-256(URL + Browser Exam Key). The JavaScript API's
  SafeExamBrowser.security.configKey / .browserExamKey are the same hashes for the page's URL.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any


def _value(node: ET.Element) -> Any:
    tag = node.tag
    if tag == "dict":
        children = list(node)
        out: dict[str, Any] = {}
        for key_node, value_node in zip(children[0::2], children[1::2], strict=True):
            assert key_node.tag == "key"
            out[key_node.text or ""] = _value(value_node)
        return out
    if tag == "array":
        return [_value(child) for child in node]
    if tag == "string":
        return node.text or ""
    if tag == "integer":
        return int((node.text or "0").strip())
    if tag == "real":
        return float((node.text or "0").strip())
    if tag == "true":
        return True
    if tag == "false":
        return False
    if tag == "data":
        return base64.b64decode("".join((node.text or "").split()))
    if tag == "date":
        return datetime.strptime((node.text or "").strip(), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
    raise ValueError(f"unknown plist element <{tag}>")


def settings_from_file(data: bytes) -> dict[str, Any]:
    """A .seb file's settings: plain XML, or gzip + "plnd" + gzip(XML) (SEB file format)."""
    if data[:2] == b"\x1f\x8b":
        inner = gzip.decompress(data)
        assert inner[:4] == b"plnd", inner[:4]
        data = gzip.decompress(inner[4:])
    root = ET.fromstring(data)
    assert root.tag == "plist"
    (top,) = list(root)
    settings = _value(top)
    assert isinstance(settings, dict)
    return settings


def _json_string(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v != {}}
    if isinstance(value, list):
        return [v for v in (_drop_empty(item) for item in value) if v != {}]
    return value


def _json(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, bytes):
        return _json_string(base64.b64encode(value).decode())
    if isinstance(value, datetime):
        return _json_string(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        ordered = sorted(value, key=lambda k: (k.casefold(), [c.isupper() for c in k]))
        return "{" + ",".join(_json_string(k) + ":" + _json(value[k]) for k in ordered) + "}"
    raise TypeError(type(value))


def seb_json(settings: dict[str, Any]) -> str:
    copy = dict(settings)
    copy.pop("originatorVersion", None)
    return _json(_drop_empty(copy))


def config_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(seb_json(settings).encode("utf-8")).hexdigest()


def request_hash(url: str, key: str) -> str:
    """Either header, or either JavaScript API value, for ``url`` and the key."""
    return hashlib.sha256((url.split("#")[0] + key).encode("utf-8")).hexdigest()


def headers_for(
    url: str, *, config_key: str | None = None, browser_exam_key: str | None = None
) -> dict[str, str]:
    """What SEB adds to a request for ``url``."""
    headers = {}
    if config_key is not None:
        headers["X-SafeExamBrowser-ConfigKeyHash"] = request_hash(url, config_key)
    if browser_exam_key is not None:
        headers["X-SafeExamBrowser-RequestHash"] = request_hash(url, browser_exam_key)
    return headers
