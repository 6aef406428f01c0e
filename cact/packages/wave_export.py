"""The wave package's records: everything a room server needs to run one sitting offline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cact.bank.models import Item, ItemVersion, Media
from cact.blueprints import service as blueprints
from cact.blueprints.models import Blueprint
from cact.competencies.models import Competency
from cact.exam.models import Enrollment, Sitting
from cact.kit.errors import NotFound
from cact.lockdown.models import BrowserPolicy
from cact.packages.records import record_of
from cact.participants.models import Participant
from cact.rooms.models import Room, Seat
from cact.scoring.models import ScoringPolicy
from cact.standards.models import CompetencyStandard, Position

SITTING_FIELDS = ("code", "title", "starts_at", "end_screen", "auto_start", "token_rotate_minutes")
ROOM_FIELDS = ("code", "name", "location", "time_zone")
SEAT_FIELDS = ("label", "grid_row", "grid_col", "workstation_ip")
BLUEPRINT_FIELDS = ("code", "title", "status", "break_seconds")
SECTION_FIELDS = (
    "position",
    "title",
    "time_limit_seconds",
    "shuffle_items",
    "shuffle_options",
    "rules",
    "item_ids",
    "break_after_seconds",
)
COMPETENCY_FIELDS = (
    "code",
    "kind",
    "name_id",
    "name_en",
    "definition_id",
    "definition_en",
    "source",
)
LEVEL_FIELDS = (
    "level",
    "title_id",
    "title_en",
    "descriptor_id",
    "descriptor_en",
    "indicators_id",
    "indicators_en",
)
ITEM_FIELDS = ("id", "competency_code", "kind", "status", "current_version")
VERSION_FIELDS = ("version", "level", "stem_html", "media_alt", "points", "source")
OPTION_FIELDS = ("position", "label", "text_html", "weight", "correct")
MEDIA_FIELDS = ("sha256", "content_type", "filename", "data", "meta")
POSITION_FIELDS = ("code", "name", "group")
PARTICIPANT_FIELDS = (
    "participant_no",
    "nip",
    "name",
    "unit",
    "agency",
    "birth_date",
    "pin_hash",  # the second factor as stored: hashed, never the PIN itself
    "performance_rating",
)
POLICY_FIELDS = ("code", "version", "body")
BROWSER_FIELDS = (
    "kind",
    "seb_check_config_key",
    "seb_browser_exam_keys",
    "seb_quit_password_hash",
    "app_user_agent_marker",
    "app_secret",
)


class SittingNotFound(NotFound):
    code = "sitting_not_found"
    message = "Sesi tidak ditemukan. / No such sitting."


async def _sitting(session: AsyncSession, sitting_id: int) -> Sitting:
    sitting = await session.get(Sitting, sitting_id)
    if sitting is None:
        raise SittingNotFound()
    return sitting


async def _room(session: AsyncSession, room_id: int) -> dict[str, Any]:
    room = await session.scalar(
        select(Room).options(selectinload(Room.seats)).where(Room.id == room_id)
    )
    assert room is not None
    record = record_of(room, ROOM_FIELDS)
    record["seats"] = [record_of(seat, SEAT_FIELDS) for seat in room.seats]
    return record


async def _blueprint(session: AsyncSession, blueprint_id: int) -> tuple[Blueprint, dict[str, Any]]:
    blueprint = await blueprints.get(session, blueprint_id)
    record = record_of(blueprint, BLUEPRINT_FIELDS)
    record["sections"] = [record_of(s, SECTION_FIELDS) for s in blueprint.sections]
    return blueprint, record


async def drawable_versions(session: AsyncSession, blueprint: Blueprint) -> list[ItemVersion]:
    """Every active current version a form of this blueprint can draw (not only those drawn)."""
    design = blueprints.design_of(blueprint)
    found, versions = await blueprints.pool(session)
    fixed = {item_id for section in design for item_id in section.item_ids}
    rules = [rule for section in design for rule in section.rules]
    wanted = [
        c
        for c in found
        if c.item_id in fixed
        or any(r.competency == c.competency and r.level in (None, c.level) for r in rules)
    ]
    return [versions[c.version_id] for c in wanted]


async def _items(
    session: AsyncSession, versions: list[ItemVersion]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = {
        item.id: item
        for item in await session.scalars(
            select(Item).where(Item.id.in_([v.item_id for v in versions]))
        )
    }
    media = {
        m.id: m
        for m in await session.scalars(
            select(Media).where(Media.id.in_({v.media_id for v in versions if v.media_id}))
        )
    }
    records = []
    for version in sorted(versions, key=lambda v: v.item_id):
        record = record_of(items[version.item_id], ITEM_FIELDS)
        body = record_of(version, VERSION_FIELDS)
        body["media_sha256"] = media[version.media_id].sha256 if version.media_id else None
        body["options"] = [record_of(o, OPTION_FIELDS) for o in version.options]
        record["version"] = body
        records.append(record)
    media_records = sorted(
        (record_of(m, MEDIA_FIELDS) for m in media.values()), key=lambda m: m["sha256"]
    )
    return records, media_records


async def _competencies(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Competency).options(selectinload(Competency.levels)).order_by(Competency.code)
    )
    records = []
    for competency in rows:
        record = record_of(competency, COMPETENCY_FIELDS)
        record["levels"] = [record_of(level, LEVEL_FIELDS) for level in competency.levels]
        records.append(record)
    return records


async def _roster(
    session: AsyncSession, sitting_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rows = (
        await session.execute(
            select(Enrollment, Participant, Seat.label)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .outerjoin(Seat, Seat.id == Enrollment.seat_id)
            .where(Enrollment.sitting_id == sitting_id)
            .order_by(Participant.participant_no)
        )
    ).all()
    position_ids = {p.position_id for _, p, _ in rows if p.position_id is not None}
    positions = {
        p.id: p
        for p in await session.scalars(select(Position).where(Position.id.in_(position_ids)))
    }
    standards: dict[int, dict[str, int]] = {pid: {} for pid in positions}
    for standard in await session.scalars(
        select(CompetencyStandard).where(CompetencyStandard.position_id.in_(position_ids))
    ):
        standards[standard.position_id][standard.competency_code] = standard.required_level
    participants, roster = [], []
    for enrollment, participant, seat_label in rows:
        record = record_of(participant, PARTICIPANT_FIELDS)
        position = positions.get(participant.position_id or 0)
        record["position_code"] = position.code if position else None
        participants.append(record)
        roster.append(
            {
                "participant_no": participant.participant_no,
                "seat": seat_label,
                "attendance": enrollment.attendance,
            }
        )
    position_records = [
        {**record_of(p, POSITION_FIELDS), "standards": dict(sorted(standards[p.id].items()))}
        for p in sorted(positions.values(), key=lambda p: p.code)
    ]
    return participants, roster, position_records


async def wave_records(session: AsyncSession, sitting_id: int) -> dict[str, Any]:
    """The payload of the wave package of this sitting, keyed by ids every server shares."""
    sitting = await _sitting(session, sitting_id)
    blueprint, blueprint_record = await _blueprint(session, sitting.blueprint_id)
    items, media = await _items(session, await drawable_versions(session, blueprint))
    participants, roster, positions = await _roster(session, sitting.id)
    policy = (
        await session.get(ScoringPolicy, sitting.scoring_policy_id)
        if sitting.scoring_policy_id
        else None
    )
    browser = await session.get(BrowserPolicy, sitting.id)
    return {
        "sitting": {
            "external_id": str(sitting.external_id),
            **record_of(sitting, SITTING_FIELDS),
            "browser_policy": record_of(browser, BROWSER_FIELDS) if browser else None,
        },
        "room": await _room(session, sitting.room_id),
        "blueprint": blueprint_record,
        "items": items,
        "media": media,
        "competencies": await _competencies(session),
        "positions": positions,
        "participants": participants,
        "roster": roster,
        "scoring_policy": record_of(policy, POLICY_FIELDS) if policy else None,
    }
