"""The export statements: plain columns, streamed with a server-side cursor (yield_per), ordered
by attempt id then presented number, so that nothing of a sitting is held in memory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from cact.bank.models import Item, ItemOption, ItemVersion
from cact.blueprints.models import BlueprintSection
from cact.exam.models import Attempt, AttemptItem, AttemptSection, Response, Sitting
from cact.exam.statuses import FINISHED_ATTEMPT, AttemptStatus
from cact.kit.timezones import INDONESIAN_LABELS
from cact.participants.models import Participant
from cact.rooms.models import Room
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy
from cact.standards.models import Position

YIELD_PER = 2000

Rows = Select[*tuple[Any, ...]]

Chosen = aliased(ItemOption, name="chosen")


def item_score(chosen: Any = Chosen) -> ColumnElement[Any]:
    """The score of one presented item: the chosen option's weight (weighted items), the
    version's points when the chosen option is correct (keyed items), 0 when wrong or blank."""
    return case(
        (chosen.id.is_(None), literal(0)),
        (Item.kind == "weighted", func.coalesce(chosen.weight, 0)),
        (chosen.correct, func.coalesce(ItemVersion.points, 1)),
        else_=literal(0),
    )


def item_max() -> ColumnElement[Any]:
    """The most one item can give: its highest option weight, or the keyed version's points."""
    best_weight = (
        select(func.max(ItemOption.weight))
        .where(ItemOption.item_version_id == ItemVersion.id)
        .correlate(ItemVersion)
        .scalar_subquery()
    )
    return case(
        (Item.kind == "weighted", func.coalesce(best_weight, 0)),
        else_=func.coalesce(ItemVersion.points, 1),
    )


