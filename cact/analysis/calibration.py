"""Rasch calibration of every scale of an analysed sitting, and its storage per item version
(``item_calibration``) for drift and equating, with the classical statistics of each item
version (``item_statistic``) for its history across sittings (docs/item-analysis.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis.exposure_repository import ItemStatisticRepository
from cact.analysis.models import ItemCalibration
from cact.analysis.rasch import Calibration, calibrate
from cact.analysis.stats import MIN_RELIABILITY_N, Analysis, Cell
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.kit.repository import Repository

MIN_ITEMS = 2  # a scale needs at least two items to be calibrated


class CalibrationRepository(Repository[ItemCalibration]):
    model = ItemCalibration

    async def of_sitting(self, sitting_id: int) -> Sequence[ItemCalibration]:
        return await self.all(
            select(ItemCalibration)
            .where(ItemCalibration.sitting_id == sitting_id)
            .order_by(ItemCalibration.competency_code, ItemCalibration.item_version_id)
        )

    async def exists(self, sitting_id: int) -> bool:
        found = await self.session.scalar(
            select(ItemCalibration.id).where(ItemCalibration.sitting_id == sitting_id).limit(1)
        )
        return found is not None

    async def replace(self, sitting_id: int, rows: Sequence[dict[str, object]]) -> None:
        await self.session.execute(
            delete(ItemCalibration).where(ItemCalibration.sitting_id == sitting_id)
        )
        await self.insert_rows(rows)


def calibrate_scales(cells: Sequence[Cell], analysis: Analysis) -> None:
    """Calibrate every scale with ≥ MIN_RELIABILITY_N attempts and ≥ MIN_ITEMS item versions,
    and write the Rasch numbers into the analysis's scales and items."""
    by_scale: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for cell in cells:
        if cell.item_version_id is not None:
            by_scale[cell.competency].append((cell.attempt_id, cell.item_version_id, cell.score))
            analysis.versions[cell.item_version_id] = cell.item_id
    for scale in analysis.scales:
        scale_cells = by_scale.get(scale.competency, [])
        versions = {version for _, version, _ in scale_cells}
        if scale.n < MIN_RELIABILITY_N or len(versions) < MIN_ITEMS:
            continue
        result = calibrate(scale_cells)
        analysis.calibrations[scale.competency] = result
        scale.model = result.model
        scale.person_reliability = result.person_reliability
        scale.person_separation = result.person_separation
        scale.marginal_reliability = result.eap_reliability
    _fill_items(analysis)


def _fill_items(analysis: Analysis) -> None:
    """An item shows its version's Rasch numbers when the sitting presented one version."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for version, item_id in analysis.versions.items():
        by_item[item_id].append(version)
    for item in analysis.items:
        calibration = analysis.calibrations.get(item.competency)
        versions = by_item.get(item.item_id, [])
        if calibration is None or len(versions) != 1:
            continue
        measure = calibration.item(versions[0])
        item.difficulty, item.difficulty_se = measure.difficulty, measure.se
        item.infit, item.outfit = measure.infit, measure.outfit


def calibration_rows(sitting_id: int, analysis: Analysis) -> list[dict[str, object]]:
    return [
        {
            "item_version_id": measure.key,
            "sitting_id": sitting_id,
            "competency_code": competency,
            "difficulty": measure.difficulty,
            "se": measure.se,
            "infit": measure.infit,
            "outfit": measure.outfit,
            "n": measure.n,
            "model": calibration.model,
        }
        for competency, calibration in sorted(analysis.calibrations.items())
        for measure in calibration.items
        if measure.difficulty is not None
    ]


def statistic_rows(sitting_id: int, analysis: Analysis) -> list[dict[str, object]]:
    """The item analysis's numbers per item version; an item the sitting presented in more
    than one version has none (its numbers mix the versions)."""
    by_item: dict[str, list[int]] = defaultdict(list)
    for version, item_id in analysis.versions.items():
        by_item[item_id].append(version)
    return [
        {
            "item_version_id": by_item[item.item_id][0],
            "sitting_id": sitting_id,
            "competency_code": item.competency,
            "n": item.n,
            "max_score": item.max_score,
            "mean_score": item.mean_score,
            "facility": item.facility,
            "discrimination": item.discrimination,
            "discrimination_basis": item.discrimination_basis,
        }
        for item in analysis.items
        if len(by_item.get(item.item_id, [])) == 1
    ]


async def store(
    session: AsyncSession, sitting_id: int, analysis: Analysis, actor: Actor, *, reason: str
) -> int:
    """Replace the sitting's stored calibration and item statistics with this analysis's;
    audited. Returns the number of calibrated item versions."""
    rows = calibration_rows(sitting_id, analysis)
    await CalibrationRepository(session).replace(sitting_id, rows)
    statistics = statistic_rows(sitting_id, analysis)
    await ItemStatisticRepository(session).replace(sitting_id, statistics)
    await audit.record(
        session,
        actor,
        "analysis.calibrated",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        reason=reason,
        details={
            "items": len(rows),
            "statistics": len(statistics),
            "scales": {
                code: {"model": c.model, "persons": len(c.persons), "items": len(c.items)}
                for code, c in sorted(analysis.calibrations.items())
            },
        },
    )
    await session.flush()
    return len(rows)


def summary(calibration: Calibration) -> dict[str, object]:
    return {
        "model": calibration.model,
        "sigma": calibration.sigma,
        "person_reliability": calibration.person_reliability,
        "person_separation": calibration.person_separation,
        "eap_reliability": calibration.eap_reliability,
        "item_reliability": calibration.item_reliability,
        "item_separation": calibration.item_separation,
        "converged": calibration.converged,
    }
