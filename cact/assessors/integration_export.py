"""The integrated-profile export of a programme (docs/assessors.md): one row per person ×
competency of each person's newest signed-off version, with the JPM and category from the
final levels, through the streaming writers of ``cact.exports``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration, service
from cact.assessors.integration_repository import IntegrationRepository
from cact.assessors.integration_rule import method_level, shown
from cact.assessors.models import IntegrationLevel
from cact.exports import columns, writers

PROFILE_COLUMNS: tuple[str, ...] = (
    "programme_code",
    "participant_no",
    "nip",
    "name",
    "competency",
    "version",
    "rule",
    "cact_level",
    "cact_index",
    "method_levels",
    "weighted_mean",
    "proposed_level",
    "final_level",
    "reason",
    "required_level",
    "gap",
    "jpm",
    "category",
    "signed_off_by",
    "signed_off_at",
    "needs_review",
)
IDENTIFIERS = frozenset({"programme_code", "participant_no", "nip", "competency"})


def method_levels(level: IntegrationLevel, order: Sequence[str]) -> str:
    """``CACT=3; WAWANCARA=3.5`` — each method's level as the rule used it, in the methods'
    table order."""
    parts = [] if level.cact_level is None else [f"CACT={level.cact_level}"]
    rated = level.methods or {}
    for method, ratings in sorted(rated.items(), key=lambda m: _place(order, m[0])):
        mean = method_level([int(r["level"]) for r in ratings])
        if mean is not None:
            parts.append(f"{method}={shown(mean).normalize()}")
    return "; ".join(parts)


def _place(order: Sequence[str], method: str) -> tuple[int, str]:
    return (order.index(method) if method in order else len(order), method)


async def _rows(
    session: AsyncSession, programme_id: int, code: str
) -> AsyncIterator[Sequence[Any]]:
    repository = IntegrationRepository(session)
    order = await repository.method_order()
    for current in await repository.current_of_programme(programme_id):
        person = await repository.person(programme_id, current.participant_id)
        if person is None:
            continue
        levels = await repository.levels(current.id)
        cact = await repository.cact_result(programme_id, current.participant_id)
        review = bool(integration.review_reasons(current, levels, cact))
        signer = await repository.signer(current.signed_off_by)
        p = person.participant
        for level in levels.values():
            yield (
                code,
                p.participant_no,
                p.nip,
                p.name,
                level.competency_code,
                current.version,
                current.rule,
                level.cact_level,
                level.cact_index,
                method_levels(level, order),
                level.weighted_mean,
                level.proposed_level,
                level.final_level,
                level.reason,
                level.required_level,
                level.gap,
                current.jpm,
                current.category,
                signer,
                current.signed_off_at,
                review,
            )


async def chunks(
    session: AsyncSession, programme_id: int, fmt: str, *, bom: bool = False
) -> AsyncIterator[bytes]:
    """The export as byte chunks; ``session`` stays open until the last one."""
    if fmt not in columns.FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    programme = await service.programme(session, programme_id)
    rows = _rows(session, programme.id, programme.code)
    async for chunk in writers.chunks(
        fmt, PROFILE_COLUMNS, rows, bom=bom, sheet="profile", identifiers=IDENTIFIERS
    ):
        yield chunk


def filename(code: str, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    if fmt == "csv-id":
        return f"programme-{safe}-integrated-profile-excel-id.csv"
    return f"programme-{safe}-integrated-profile.{fmt}"
