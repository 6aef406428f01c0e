"""Score reports: one participant's current result, a sitting's summary, and what a participant
may see of their own result on the kiosk's end screen."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Sitting
from cact.exam.service import SittingNotFound
from cact.exam.statuses import AttemptStatus
from cact.kit.errors import Conflict
from cact.reports import closing, integrated
from cact.reports.repository import ReportRepository, RosterEntry
from cact.reports.schemas import (
    AbsentRow,
    Attendance,
    CategoryCount,
    CategoryPart,
    CompetencyMean,
    CompetencyRow,
    EndingRow,
    Incident,
    IndividualReport,
    NineBoxCell,
    ParticipantPart,
    PolicyPart,
    RosterRow,
    ScaleDistribution,
    SittingPart,
    SittingReport,
    UntestedRow,
)
from cact.scoring import labels
from cact.scoring.models import ScoringPolicy
from cact.scoring.presenters import present
from cact.scoring.service import AttemptNotFound

POTENTIALS = ("high", "medium", "low")  # nine-box rows, top to bottom
RATINGS = ("below", "meets", "above")  # nine-box columns, left to right
# SPEC §4's box table, for results whose policy has none
DEFAULT_BOXES = {
    "below": {"low": 1, "medium": 3, "high": 6},
    "meets": {"low": 2, "medium": 5, "high": 8},
    "above": {"low": 4, "medium": 7, "high": 9},
}
HUNDREDTH = Decimal("0.01")


class ResultNotReady(Conflict):
    code = "result_not_ready"
    message = "Percobaan ujian ini belum dinilai. / This attempt has not been scored yet."


class NotScoredByPolicy(Conflict):
    code = "not_scored_by_policy"
    message = (
        "Percobaan ini dihentikan pengawas dan, menurut kebijakan penilaian, tidak dinilai. / "
        "The proctor terminated this attempt and the scoring policy leaves it unscored."
    )


def _sitting_part(sitting: Sitting, time_zone: str) -> SittingPart:
    return SittingPart(
        time_zone=time_zone,
        id=sitting.id,
        code=sitting.code,
        title=sitting.title,
        starts_at=sitting.starts_at,
        status=sitting.status,
    )


def _boxes(policy: ScoringPolicy | None) -> dict[str, dict[str, int]]:
    found = ((policy.body.get("nine_box") or {}).get("boxes")) if policy else None
    return found if isinstance(found, dict) and found else DEFAULT_BOXES


async def individual_report(db: AsyncSession, attempt_id: int) -> IndividualReport:
    """The current result of the attempt with everything its printed report shows; after a
    sign-off, the integrated profile's final levels and what follows from them.

    Raises ``AttemptNotFound`` (404) and ``ResultNotReady`` (409, not scored yet)."""
    repository = ReportRepository(db)
    header = await repository.attempt_header(attempt_id)
    if header is None:
        raise AttemptNotFound()
    result = await repository.current_result(attempt_id)
    if result is None:
        attempt = header.attempt
        if attempt.status == AttemptStatus.TERMINATED and attempt.scored_at is not None:
            raise NotScoredByPolicy()
        raise ResultNotReady()
    (shown,) = await present(db, [result], recommend=True)
    policy = (await repository.policies([result.policy_id])).get(result.policy_id)
    details: dict[str, Any] = result.details or {}
    stored_scale = labels.stored_scale(policy)
    categories = []
    for scale, code in (details.get("categories") or {}).items():
        if code is None:
            continue
        label_id, label_en = labels.label(policy, scale, str(code))
        categories.append(
            CategoryPart(
                scale=scale,
                code=str(code),
                label_id=label_id,
                label_en=label_en,
                stored=scale == stored_scale,
            )
        )
    categories.sort(key=lambda c: (not c.stored, c.scale))
    untested_raw = [u for u in details.get("untested") or [] if isinstance(u, dict)]
    names = await repository.competency_names({str(u.get("competency")) for u in untested_raw})
    untested = [
        UntestedRow(
            competency=str(u["competency"]),
            name_id=names.get(str(u["competency"]), (str(u["competency"]),) * 2)[0],
            name_en=names.get(str(u["competency"]), (str(u["competency"]),) * 2)[1],
            required_level=int(u["required_level"]),
        )
        for u in untested_raw
        if u.get("competency") is not None and u.get("required_level") is not None
    ]
    participant, position = header.participant, header.position
    report = IndividualReport(
        attempt_id=header.attempt.id,
        attempt_status=header.attempt.status,
        closed_at=header.attempt.closed_at,
        close_reason=closing.reason_of(header.attempt.close_reason),
        close_note=header.attempt.close_note,
        participant=ParticipantPart(
            id=participant.id,
            participant_no=participant.participant_no,
            name=participant.name,
            nip=participant.nip,
            position_code=position.code if position else None,
            position_name=position.name if position else None,
            unit=participant.unit,
            agency=participant.agency,
        ),
        sitting=_sitting_part(header.sitting, await repository.time_zone(header.sitting)),
        result_id=result.id,
        result_version=result.version,
        result_reason=result.reason,
        scored_at=result.scored_at,
        policy=PolicyPart(
            id=result.policy_id,
            code=policy.code if policy else "?",
            version=policy.version if policy else 0,
        ),
        jpm=result.jpm,
        category=result.category,
        categories=categories,
        combined_score=result.combined_score,
        combined_parts={
            str(k): (None if v is None else Decimal(str(v)))
            for k, v in (details.get("combined_parts") or {}).items()
        },
        performance_rating=details.get("performance_rating"),
        potential=details.get("potential"),
        nine_box=result.nine_box,
        competencies=[
            CompetencyRow(
                competency=c.competency,
                name_id=c.name_id,
                name_en=c.name_en,
                kind=c.kind,
                index=c.index,
                attained_level=c.attained_level,
                required_level=c.required_level,
                gap=c.gap,
            )
            for c in shown.competencies
        ],
        untested=untested,
        recommendations=shown.recommendations,
    )
    return await integrated.follow(db, report)


def presence(entry: RosterEntry) -> str:
    """terminated by the proctor, absent (never started, or marked absent) or attended."""
    terminated = entry.attempt_status == AttemptStatus.TERMINATED
    if terminated or closing.reason_of(entry.close_reason) == "terminated":
        return "terminated"
    if entry.attempt_id is None or entry.started_at is None or entry.attendance == "absent":
        return "absent"
    return "attended"


async def roster(db: AsyncSession, sitting_id: int) -> list[RosterRow]:
    return [
        RosterRow(
            participant_id=e.participant_id,
            participant_no=e.participant_no,
            name=e.name,
            nip=e.nip,
            presence=presence(e),
            attempt_id=e.attempt_id,
            attempt_status=e.attempt_status,
            close_reason=closing.reason_of(e.close_reason),
            close_note=e.close_note,
            report=e.scored,
        )
        for e in await ReportRepository(db).roster(sitting_id)
    ]


async def sitting_report_code(db: AsyncSession, sitting_id: int) -> str:
    sitting = await ReportRepository(db).sitting(sitting_id)
    if sitting is None:
        raise SittingNotFound()
    return sitting.code


def _mean(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


async def sitting_report(db: AsyncSession, sitting_id: int) -> SittingReport:
    """Counts and means over the current results of the sitting's attempts."""
    repository = ReportRepository(db)
    sitting = await repository.sitting(sitting_id)
    if sitting is None:
        raise SittingNotFound()
    every_result = await repository.current_results_of_sitting(sitting_id)
    policies = await repository.policies({r.policy_id for r in every_result})
    # Labels and band order come from the sitting's policy, else from the newest one used.
    policy = policies.get(sitting.scoring_policy_id or 0) or (
        policies[max(policies)] if policies else None
    )
    ended = await closing.endings(db, sitting_id)

    def counted(attempt_id: int) -> bool:
        ending = ended.get(attempt_id)
        reason = ending.close_reason if ending else None
        return closing.counts_in_distributions(policy.body if policy else None, reason)

    results = [r for r in every_result if counted(r.attempt_id)]
    with_result = {r.attempt_id for r in every_result}
    stored_scale = labels.stored_scale(policy)

    per_scale: dict[str, Counter[str]] = {}
    scales: list[str] = (
        [str(s) for s in (policy.body.get("category_scales") or {})] if policy else []
    )
    for result in results:
        for scale in (result.details or {}).get("categories") or {}:
            if scale not in scales:
                scales.append(str(scale))
    for scale in scales:
        per_scale[scale] = Counter(
            str(((r.details or {}).get("categories") or {}).get(scale))
            for r in results
            if ((r.details or {}).get("categories") or {}).get(scale) is not None
        )
    distributions = []
    for scale in scales:
        counts = per_scale[scale]
        order = [str(b.get("code")) for b in labels.bands(policy, scale)]
        order += sorted(code for code in counts if code not in order)
        distributions.append(
            ScaleDistribution(
                scale=scale,
                stored=scale == stored_scale,
                counts=[
                    CategoryCount(
                        code=code,
                        label_id=labels.label(policy, scale, code)[0],
                        label_en=labels.label(policy, scale, code)[1],
                        count=counts.get(code, 0),
                    )
                    for code in order
                ],
                uncategorised=len(results) - sum(counts.values()),
            )
        )
    distributions.sort(key=lambda d: (not d.stored, d.scale))

    boxes = _boxes(policy)
    box_counts = Counter(r.nine_box for r in results if r.nine_box is not None)
    grid = [
        [
            NineBoxCell(
                box=int(boxes[rating][potential]),
                potential=potential,
                rating=rating,
                count=box_counts.get(int(boxes[rating][potential]), 0),
            )
            for rating in RATINGS
        ]
        for potential in POTENTIALS
    ]

    registered, present_, finished, terminated = await repository.attendance(sitting_id)
    jpms = [r.jpm for r in results if r.jpm is not None]
    return SittingReport(
        sitting=_sitting_part(sitting, await repository.time_zone(sitting)),
        results=len(every_result),
        left_out_of_distributions=len(every_result)
        - len(results)
        + sum(
            1
            for e in ended.values()
            if e.close_reason == "terminated" and e.attempt_id not in with_result
        ),
        endings=[
            EndingRow(
                attempt_id=e.attempt_id,
                participant_no=e.participant_no,
                name=e.name,
                close_reason=e.close_reason,
                label_id=e.label_id,
                label_en=e.label_en,
                close_note=e.close_note,
                in_distributions=counted(e.attempt_id) and e.attempt_id in with_result,
                scored=e.attempt_id in with_result,
            )
            for e in ended.values()
            if e.close_reason != "finished"
        ],
        absent=[
            AbsentRow(participant_no=no, name=name)
            for no, name in await closing.absent(db, sitting_id)
        ],
        jpm_mean=_mean(sum(jpms, Decimal(0)) / len(jpms)) if jpms else None,
        distributions=distributions,
        competencies=[
            CompetencyMean(
                competency=m.code,
                name_id=m.name_id,
                name_en=m.name_en,
                results=m.results,
                mean_attained=_mean(m.mean_attained) or Decimal(0),
                mean_required=_mean(m.mean_required),
            )
            for m in await repository.competency_means(
                sitting_id,
                leaving_out=[r.attempt_id for r in every_result if not counted(r.attempt_id)],
            )
        ],
        nine_box=grid,
        nine_box_unknown=len(results) - sum(box_counts.values()),
        attendance=Attendance(
            registered=registered,
            present=present_,
            absent=registered - present_,
            finished=finished,
            terminated=terminated,
        ),
        participants=await roster(db, sitting_id),
        incidents=[
            Incident(
                occurred_at=i.occurred_at,
                actor=i.actor,
                participant=(
                    f"{i.participant_name} ({i.participant_no})" if i.participant_name else None
                ),
                note=i.note or "",
            )
            for i in await repository.incidents(sitting_id)
        ],
    )
