"""Item content for kiosks, cached per process: a version in an attempt's form never changes
(a database trigger guarantees it), so every worker may keep what it has read."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cact.bank.models import ItemVersion, Media

CACHE_SIZE = 50_000


@dataclass(frozen=True)
class VersionContent:
    stem_html: str
    media_url: str | None
    media_alt: str
    options: dict[int, str]  # option id → text_html


_cache: OrderedDict[int, VersionContent] = OrderedDict()


async def contents(db: AsyncSession, version_ids: Iterable[int]) -> dict[int, VersionContent]:
    wanted = set(version_ids)
    found = {vid: _cache[vid] for vid in wanted if vid in _cache}
    missing = wanted - found.keys()
    if missing:
        versions = await db.scalars(
            select(ItemVersion)
            .options(selectinload(ItemVersion.options))
            .where(ItemVersion.id.in_(missing))
        )
        loaded = list(versions)
        media_ids = {v.media_id for v in loaded if v.media_id}
        media = (
            {m.id: m.sha256 for m in await db.scalars(select(Media).where(Media.id.in_(media_ids)))}
            if media_ids
            else {}
        )
        for version in loaded:
            sha = media.get(version.media_id) if version.media_id else None
            content = VersionContent(
                stem_html=version.stem_html,
                media_url=f"/media/{sha}" if sha else None,
                media_alt=version.media_alt or "",
                options={o.id: o.text_html for o in version.options},
            )
            found[version.id] = _cache[version.id] = content
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found
