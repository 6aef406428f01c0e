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
    MAX_REASON,
    FinalLevel,
    IntegrationRow,
    IntegrationView,
    SignOffBody,
    SignOffRead,
)
from cact.assessors.models import LEVELS, Integration, IntegrationLevel
from cact.assessors.repository import ProgrammeBrief
from cact.assessors.schemas import EvidenceRating
from cact.audit import service as audit
from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.kit.errors import Conflict, InvalidInput, NotFound
from cact.scoring import engine
from cact.scoring.engine import AttemptScore, CompetencyScore
from cact.scoring.policy import PolicyBody

CACT = "CACT"


class ParticipantNotInProgramme(NotFound):
    code = "participant_not_in_programme"
    message = (
        "Peserta tidak ditemukan dalam program ini. / Participant not found in this programme."
    )


class IntegrationRejected(InvalidInput):
    code = "invalid_integration"
    message = (
        "Level akhir tidak valid; tidak ada yang ditandatangani. / "
        "Invalid final levels; nothing signed off."
    )


class AlreadySignedOff(Conflict):
    code = "already_signed_off"
    message = (
        "Profil ini sudah ditandatangani dengan level yang sama. / "
        "This profile is already signed off with the same levels."
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
        required_level=_required(cact).get(code),
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


def _required(cact: CactResult | None) -> dict[str, int]:
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


def refusals(rows: Sequence[IntegrationRow], given: Sequence[FinalLevel]) -> list[dict[str, str]]:
    """Every thing wrong with the final levels, each with where and why."""
    by_code = {r.competency: r for r in rows}
    found: list[dict[str, str]] = []
    seen: set[str] = set()

    def refuse(at: str, code: str, message: str) -> None:
        found.append({"at": at, "code": code, "message": message})

    for level in given:
        row = by_code.get(level.competency)
        if row is None:
            refuse(
                level.competency,
                "unknown_competency",
                f'Kompetensi "{level.competency}" tidak ada dalam profil peserta ini. / '
                f'The competency "{level.competency}" is not in this participant\'s profile.',
            )
        if level.competency in seen:
            refuse(level.competency, "duplicate_competency", "Muncul dua kali. / Given twice.")
        seen.add(level.competency)
        if level.level not in LEVELS:
            refuse(
                level.competency,
                "level_out_of_range",
                f"Level {level.level} di luar 1–5. / Level {level.level} is outside 1–5.",
            )
        elif row is not None and row.proposed_level not in (None, level.level) and not level.reason:
            refuse(
                level.competency,
                "reason_required",
                f"Level akhir {level.level} berbeda dari usulan {row.proposed_level}: alasan "
                f"wajib diisi. / The final level {level.level} differs from the proposal "
                f"{row.proposed_level}: a reason is required.",
            )
        if len(level.reason) > MAX_REASON:
            refuse(
                level.competency,
                "reason_too_long",
                f"Alasan paling banyak {MAX_REASON} karakter. / "
                f"The reason is at most {MAX_REASON} characters.",
            )
    for code in sorted(set(by_code) - seen):
        refuse(
            code,
            "missing_level",
            "Level akhir belum diisi. / The final level is missing.",
        )
    return found


def outcome(
    cact: CactResult | None, finals: dict[str, int], kinds: dict[str, str]
) -> AttemptScore | None:
    """JPM, categories and nine-box from the final levels: the CACT result's standard, policy,
    position group and performance rating, with the levels substituted (the engine's formulas)."""
    if cact is None:
        return None
    required = _required(cact)
    scores = []
    for code, level in sorted(finals.items()):
        c = cact.competencies.get(code)
        scores.append(
            CompetencyScore(
                code=code,
                raw=int(c.raw_score) if c else 0,
                maximum=int(c.max_score) if c else 0,
                index=c.index if c else Decimal("0.0000"),
                attained=level,
                required=required.get(code),
                items=0,
                answered=0,
            )
        )
    details = cact.result.details or {}
    return engine.score_levels(
        scores,
        PolicyBody.model_validate(cact.policy.body),
        standard=required,
        kinds=kinds,
        group=details.get("position_group"),
        rating=details.get("performance_rating"),
    )


def _details(score: AttemptScore | None) -> dict[str, Any]:
    if score is None:
        return {}
    return {
        "categories": score.categories,
        "potential": score.potential,
        "combined_score": None if score.combined is None else str(score.combined),
        "combined_parts": {k: str(v) for k, v in score.parts.items()},
        "untested": [{"competency": c, "required_level": lvl} for c, lvl in score.untested],
    }


async def sign_off(
    db: AsyncSession,
    programme_id: int,
    participant_id: int,
    body: SignOffBody,
    user: StaffUser,
    actor: Actor,
) -> IntegrationView:
    """All or nothing: every bad final level is listed. A sign-off adds version n+1; the same
    levels and reasons again (with nothing to review) are refused."""
    await service.programme(db, programme_id)
    await IntegrationRepository(db).lock(programme_id, participant_id)
    found = await facts(db, programme_id, participant_id)
    problems = refusals(found.rows, body.levels)
    if not found.rows:
        problems.append(
            {
                "at": found.person.participant.participant_no,
                "code": "no_evidence",
                "message": (
                    "Belum ada bukti untuk diintegrasikan. / There is no evidence to integrate."
                ),
            }
        )
    if problems:
        raise IntegrationRejected(problems)
    given = {g.competency: g for g in body.levels}
    current = found.versions[0][0] if found.versions else None
    same = (
        found.levels
        and all(
            (lv.final_level, lv.reason) == (given[c].level, given[c].reason)
            for c, lv in found.levels.items()
            if c in given
        )
        and set(found.levels) == set(given)
    )
    if same and not review_reasons(current, found.levels, found.cact):
        raise AlreadySignedOff()
    repository = IntegrationRepository(db)
    score = outcome(found.cact, {c: g.level for c, g in given.items()}, await repository.kinds())
    row = Integration(
        programme_id=programme_id,
        participant_id=participant_id,
        version=(current.version if current else 0) + 1,
        rule=found.rule,
        result_id=found.cact.result.id if found.cact else None,
        attempt_id=found.cact.result.attempt_id if found.cact else None,
        signed_off_by=user.id,
        jpm=score.jpm if score else None,
        category=score.category if score else None,
        nine_box=score.nine_box if score else None,
        details=_details(score),
    )
    db.add(row)
    await db.flush()
    gaps = {s.code: s.gap for s in score.competencies} if score else {}
    db.add_all(
        IntegrationLevel(
            integration_id=row.id,
            competency_code=r.competency,
            cact_level=r.cact_level,
            cact_index=r.cact_index,
            methods={m: [e.model_dump(mode="json") for e in rs] for m, rs in r.ratings.items()},
            weighted_mean=r.weighted_mean,
            proposed_level=r.proposed_level,
            final_level=given[r.competency].level,
            reason=given[r.competency].reason,
            required_level=r.required_level,
            gap=gaps.get(r.competency),
        )
        for r in found.rows
    )
    await db.flush()
    await audit.record(
        db,
        actor,
        "integration.sign_off",
        target_type="participant",
        target_id=participant_id,
        details={
            "programme_id": programme_id,
            "participant_no": found.person.participant.participant_no,
            "version": row.version,
            "rule": found.rule,
            "jpm": None if row.jpm is None else str(row.jpm),
            "levels": [
                {
                    "competency": r.competency,
                    "proposed": r.proposed_level,
                    "final": given[r.competency].level,
                }
                for r in found.rows
            ],
        },
    )
    return await view(db, programme_id, participant_id)


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
