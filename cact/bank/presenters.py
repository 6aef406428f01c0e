"""Item rows → the shapes the API and pages show (editor views with weights; kiosk without)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy.ext.asyncio import AsyncSession

from cact.bank.models import Item, ItemVersion, Media
from cact.bank.repository import ItemVersionRepository, MediaRepository
from cact.bank.schemas import ItemRead, ItemSummary, ItemVersionRead, OptionRead

_TAGS = re.compile(r"<[^>]+>")


def media_url(media: Media | None) -> str | None:
    return f"/media/{media.sha256}" if media else None


def plain(html: str, limit: int = 160) -> str:
    text = " ".join(unescape(_TAGS.sub(" ", html)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _media(db: AsyncSession, version: ItemVersion) -> Media | None:
    return await MediaRepository(db).get(version.media_id) if version.media_id else None


async def version_read(db: AsyncSession, version: ItemVersion) -> ItemVersionRead:
    return ItemVersionRead(
        version=version.version,
        level=version.level,
        stem_html=version.stem_html,
        media_url=media_url(await _media(db, version)),
        media_alt=version.media_alt,
        points=version.points,
        source=version.source,
        created_at=version.created_at,
        used_by_attempts=await ItemVersionRepository(db).count_used(version.id),
        options=[OptionRead.model_validate(o) for o in version.options],
    )


async def item_read(db: AsyncSession, item: Item, version: ItemVersion) -> ItemRead:
    return ItemRead(
        id=item.id,
        competency=item.competency_code,
        kind=item.kind,
        status=item.status,
        current_version=item.current_version,
        retired_at=item.retired_at,
        current=await version_read(db, version),
    )


def item_summary(item: Item, version: ItemVersion) -> ItemSummary:
    return ItemSummary(
        id=item.id,
        competency=item.competency_code,
        kind=item.kind,
        status=item.status,
        current_version=item.current_version,
        level=version.level,
        stem_text=plain(version.stem_html),
    )


def kiosk_item(
    number: int,
    item_ref: int | str,
    version: ItemVersion,
    option_order: list[int],
    media: Media | None,
) -> dict[str, object]:
    """One item in kiosk protocol v1's shape. The single place that shape is built."""
    options = {o.id: o for o in version.options}
    return {
        "item_id": item_ref,
        "number": number,
        "stem_html": version.stem_html,
        "media": {"url": media_url(media), "alt": version.media_alt or ""} if media else None,
        "options": [
            {
                "option_id": options[oid].id,
                "label": "ABCDEF"[i],
                "text_html": options[oid].text_html,
            }
            for i, oid in enumerate(option_order)
        ],
    }


async def kiosk_preview(db: AsyncSession, item: Item, version: ItemVersion) -> dict[str, object]:
    order = [o.id for o in version.options]
    return kiosk_item(1, item.id, version, order, await _media(db, version))
