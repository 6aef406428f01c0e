"""The item bank in the database: validated item sets in, immutable versions, retire, search."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.bank.models import Item, ItemStatus, ItemVersion, Media
from cact.bank.repository import (
    ItemRepository,
    ItemVersionRepository,
    MediaRepository,
    copy_versions,
)
from cact.bank.schemas import ImportOutcome, ItemFilter
from cact.competencies import service as competencies
from cact.competencies.definitions import CompetencyData, LevelData
from cact.kit.errors import Conflict, NotFound
from item_bank import models as bank_file


class ItemNotFound(NotFound):
    code = "item_not_found"
    message = "Butir soal tidak ditemukan. / Item not found."


class ItemAlreadyRetired(Conflict):
    code = "item_retired"
    message = "Butir soal sudah dipensiunkan. / The item is already retired."


class ItemIdentityChanged(Conflict):
    code = "item_identity_changed"
    message = (
        "Kompetensi atau jenis butir soal yang sudah ada tidak dapat diubah; pakai id baru. / "
        "An existing item's competency or kind cannot change; use a new id."
    )


@dataclass(frozen=True)
class MediaFile:
    filename: str
    content_type: str
    data: bytes


def _content(version: ItemVersion | None, media_sha: str | None = None) -> object:
    if version is None:
        return None
    return (
        version.level,
        version.stem_html,
        media_sha,
        version.media_alt,
        version.points,
        tuple((o.label, o.text_html, o.weight, o.correct) for o in version.options),
    )


def _incoming(item: bank_file.Item, media_sha: str | None) -> object:
    return (
        item.level,
        item.stem,
        media_sha,
        item.media.alt if item.media else None,
        item.points,
        tuple((o.label, o.text, o.weight, o.correct) for o in item.options),
    )


@dataclass(frozen=True)
class _NewVersion:
    item: bank_file.Item
    number: int
    media_id: int | None
    source: str | None


def _version_row(new: _NewVersion, actor: Actor) -> tuple[object, ...]:
    item = new.item
    return (
        item.id,
        new.number,
        item.level,
        item.stem,
        new.media_id,
        item.media.alt if item.media else None,
        item.points,
        new.source,
        actor.id if actor.kind == "staff" else None,
    )


async def _insert_versions(db: AsyncSession, new: list[_NewVersion], actor: Actor) -> None:
    await copy_versions(
        db,
        [_version_row(v, actor) for v in new],
        lambda i, _: [
            (position, o.label, o.text, o.weight, o.correct)
            for position, o in enumerate(new[i].item.options)
        ],
    )


async def _store_media(db: AsyncSession, file: MediaFile) -> Media:
    sha = hashlib.sha256(file.data).hexdigest()
    repository = MediaRepository(db)
    existing = await repository.by_sha(sha)
    if existing is not None:
        return existing
    return await repository.add(
        Media(sha256=sha, content_type=file.content_type, filename=file.filename, data=file.data)
    )


async def import_item_sets(
    db: AsyncSession,
    item_sets: Sequence[bank_file.ItemSet],
    media: Mapping[str, MediaFile],
    actor: Actor,
    *,
    dry_run: bool = False,
) -> ImportOutcome:
    """Store validated sets: new items get version 1, changed items a new version, the same
    content nothing. The caller's transaction makes it all-or-nothing."""
    outcome = ImportOutcome(dry_run=dry_run)
    declared = [c for s in item_sets for c in s.competencies]
    if declared:
        outcome.competencies = await competencies.upsert(
            db, [_as_definition(c) for c in declared], actor, source="item set"
        )
    incoming = [item for s in item_sets for item in s.items]
    sources = {item.id: s.source or s.title for s in item_sets for item in s.items}
    existing = await ItemRepository(db).by_ids([i.id for i in incoming])
    currents = await ItemVersionRepository(db).current_of(list(existing.values()))
    new_items: list[dict[str, object]] = []
    versions: list[_NewVersion] = []
    for item in incoming:
        stored_media = await _store_media(db, media[item.media.src]) if item.media else None
        media_sha = stored_media.sha256 if stored_media else None
        media_id = stored_media.id if stored_media else None
        found = existing.get(item.id)
        if found is None:
            new_items.append(
                {
                    "id": item.id,
                    "competency_code": item.competency,
                    "kind": item.kind,
                    "status": ItemStatus.ACTIVE,
                    "current_version": 1,
                }
            )
            versions.append(_NewVersion(item, 1, media_id, sources[item.id]))
            outcome.created.append(item.id)
            continue
        if (found.competency_code, found.kind) != (item.competency, item.kind):
            raise ItemIdentityChanged(f"{item.id}: {found.competency_code}/{found.kind}")
        current = currents.get(item.id)
        if _content(current, await _media_sha(db, current)) == _incoming(item, media_sha):
            outcome.unchanged.append(item.id)
            continue
        found.current_version += 1
        versions.append(_NewVersion(item, found.current_version, media_id, sources[item.id]))
        outcome.new_versions.append(item.id)
    await db.flush()
    await ItemRepository(db).insert_rows(new_items)
    await _insert_versions(db, versions, actor)
    await audit.record(
        db,
        actor,
        "item.import",
        target_type="item_set",
        target_id=", ".join(s.title for s in item_sets)[:100],
        details={k: v for k, v in outcome.model_dump().items() if k != "dry_run"},
    )
    return outcome


