"""The results package's records: what one sitting produced on the room server — its attempts,
their sections, the items as presented, the responses, the append-only answer log, the results
(JPM, category, levels per competency), the sitting's audit log (incidents and proctor actions
are audit events) — every row by an id every server shares: the attempt's and the log row's
``external_id``, a section by its position, a presented item by its number, an option by its
position in its item version, an item version by (item id, version), a participant by the
participant number, the sitting by its ``external_id``. No local sequence number leaves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.bank.models import ItemOption, ItemVersion
from cact.blueprints.models import BlueprintSection
from cact.exam.models import (
    AnswerLog,
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Response,
    Sitting,
)
from cact.keys.identity import Identity, PublicKey
from cact.keys.service import active_key, public_key_of
from cact.kit.errors import Conflict
from cact.packages.records import record_of
from cact.packages.repository import ReceiptRepository
from cact.packages.sealing import seal_and_record
from cact.packages.wave_export import SittingNotFound
from cact.participants.models import Participant
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy

SITTING_STATE_FIELDS = ("status", "opened_at", "started_at", "started_by", "closed_at", "paused_at")
ATTEMPT_FIELDS = (
    "status",
    "form_seed",
    "started_at",
    "closed_at",
    "close_reason",
    "close_note",
    "paused",
    "reset_requested_at",
    "last_seen_at",
    "last_ip",
    "scored_at",
    "created_at",
)
SECTION_FIELDS = (
    "position",
    "status",
    "time_limit_ms",
    "extra_ms",
    "paused_ms",
    "started_at",
    "deadline_at",
    "paused_at",
    "closed_at",
    "close_reason",
    "break_ms",
    "break_ends_at",
)
ITEM_FIELDS = ("number",)
RESPONSE_FIELDS = ("doubtful", "seq", "first_answered_at", "saved_at", "change_count")
LOG_FIELDS = ("doubtful", "seq", "received_at", "ip")
RESULT_FIELDS = (
    "version",
    "is_current",
    "scored_at",
    "jpm",
    "category",
    "combined_score",
    "nine_box",
    "reason",
    "details",
)
COMPETENCY_FIELDS = (
    "competency_code",
    "raw_score",
    "max_score",
    "index",
    "attained_level",
    "required_level",
    "gap",
)
AUDIT_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_name",
    "action",
    "target_type",
    "reason",
    "details",
    "ip",
)


class NoResultsRecipient(Conflict):
    code = "no_results_recipient"
    message = (
        "Sesi ini tidak datang dari paket gelombang yang dipercaya; sebutkan kunci kantor "
        "dengan --to. / This sitting did not come from a trusted wave package; name the "
        "office's key with --to."
    )


def _decimals(record: dict[str, Any]) -> dict[str, Any]:
    """Numbers as text, so that 12.50 stays 12.50 on the way (JSON would make it a float)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in record.items()}


async def _sitting(session: AsyncSession, sitting_id: int) -> Sitting:
    sitting = await session.get(Sitting, sitting_id)
    if sitting is None:
        raise SittingNotFound()
    return sitting


async def _option_positions(
    session: AsyncSession, attempt_ids: list[int]
) -> tuple[dict[int, int], dict[int, tuple[str, int]]]:
    """item_option id → its position; item_version id → (item id, version)."""
    versions = select(AttemptItem.item_version_id).where(AttemptItem.attempt_id.in_(attempt_ids))
    positions = {
        o.id: o.position
        for o in await session.scalars(
            select(ItemOption).where(ItemOption.item_version_id.in_(versions))
        )
    }
    keys = {
        v.id: (v.item_id, v.version)
        for v in await session.scalars(select(ItemVersion).where(ItemVersion.id.in_(versions)))
    }
    return positions, keys


def _option(positions: dict[int, int], option_id: int | None) -> int | None:
    return None if option_id is None else positions[option_id]