def _presented(*columns: Any) -> Rows:
    """attempt_item of the sitting with its version, item and (outer) response and option."""
    return (
        select(*columns)
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(ItemVersion, ItemVersion.id == AttemptItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .outerjoin(Response, Response.attempt_item_id == AttemptItem.id)
        .outerjoin(Chosen, Chosen.id == Response.option_id)
    )


def closed_cells(sitting_id: int, *columns: Any) -> Rows:
    """The presented items of the sitting's closed attempts (submitted or expired), with their
    response and chosen option: what the item analysis, DIF and the psychometric files read."""
    return _presented(*columns).where(
        Attempt.sitting_id == sitting_id, Attempt.status.in_(FINISHED_ATTEMPT)
    )


def close_reason() -> ColumnElement[str | None]:
    """How the attempt ended: finished | deadline | sitting_closed | terminated (blank while it
    runs); "submitted", the older name of "finished", is read as "finished"."""
    return case((Attempt.close_reason == "submitted", "finished"), else_=Attempt.close_reason)


def local_time(moment: Any) -> ColumnElement[Any]:
    """The moment on the room's wall clock, to the second (a timestamp without zone)."""
    return func.timezone(Room.time_zone, func.date_trunc("second", moment))


def zone_label(moment: Any) -> ColumnElement[str]:
    """WIB / WITA / WIT; any other zone as its offset at that moment, "UTC+01:00"."""
    offset = func.timezone(Room.time_zone, moment) - func.timezone("UTC", moment)
    sign = case((offset < text("interval '0'"), ""), else_=literal("+"))
    return case(
        *((Room.time_zone == name, literal(label)) for name, label in INDONESIAN_LABELS.items()),
        else_=literal("UTC") + sign + func.to_char(offset, "HH24:MI"),
    )


def responses(sitting_id: int) -> Rows:
    return (
        _presented(
            Sitting.code,
            Attempt.id,
            Attempt.status,
            Participant.participant_no,
            Participant.nip,
            Participant.name,
            Position.code,
            BlueprintSection.title,
            Item.id,
            ItemVersion.version,
            Item.competency_code,
            AttemptItem.number,
            Chosen.label,
            item_score(),
            func.coalesce(Response.doubtful, False),
            Response.first_answered_at,
            Response.saved_at,
            func.coalesce(Response.change_count, 0),
            close_reason(),
            Attempt.close_note,
            local_time(Response.first_answered_at),
            local_time(Response.saved_at),
            Room.time_zone,
            zone_label(Sitting.starts_at),
        )
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Room, Room.id == Sitting.room_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .outerjoin(Position, Position.id == Participant.position_id)
        .join(AttemptSection, AttemptSection.id == AttemptItem.attempt_section_id)
        .join(BlueprintSection, BlueprintSection.id == AttemptSection.blueprint_section_id)
        .where(Attempt.sitting_id == sitting_id)
        .order_by(AttemptItem.attempt_id, AttemptItem.number)
        .execution_options(yield_per=YIELD_PER)
    )


def _in_distributions() -> ColumnElement[bool]:
    """Whether the result counts in the sitting's distributions: always, unless the attempt was
    terminated and its policy (``terminated.in_distributions``) leaves it out."""
    counted = ScoringPolicy.body["terminated"]["in_distributions"].as_boolean()
    return case((Attempt.close_reason == "terminated", func.coalesce(counted, False)), else_=True)


def results(sitting_id: int) -> Rows:
    """One row per attempt × competency of the current results, then one row (blank scores,
    ``scored`` false) per terminated attempt the scoring policy leaves unscored."""
    scored = (
        select(
            Sitting.code,
            Attempt.id.label("attempt_id"),
            Attempt.status,
            Participant.participant_no,
            Participant.nip,
            Participant.name,
            Position.code.label("position_code"),
            ResultCompetency.competency_code.label("competency"),
            ResultCompetency.raw_score,
            ResultCompetency.max_score,
            ResultCompetency.index,
            ResultCompetency.attained_level,
            ResultCompetency.required_level,
            ResultCompetency.gap,
            Result.jpm,
            Result.category,
            Result.combined_score,
            Result.nine_box,
            Result.version,
            Result.scored_at,
            close_reason().label("close_reason"),
            Attempt.close_note,
            true().label("scored"),
            _in_distributions().label("in_distributions"),
            Result.details["categories"]["pemetaan"].astext.label("category_pemetaan"),
            Result.details["categories"]["seleksi"].astext.label("category_seleksi"),
            Result.details["potential"].astext.label("potential"),
            local_time(Result.scored_at).label("scored_at_local"),
            Room.time_zone.label("time_zone"),
            zone_label(Result.scored_at).label("time_zone_label"),
        )
        .select_from(Result)
        .join(ResultCompetency, ResultCompetency.result_id == Result.id)
        .join(ScoringPolicy, ScoringPolicy.id == Result.policy_id)
        .join(Attempt, Attempt.id == Result.attempt_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Room, Room.id == Sitting.room_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .outerjoin(Position, Position.id == Participant.position_id)
        .where(Attempt.sitting_id == sitting_id, Result.is_current)
    )
    current = select(Result.id).where(Result.attempt_id == Attempt.id, Result.is_current)
    blank = null()
    unscored = (
        select(
            Sitting.code,
            Attempt.id,
            Attempt.status,
            Participant.participant_no,
            Participant.nip,
            Participant.name,
            Position.code,
            *[blank] * 12,
            Attempt.scored_at,
            close_reason(),
            Attempt.close_note,
            false(),
            false(),
            *[blank] * 3,  # no categories, no potential
            local_time(Attempt.scored_at),
            Room.time_zone,
            zone_label(Attempt.scored_at),
        )
        .select_from(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Room, Room.id == Sitting.room_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .outerjoin(Position, Position.id == Participant.position_id)
        .where(
            Attempt.sitting_id == sitting_id,
            Attempt.status == AttemptStatus.TERMINATED,
            Attempt.scored_at.is_not(None),
            ~current.exists(),
        )
    )
    both = union_all(scored, unscored).subquery()
    return (
        select(*both.c)
        .order_by(both.c.attempt_id, both.c.competency.nulls_first())
        .execution_options(yield_per=YIELD_PER)
    )


def time_zone(sitting_id: int) -> Select[str]:
    """The sitting's zone: its room's."""
    return (
        select(Room.time_zone)
        .join(Sitting, Sitting.room_id == Room.id)
        .where(Sitting.id == sitting_id)
    )


def matrix_items(sitting_id: int) -> Select[str]:
    """The matrix's item columns: every item id presented in the sitting, sorted."""
    return (
        select(ItemVersion.item_id)
        .join(AttemptItem, AttemptItem.item_version_id == ItemVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.sitting_id == sitting_id)
        .group_by(ItemVersion.item_id)
        .order_by(ItemVersion.item_id)
    )


def matrix_cells(sitting_id: int) -> Rows:
    """(attempt id, participant no, item id, score) ordered by attempt: one matrix row each."""
    return (
        _presented(Attempt.id, Participant.participant_no, Item.id, item_score())
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(Attempt.sitting_id == sitting_id)
        .order_by(AttemptItem.attempt_id)
        .execution_options(yield_per=YIELD_PER)
    )


def scored_cells(sitting_id: int) -> Rows:
    """(attempt id, competency, item id, score, max, option label, item version id) of the
    closed attempts (submitted or expired): the item analysis's input, ordered by attempt."""
    return (
        closed_cells(
            sitting_id,
            Attempt.id,
            Item.competency_code,
            Item.id,
            item_score(),
            item_max(),
            Chosen.label,
            ItemVersion.id,
        )
        .order_by(AttemptItem.attempt_id, AttemptItem.number)
        .execution_options(yield_per=YIELD_PER)
    )


def option_labels(sitting_id: int) -> Rows:
    """(item id, label) of every option of every version presented, in bank order."""
    versions = (
        select(AttemptItem.item_version_id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.sitting_id == sitting_id)
        .distinct()
        .subquery()
    )
    return (
        select(ItemVersion.item_id, ItemOption.label)
        .join(ItemVersion, ItemVersion.id == ItemOption.item_version_id)
        .join(versions, and_(versions.c.item_version_id == ItemVersion.id))
        .group_by(ItemVersion.item_id, ItemOption.label)
        .order_by(ItemVersion.item_id, func.min(ItemOption.position), ItemOption.label)
    )