async def _media_sha(db: AsyncSession, version: ItemVersion | None) -> str | None:
    if version is None or version.media_id is None:
        return None
    media = await MediaRepository(db).get(version.media_id)
    return media.sha256 if media else None


def _as_definition(declared: bank_file.CompetencyDeclaration) -> CompetencyData:
    return CompetencyData(
        code=declared.code,
        kind=declared.kind,
        name_id=declared.name.id,
        name_en=declared.name.en or declared.name.id,
        levels=[
            LevelData(
                level=d.level, descriptor_id=d.descriptor.id, descriptor_en=d.descriptor.en or ""
            )
            for d in declared.levels
        ],
    )


async def get_item(db: AsyncSession, item_id: str) -> tuple[Item, ItemVersion]:
    item = await ItemRepository(db).get(item_id)
    if item is None:
        raise ItemNotFound()
    version = await ItemVersionRepository(db).version(item.id, item.current_version)
    assert version is not None, "an item always has its current version"
    return item, version


async def history(db: AsyncSession, item_id: str) -> list[ItemVersion]:
    await get_item(db, item_id)
    return await ItemVersionRepository(db).history(item_id)


async def search(
    db: AsyncSession, filters: ItemFilter, *, limit: int, offset: int
) -> tuple[list[tuple[Item, ItemVersion]], int]:
    items_repo = ItemRepository(db)
    statement = items_repo.filtered(filters)
    total = await items_repo.count(statement)
    items = list(await items_repo.all(statement.limit(limit).offset(offset)))
    versions = await ItemVersionRepository(db).current_of(items)
    return [(item, versions[item.id]) for item in items], total


async def retire(db: AsyncSession, item_id: str, reason: str, actor: Actor) -> Item:
    item, _ = await get_item(db, item_id)
    if item.status == ItemStatus.RETIRED:
        raise ItemAlreadyRetired()
    item.status, item.retired_at = ItemStatus.RETIRED, datetime.now(UTC)
    await db.flush()
    await audit.record(
        db, actor, "item.retire", target_type="item", target_id=item.id, reason=reason
    )
    return item


class MediaNotFound(NotFound):
    code = "media_not_found"
    message = "Gambar tidak ditemukan. / Image not found."


async def media_by_sha(db: AsyncSession, sha256: str) -> Media:
    found = await MediaRepository(db).by_sha(sha256.lower())
    if found is None:
        raise MediaNotFound()
    return found