async def _attempts(session: AsyncSession, sitting: Sitting) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(Attempt, Participant.participant_no)
            .join(Participant, Participant.id == Attempt.participant_id)
            .where(Attempt.sitting_id == sitting.id)
            .order_by(Participant.participant_no)
        )
    ).all()
    ids = [a.id for a, _ in rows]
    positions, version_keys = await _option_positions(session, ids)
    blueprint_positions = {
        s.id: s.position
        for s in await session.scalars(
            select(BlueprintSection).where(BlueprintSection.blueprint_id == sitting.blueprint_id)
        )
    }
    sections: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    section_positions: dict[int, int] = {}
    for section in await session.scalars(
        select(AttemptSection)
        .where(AttemptSection.attempt_id.in_(ids))
        .order_by(AttemptSection.attempt_id, AttemptSection.position)
    ):
        section_positions[section.id] = section.position
        sections[section.attempt_id].append(
            {
                **record_of(section, SECTION_FIELDS),
                "blueprint_section": blueprint_positions[section.blueprint_section_id],
            }
        )
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    numbers: dict[int, int] = {}
    for item in await session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id.in_(ids))
        .order_by(AttemptItem.attempt_id, AttemptItem.number)
    ):
        numbers[item.id] = item.number
        item_id, version = version_keys[item.item_version_id]
        items[item.attempt_id].append(
            {
                "number": item.number,
                "section": section_positions[item.attempt_section_id],
                "item_id": item_id,
                "item_version": version,
                "option_order": [positions[o] for o in item.option_order],
            }
        )
    responses: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for response in await session.scalars(
        select(Response).where(Response.attempt_id.in_(ids)).order_by(Response.attempt_item_id)
    ):
        responses[response.attempt_id].append(
            {
                "number": numbers[response.attempt_item_id],
                "option": _option(positions, response.option_id),
                **record_of(response, RESPONSE_FIELDS),
            }
        )
    for listing in responses.values():
        listing.sort(key=lambda r: r["number"])
    log: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for entry in await session.scalars(
        select(AnswerLog).where(AnswerLog.attempt_id.in_(ids)).order_by(AnswerLog.id)
    ):
        log[entry.attempt_id].append(
            {
                "number": numbers[entry.attempt_item_id],
                "option": _option(positions, entry.option_id),
                **record_of(entry, LOG_FIELDS),
            }
        )
    results = await _results(session, ids)
    return [
        {
            "external_id": str(attempt.external_id),
            "participant_no": participant_no,
            **record_of(attempt, ATTEMPT_FIELDS),
            "sections": sections[attempt.id],
            "items": items[attempt.id],
            "responses": responses[attempt.id],
            "answer_log": log[attempt.id],
            "results": results[attempt.id],
        }
        for attempt, participant_no in rows
    ]


async def _results(session: AsyncSession, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    results: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    rows = (
        await session.execute(
            select(Result, ScoringPolicy)
            .join(ScoringPolicy, ScoringPolicy.id == Result.policy_id)
            .where(Result.attempt_id.in_(ids))
            .order_by(Result.attempt_id, Result.version)
        )
    ).all()
    competencies: dict[int, list[dict[str, Any]]] = {r.id: [] for r, _ in rows}
    for row in await session.scalars(
        select(ResultCompetency)
        .where(ResultCompetency.result_id.in_(competencies))
        .order_by(ResultCompetency.result_id, ResultCompetency.competency_code)
    ):
        competencies[row.result_id].append(_decimals(record_of(row, COMPETENCY_FIELDS)))
    for result, policy in rows:
        results[result.attempt_id].append(
            {
                **_decimals(record_of(result, RESULT_FIELDS)),
                "policy": {"code": policy.code, "version": policy.version, "body": policy.body},
                "competencies": competencies[result.id],
            }
        )
    return results


async def _audit(session: AsyncSession, sitting_id: int) -> list[dict[str, Any]]:
    attempts = {
        str(a.id): str(a.external_id)
        for a in await session.scalars(select(Attempt).where(Attempt.sitting_id == sitting_id))
    }
    records = []
    for event in await session.scalars(
        select(AuditEvent).where(AuditEvent.sitting_id == sitting_id).order_by(AuditEvent.id)
    ):
        record = {"external_id": str(event.external_id), **record_of(event, AUDIT_FIELDS)}
        # An attempt as the target is named by its global id; other targets as they are.
        if event.target_type == "attempt" and event.target_id in attempts:
            record["target_attempt"] = attempts[event.target_id]
            record["target_id"] = None
        else:
            record["target_attempt"] = None
            record["target_id"] = event.target_id
        records.append(record)
    return records


async def _roster(session: AsyncSession, sitting_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Participant.participant_no, Enrollment.attendance)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .where(Enrollment.sitting_id == sitting_id)
        .order_by(Participant.participant_no)
    )
    return [{"participant_no": no, "attendance": attendance} for no, attendance in rows]


async def results_records(session: AsyncSession, sitting_id: int) -> dict[str, Any]:
    """The payload of the results package of this sitting, keyed by ids every server shares.
    The same function on the office, after the merge, gives the same records."""
    sitting = await _sitting(session, sitting_id)
    return {
        "sitting": {
            "external_id": str(sitting.external_id),
            "code": sitting.code,
            **record_of(sitting, SITTING_STATE_FIELDS),
        },
        "roster": await _roster(session, sitting.id),
        "attempts": await _attempts(session, sitting),
        "audit": await _audit(session, sitting.id),
    }


async def results_recipient(session: AsyncSession, sitting_id: int) -> PublicKey:
    """The trusted key that signed the wave package this sitting came from (the newest)."""
    sitting = await _sitting(session, sitting_id)
    receipt = await ReceiptRepository(session).latest("wave", sitting.external_id)
    row = None if receipt is None else await active_key(session, receipt.sender)
    if row is None:
        raise NoResultsRecipient()
    return public_key_of(row)


async def export_results(
    session: AsyncSession,
    sitting_id: int,
    identity: Identity,
    recipient: PublicKey | None,
    actor: Actor,
) -> bytes:
    """The sitting's results package, signed by this room and encrypted to the office's key
    (``recipient``, or the key that signed the sitting's wave package); audited."""
    if recipient is None:
        recipient = await results_recipient(session, sitting_id)
    records = await results_records(session, sitting_id)
    counts = {"attempts": len(records["attempts"])}
    return await seal_and_record(
        session, "results", sitting_id, records, identity, recipient, actor, counts
    )
