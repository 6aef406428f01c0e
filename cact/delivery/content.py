"""Item content for kiosks, cached per process: a version in an attempt's form never changes
(a database trigger guarantees it), so every worker may keep what it has read."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CACHE_SIZE = 50_000

# Stem, media and options of the versions asked for, one row per option, in one round trip.
_CONTENT = """
SELECT v.id, v.stem_html, v.media_alt, m.sha256, o.id AS option_id, o.text_html
FROM item_version v
LEFT JOIN media m ON m.id = v.media_id
LEFT JOIN item_option o ON o.item_version_id = v.id
WHERE v.id = ANY ($1::bigint[])
"""


@dataclass(frozen=True)
class VersionContent:
    stem_html: str
    media_url: str | None
    media_alt: str
    options: dict[int, str] = field(default_factory=dict)  # option id → text_html


_cache: OrderedDict[int, VersionContent] = OrderedDict()


async def contents(connection: Any, version_ids: Iterable[int]) -> dict[int, VersionContent]:
    """The versions' content; ``connection`` is an asyncpg connection (read only on a miss)."""
    wanted = set(version_ids)
    found = {vid: _cache[vid] for vid in wanted if vid in _cache}
    missing = wanted - found.keys()
    if missing:
        for row in await connection.fetch(_CONTENT, list(missing)):
            content = found.get(row["id"])
            if content is None:
                sha = row["sha256"]
                content = found[row["id"]] = VersionContent(
                    stem_html=row["stem_html"],
                    media_url=f"/media/{sha}" if sha else None,
                    media_alt=row["media_alt"] or "",
                )
            if row["option_id"] is not None:
                content.options[row["option_id"]] = row["text_html"]
        for version_id in missing & found.keys():
            _cache[version_id] = found[version_id]
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found
