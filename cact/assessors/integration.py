"""Integration: the CACT level and every assessor's rating side by side, a proposed level by
the programme's rule, the lead assessor's final level and sign-off (versioned, audited), and
the job-person match from the final levels through the scoring engine.

A sign-off records the CACT result it read. When the CACT part is re-scored (or a later attempt
replaces it) and a level changes, the profile is *marked for review*: the flag and its reasons
are derived from that record, and the final levels stay as signed until the lead signs again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.assessors import integration_rule, service
from cact.assessors.integration_repository import CactResult, IntegrationRepository, Person
from cact.assessors.integration_schemas import (
    IntegrationRow,
    IntegrationView,
    SignOffRead,
)
from cact.assessors.models import Integration, IntegrationLevel
from cact.assessors.repository import ProgrammeBrief
from cact.assessors.schemas import EvidenceRating
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.kit.errors import NotFound

CACT = "CACT"


class ParticipantNotInProgramme(NotFound):
    code = "participant_not_in_programme"
    message = (
        "Peserta tidak ditemukan dalam program ini. / Participant not found in this programme."
    )


@dataclass(frozen=True)
class Facts:
    """Everything the page and the sign-off read about one person in one programme."""

    programme: ProgrammeBrief
    person: Person
    rule: str
    cact: CactResult | None
    rows: list[IntegrationRow]
    methods: list[str]
    zone: str
    versions: list[tuple[Integration, str]]
    levels: dict[str, IntegrationLevel]  # the newest version's


def _ratings(evidence: Sequence[Any]) -> dict[str, dict[str, list[EvidenceRating]]]:
    return {e.competency: e.by_method for e in evidence}


def _row(
    code: str,
    names: tuple[str, str],
    rule: str,
    cact: CactResult | None,
    weights: dict[str, Decimal],
    ratings: dict[str, list[EvidenceRating]],
    signed: IntegrationLevel | None,
) -> IntegrationRow:
    found = cact.competencies.get(code) if cact else None
    levels: dict[str, Fraction | None] = {
        m: integration_rule.method_level([r.level for r in rs]) for m, rs in ratings.items()
    }
    if found is not None:
        levels[CACT] = Fraction(found.attained_level)
    mean, proposed = integration_rule.proposal(rule, weights, levels)
    return IntegrationRow(
        competency=code,
        name_id=names[0],
        name_en=names[1],
        required_level=required_levels(cact).get(code),
        cact_level=found.attained_level if found else None,
        cact_index=found.index if found else None,
        weights=weights,
        ratings=ratings,
        method_levels={m: integration_rule.shown(v) for m, v in levels.items() if v is not None},
        weighted_mean=None if mean is None else integration_rule.shown(mean),
        proposed_level=proposed,
        final_level=signed.final_level if signed else None,
        reason=signed.reason if signed else "",
        signed_cact_level=signed.cact_level if signed else None,
    )


def required_levels(cact: CactResult | None) -> dict[str, int]:
    """The standard the CACT result was scored against: its tested and untested levels."""
    if cact is None:
        return {}
    required = {
        code: c.required_level
        for code, c in cact.competencies.items()
        if c.required_level is not None
    }
    for u in (cact.result.details or {}).get("untested") or []:
        if isinstance(u, dict) and u.get("competency") and u.get("required_level") is not None:
            required[str(u["competency"])] = int(u["required_level"])
    return required


async def facts(db: AsyncSession, programme_id: int, participant_id: int) -> Facts:
    programme = await service.programme(db, programme_id)
    repository = IntegrationRepository(db)
    person = await repository.person(programme_id, participant_id)
    if person is None:
        raise ParticipantNotInProgramme()
    rule = await repository.rule(programme_id)
    cact = await repository.cact_result(programme_id, participant_id)
    weights = await repository.weights(programme_id, person.group)
    ratings = _ratings(await service.evidence(db, [participant_id], programme_id))
    versions = await repository.versions(programme_id, participant_id)
    levels = await repository.levels(versions[0][0].id) if versions else {}
    codes = set(weights) | set(ratings) | (set(cact.competencies) if cact else set()) | set(levels)
    names = await repository.competencies(codes)
    rows = [
        _row(
            code,
            (names[code].name_id, names[code].name_en) if code in names else (code, code),
            rule,
            cact,
            weights.get(code, {}),
            ratings.get(code, {}),
            levels.get(code),
        )
        for code in sorted(codes)
    ]
    order = await repository.method_order()
    used = {m for r in rows for m in (*r.weights, *r.ratings)} | ({CACT} if cact else set())
    zone = cact.time_zone if cact else await repository.time_zone(programme_id)
    return Facts(
        programme,
        person,
        rule,
        cact,
        rows,
        [m for m in order if m in used],
        zone,
        versions,
        levels,
    )


def review_reasons(
    signed: Integration | None, levels: dict[str, IntegrationLevel], cact: CactResult | None
) -> list[str]:
    """Why a signed-off profile needs review: its CACT evidence is no longer the current one
    and a level differs (a re-score, a new standard or policy, a later attempt)."""
    if signed is None or (cact.result.id if cact else None) == signed.result_id:
        return []
    now = {c: r.attained_level for c, r in cact.competencies.items()} if cact else {}
    changed = [
        f"{code}: {_level(lv.cact_level)} → {_level(now.get(code))}"
        for code, lv in sorted(levels.items())
        if lv.cact_level != now.get(code)
    ]
    changed += [f"{code}: – → {now[code]}" for code in sorted(set(now) - set(levels))]
    if not changed:
        return []
    source = (
        f"{cact.sitting_code}#r{cact.result.version} ({cact.result.reason or '-'})" if cact else "-"
    )
    return [
        f"Level CACT berubah sejak ditandatangani (hasil {source}); level akhir tidak diubah. / "
        f"The CACT level changed after the sign-off (result {source}); the final levels are "
        "unchanged.",
        *changed,
    ]


def _level(value: int | None) -> str:
    return "–" if value is None else str(value)


def _signed_read(row: Integration, name: str, zone: str) -> SignOffRead:
    return SignOffRead(
        version=row.version,
        rule=row.rule,
        signed_off_by=name,
        signed_off_at=row.signed_off_at,
        time_zone=zone,
        jpm=row.jpm,
        category=row.category,
        nine_box=row.nine_box,
    )


def view_of(found: Facts) -> IntegrationView:
    current = found.versions[0][0] if found.versions else None
    reasons = review_reasons(current, found.levels, found.cact)
    p = found.person.participant
    return IntegrationView(
        programme_id=found.programme.id,
        programme_code=found.programme.code,
        participant_id=p.id,
        participant_no=p.participant_no,
        name=p.name,
        nip=p.nip,
        position_group=found.person.group,
        rule=found.rule,
        methods=found.methods,
        cact_result=(
            f"{found.cact.sitting_code}#r{found.cact.result.version}" if found.cact else None
        ),
        rows=found.rows,
        signed=_signed_read(*found.versions[0], found.zone) if found.versions else None,
        history=[_signed_read(i, n, found.zone) for i, n in found.versions],
        needs_review=bool(reasons),
        review_reasons=reasons,
    )


async def view(db: AsyncSession, programme_id: int, participant_id: int) -> IntegrationView:
    return view_of(await facts(db, programme_id, participant_id))


async def rule(db: AsyncSession, programme_id: int) -> str:
    await service.programme(db, programme_id)
    return await IntegrationRepository(db).rule(programme_id)


async def set_rule(db: AsyncSession, programme_id: int, chosen: str, actor: Actor) -> str:
    await service.programme(db, programme_id)
    await IntegrationRepository(db).set_rule(programme_id, chosen)
    await audit.record(
        db,
        actor,
        "integration_rule.set",
        target_type="programme",
        target_id=programme_id,
        details={"rule": chosen},
    )
    return chosen


@dataclass(frozen=True)
class SignedProfile:
    """The newest signed-off version an attempt's report follows."""

    integration: Integration
    levels: dict[str, IntegrationLevel]
    signed_off_by: str
    time_zone: str
    review_reasons: list[str]


async def signed_profile(db: AsyncSession, attempt_id: int) -> SignedProfile | None:
    """The participant's newest sign-off in the attempt's programme, when it read this attempt
    (or no CACT at all); None without one: the report stays the CACT result's."""
    repository = IntegrationRepository(db)
    current = await repository.current_for_attempt(attempt_id)
    if current is None:
        return None
    levels = await repository.levels(current.id)
    cact = await repository.cact_result(current.programme_id, current.participant_id)
    zone = cact.time_zone if cact else await repository.time_zone(current.programme_id)
    return SignedProfile(
        current,
        levels,
        await repository.signer(current.signed_off_by),
        zone,
        review_reasons(current, levels, cact),
    )
