"""Item exposure and history from the database: one item's versions across sittings, and the
bank's most exposed and flagged versions (docs/item-analysis.md, "Exposure and history")."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import exposure, service
from cact.analysis.exposure import Calibrated, Link, SittingEntry, VersionHistory
from cact.analysis.exposure_repository import ExposureRepository, ItemStatisticRepository
from cact.bank import service as bank

OVERVIEW_LIMIT = 100  # versions on the overview besides the flagged ones (never cut)


@dataclass
class ItemHistory:
    item_id: str
    competency: str
    kind: str
    current_version: int
    versions: list[VersionHistory]  # every version, newest first; unseen ones with no sitting


async def fill_statistics(session: AsyncSession, sitting_ids: Collection[int]) -> list[int]:
    """Analyse (and so store) the closed sittings among ``sitting_ids`` whose item statistics
    are not stored yet: the same analysis, stored once, as the item-analysis page does."""
    missing = await ExposureRepository(session).closed_without_statistics(sitting_ids)
    for sitting_id in missing:
        await service.calibrated_analysis(session, sitting_id)
    return list(missing)


async def _histories(
    session: AsyncSession, versions: Collection[int] | None
) -> tuple[dict[int, VersionHistory], Link]:
    """Every version (of ``versions``, or of the bank) that a started attempt was shown, with
    the link between the logit frames of the sittings it was shown in (not yet assessed)."""
    repository = ExposureRepository(session)
    sightings = await repository.sightings(versions)
    sitting_ids = {row[4] for row in sightings}
    await fill_statistics(session, sitting_ids)
    listed = await repository.sittings(sitting_ids) if sitting_ids else []
    sittings = {row[0]: row for row in listed}
    histories: dict[int, VersionHistory] = {}
    entries: dict[tuple[int, int], SittingEntry] = {}
    for version_id, item_id, version, competency, sitting_id, seen in sightings:
        history = histories.setdefault(
            version_id, VersionHistory(item_id, version, version_id, competency)
        )
        _, code, title, starts_at, status, zone, started = sittings[sitting_id]
        entry = SittingEntry(sitting_id, code, title, starts_at, zone, status, seen, started)
        history.sittings.append(entry)
        entries[(version_id, sitting_id)] = entry
    chosen = list(histories) if versions is not None else None
    for stat in await ItemStatisticRepository(session).of_versions(chosen):
        found = entries.get((stat.item_version_id, stat.sitting_id))
        if found is not None:
            found.n, found.facility = stat.n, stat.facility
            found.discrimination = stat.discrimination
            found.discrimination_basis = stat.discrimination_basis
    calibrations = await repository.calibrations(sitting_ids if versions is not None else None)
    for calibration in calibrations:
        found = entries.get((calibration.item_version_id, calibration.sitting_id))
        if found is not None:
            found.difficulty, found.difficulty_se = calibration.difficulty, calibration.se
            found.calibration_n = calibration.n
    link = Link(
        Calibrated(c.competency_code, c.sitting_id, c.item_version_id, c.difficulty, c.n)
        for c in calibrations
    )
    return histories, link


async def item_history(session: AsyncSession, item_id: str) -> ItemHistory:
    """Every version of the item (newest first) with its sittings; ItemNotFound if unknown."""
    item, _ = await bank.get_item(session, item_id)
    versions = await bank.history(session, item_id)
    found, link = await _histories(session, [v.id for v in versions])
    histories = [
        exposure.assess(found[v.id], link)
        if v.id in found
        else VersionHistory(item.id, v.version, v.id, item.competency_code)
        for v in sorted(versions, key=lambda v: v.version, reverse=True)
    ]
    return ItemHistory(item.id, item.competency_code, item.kind, item.current_version, histories)


async def bank_exposure(
    session: AsyncSession, limit: int = OVERVIEW_LIMIT
) -> tuple[list[VersionHistory], dict[str, int]]:
    """Every flagged version, then the ``limit`` most exposed others; with the counts of
    versions ever shown, over-exposed and drifting."""
    found, link = await _histories(session, None)
    histories = list(found.values())
    ranked = exposure.ranked(histories, limit, link)
    return ranked, exposure.totals(histories)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def entry_body(entry: SittingEntry) -> dict[str, Any]:
    return {
        "sitting_id": entry.sitting_id,
        "code": entry.code,
        "title": entry.title,
        "starts_at": entry.starts_at.isoformat(),
        "time_zone": entry.time_zone,
        "status": entry.status,
        "seen": entry.seen,
        "started": entry.started,
        "exposure_rate": _round(entry.rate),
        "n": entry.n,
        "facility": _round(entry.facility),
        "discrimination": _round(entry.discrimination),
        "discrimination_basis": entry.discrimination_basis,
        "difficulty": _round(entry.difficulty),
        "difficulty_se": _round(entry.difficulty_se),
        "calibration_n": entry.calibration_n,
        "facility_change": _round(entry.facility_change),
        "difficulty_change": _round(entry.difficulty_change),
        "flags": list(entry.flags),
    }


def version_body(history: VersionHistory, *, sittings: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_id": history.item_id,
        "version": history.version,
        "item_version_id": history.item_version_id,
        "competency": history.competency,
        "sitting_count": len(history.sittings),
        "seen": history.seen,
        "started": history.started,
        "exposure_rate": _round(history.rate),
        "max_exposure_rate": _round(history.max_rate),
        "n": history.n,
        "facility": _round(history.facility),
        "latest_facility": _round(history.latest_facility),
        "flags": list(history.flags),
        "reasons": list(history.reasons),
    }
    if sittings:
        body["sittings"] = [entry_body(e) for e in history.sittings]
    return body


def history_body(history: ItemHistory) -> dict[str, Any]:
    return {
        "item_id": history.item_id,
        "competency": history.competency,
        "kind": history.kind,
        "current_version": history.current_version,
        "versions": [version_body(v) for v in history.versions],
        "thresholds": exposure.thresholds(),
    }


def overview_body(ranked: Sequence[VersionHistory], counts: dict[str, int]) -> dict[str, Any]:
    return {
        **counts,
        "items": [version_body(v, sittings=False) for v in ranked],
        "thresholds": exposure.thresholds(),
    }
