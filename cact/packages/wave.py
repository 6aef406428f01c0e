"""Applying a wave package on the room server: all or nothing, in the caller's transaction.
Rows are matched by the ids every server shares (codes, participant numbers, item id +
version, the sitting's external id), never by local sequence numbers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, selectinload

from cact.audit.service import Actor
from cact.bank.models import Item, ItemOption, ItemVersion, Media
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.competencies.models import Competency, CompetencyLevel
from cact.exam.models import Enrollment, Sitting
from cact.exam.statuses import SittingStatus
from cact.kit.errors import Conflict
from cact.lockdown.models import BrowserPolicy
from cact.packages import wave_export as fields
from cact.packages.envelope import Header
from cact.packages.records import assign, record_of, values_of
from cact.packages.repository import ReceiptRepository
from cact.participants.models import Participant
from cact.rooms.models import Room, Seat
from cact.scoring.models import ScoringPolicy
from cact.standards.models import CompetencyStandard, Position


class OlderPackage(Conflict):
    code = "package_older"
    message = (
        "Paket ini lebih lama dari paket yang sudah diterapkan untuk sesi ini. / "
        "This package is older than the one already applied for this sitting."
    )


class SittingAlreadyOpened(Conflict):
    code = "sitting_already_opened"
    message = (
        "Sesi sudah dibuka di server ini; paket baru tidak dapat mengubahnya. / "
        "The sitting has already opened on this server; a newer package cannot change it."
    )


class WaveConflict(Conflict):
    code = "package_conflict"
    message = (
        "Isi paket bertentangan dengan data di server ini. / "
        "The package conflicts with this server's data."
    )


def _conflict(what: str) -> WaveConflict:
    indonesian, english = WaveConflict.message.split(" / ")
    return WaveConflict(f"{indonesian.rstrip('.')}: {what}. / {english.rstrip('.')}: {what}.")


class _Apply:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.counts: Counter[str] = Counter()

    def count(self, what: str, outcome: str, n: int = 1) -> None:
        self.counts[f"{outcome}.{what}"] += n

    async def upsert(
        self,
        model: type[DeclarativeBase],
        existing: DeclarativeBase | None,
        values: dict[str, Any],
        what: str,
    ) -> Any:
        if existing is None:
            row = model(**values)
            self.session.add(row)
            self.count(what, "created")
            return row
        self.count(what, "updated" if assign(existing, values) else "unchanged")
        return existing

    async def competencies(self, records: list[dict[str, Any]]) -> None:
        rows = {
            c.code: c
            for c in await self.session.scalars(
                select(Competency).options(selectinload(Competency.levels))
            )
        }
        for record in records:
            values = values_of(Competency, record, fields.COMPETENCY_FIELDS)
            levels = [
                values_of(CompetencyLevel, lv, fields.LEVEL_FIELDS) for lv in record["levels"]
            ]
            row = rows.get(record["code"])
            if row is None:
                row = Competency(**values, levels=[CompetencyLevel(**lv) for lv in levels])
                self.session.add(row)
                self.count("competency", "created")
                continue
            changed = assign(row, values)
            if [record_of(lv, fields.LEVEL_FIELDS) for lv in row.levels] != record["levels"]:
                row.levels = [CompetencyLevel(**lv) for lv in levels]
                changed = True
            self.count("competency", "updated" if changed else "unchanged")
        await self.session.flush()

    async def media(self, records: list[dict[str, Any]]) -> dict[str, int]:
        by_sha = {r["sha256"]: r for r in records}
        rows = {
            m.sha256: m
            for m in await self.session.scalars(select(Media).where(Media.sha256.in_(by_sha)))
        }
        for sha, record in by_sha.items():
            if sha in rows:
                self.count("media", "unchanged")
            else:
                rows[sha] = Media(**values_of(Media, record, fields.MEDIA_FIELDS))
                self.session.add(rows[sha])
                self.count("media", "created")
        await self.session.flush()
        return {sha: m.id for sha, m in rows.items()}

    async def items(self, records: list[dict[str, Any]], media_ids: dict[str, int]) -> None:
        ids = [r["id"] for r in records]
        items = {i.id: i for i in await self.session.scalars(select(Item).where(Item.id.in_(ids)))}
        versions = {
            (v.item_id, v.version): v
            for v in await self.session.scalars(
                select(ItemVersion)
                .options(selectinload(ItemVersion.options))
                .where(ItemVersion.item_id.in_(ids))
            )
        }
        for record in records:
            item_values = values_of(Item, record, fields.ITEM_FIELDS)
            item = items.get(record["id"])
            if item is not None and (item.competency_code, item.kind) != (
                record["competency_code"],
                record["kind"],
            ):
                raise _conflict(f"item {record['id']} (competency/kind)")
            await self.upsert(Item, item, item_values, "item")
            await self.session.flush()
            await self._version(record, versions, media_ids)
        await self.session.flush()

    async def _version(
        self,
        record: dict[str, Any],
        versions: dict[tuple[str, int], ItemVersion],
        media_ids: dict[str, int],
    ) -> None:
        body = record["version"]
        key = (record["id"], body["version"])
        existing = versions.get(key)
        values = values_of(ItemVersion, body, fields.VERSION_FIELDS)
        values["media_id"] = media_ids[body["media_sha256"]] if body["media_sha256"] else None
        if existing is None:
            version = ItemVersion(item_id=record["id"], **values)
            version.options = [
                ItemOption(**values_of(ItemOption, o, fields.OPTION_FIELDS))
                for o in body["options"]
            ]
            self.session.add(version)
            self.count("item_version", "created")
            return
        same = (
            all(getattr(existing, k) == v for k, v in values.items())
            and [record_of(o, fields.OPTION_FIELDS) for o in existing.options] == body["options"]
        )
        if not same:
            raise _conflict(
                f"item {record['id']} versi/version {body['version']} (isi lain / other content)"
            )
        self.count("item_version", "reused")

    async def positions(self, records: list[dict[str, Any]]) -> dict[str, int]:
        codes = [r["code"] for r in records]
        rows = {
            p.code: p
            for p in await self.session.scalars(select(Position).where(Position.code.in_(codes)))
        }
        for record in records:
            rows[record["code"]] = await self.upsert(
                Position,
                rows.get(record["code"]),
                values_of(Position, record, fields.POSITION_FIELDS),
                "position",
            )
        await self.session.flush()
        for record in records:
            position = rows[record["code"]]
            current = {
                s.competency_code: s.required_level
                for s in await self.session.scalars(
                    select(CompetencyStandard).where(CompetencyStandard.position_id == position.id)
                )
            }
            if current == record["standards"]:
                self.count("standard", "unchanged", len(current))
                continue
            await self.session.execute(
                delete(CompetencyStandard).where(CompetencyStandard.position_id == position.id)
            )
            for code, level in record["standards"].items():
                self.session.add(
                    CompetencyStandard(
                        position_id=position.id, competency_code=code, required_level=level
                    )
                )
            self.count("standard", "updated", len(record["standards"]))
        await self.session.flush()
        return {code: p.id for code, p in rows.items()}

    async def room(self, record: dict[str, Any]) -> tuple[Room, dict[str, int]]:
        room = await self.session.scalar(
            select(Room).options(selectinload(Room.seats)).where(Room.code == record["code"])
        )
        room = await self.upsert(Room, room, values_of(Room, record, fields.ROOM_FIELDS), "room")
        await self.session.flush()
        seats = {
            s.label: s
            for s in await self.session.scalars(select(Seat).where(Seat.room_id == room.id))
        }
        for seat in record["seats"]:
            values = values_of(Seat, seat, fields.SEAT_FIELDS)
            seats[seat["label"]] = await self.upsert(
                Seat, seats.get(seat["label"]), {**values, "room_id": room.id}, "seat"
            )
        await self.session.flush()
        return room, {label: s.id for label, s in seats.items()}

    async def blueprint(self, record: dict[str, Any], sitting_external_id: Any) -> Blueprint:
        row = await self.session.scalar(
            select(Blueprint)
            .options(selectinload(Blueprint.sections))
            .where(Blueprint.code == record["code"])
        )
        values = values_of(Blueprint, record, fields.BLUEPRINT_FIELDS)
        sections = [
            values_of(BlueprintSection, s, fields.SECTION_FIELDS) for s in record["sections"]
        ]
        if row is None:
            row = Blueprint(**values, sections=[BlueprintSection(**s) for s in sections])
            self.session.add(row)
            self.count("blueprint", "created")
            await self.session.flush()
            return row
        same_sections = [record_of(s, fields.SECTION_FIELDS) for s in row.sections] == record[
            "sections"
        ]
        if same_sections and not any(getattr(row, k) != v for k, v in values.items()):
            self.count("blueprint", "unchanged")
            return row
        others = await self.session.scalar(
            select(Sitting.id).where(
                Sitting.blueprint_id == row.id,
                Sitting.status != SittingStatus.SCHEDULED,
            )
        )
        if others is not None:
            raise _conflict(f"blueprint {record['code']} (sudah dipakai / already in use)")
        assign(row, values)
        if not same_sections:
            row.sections = []
            await self.session.flush()
            row.sections = [BlueprintSection(**s) for s in sections]
        self.count("blueprint", "updated")
        await self.session.flush()
        return row

    async def policy(self, record: dict[str, Any] | None) -> int | None:
        if record is None:
            return None
        row = await self.session.scalar(
            select(ScoringPolicy).where(
                ScoringPolicy.code == record["code"], ScoringPolicy.version == record["version"]
            )
        )
        if row is None:
            row = ScoringPolicy(**values_of(ScoringPolicy, record, fields.POLICY_FIELDS))
            self.session.add(row)
            await self.session.flush()
            self.count("scoring_policy", "created")
        elif row.body != record["body"]:
            raise _conflict(f"scoring policy {record['code']} v{record['version']}")
        else:
            self.count("scoring_policy", "unchanged")
        return row.id

    async def participants(
        self, records: list[dict[str, Any]], positions: dict[str, int]
    ) -> dict[str, int]:
        numbers = [r["participant_no"] for r in records]
        rows = {
            p.participant_no: p
            for p in await self.session.scalars(
                select(Participant).where(Participant.participant_no.in_(numbers))
            )
        }
        nips = {r["nip"]: r["participant_no"] for r in records if r["nip"]}
        for other in await self.session.scalars(
            select(Participant).where(Participant.nip.in_(nips))
        ):
            if other.participant_no != nips[other.nip or ""]:
                raise _conflict(f"NIP {other.nip} ({other.participant_no})")
        for record in records:
            values = values_of(Participant, record, fields.PARTICIPANT_FIELDS)
            values["position_id"] = positions.get(record["position_code"] or "")
            rows[record["participant_no"]] = await self.upsert(
                Participant, rows.get(record["participant_no"]), values, "participant"
            )
        await self.session.flush()
        return {no: p.id for no, p in rows.items()}

    async def sitting(
        self,
        header: Header,
        record: dict[str, Any],
        room: Room,
        blueprint: Blueprint,
        policy_id: int | None,
    ) -> Sitting:
        values = values_of(Sitting, record, fields.SITTING_FIELDS)
        values.update(room_id=room.id, blueprint_id=blueprint.id, scoring_policy_id=policy_id)
        row = await self.session.scalar(
            select(Sitting).where(Sitting.external_id == header.sitting_external_id)
        )
        clash = await self.session.scalar(
            select(Sitting).where(
                Sitting.code == record["code"], Sitting.external_id != header.sitting_external_id
            )
        )
        if clash is not None:
            raise _conflict(f"sitting code {record['code']} (another sitting)")
        row = await self.upsert(
            Sitting, row, {**values, "external_id": header.sitting_external_id}, "sitting"
        )
        assert isinstance(row, Sitting)
        await self.session.flush()
        browser = record["browser_policy"]
        existing = await self.session.get(BrowserPolicy, row.id)
        if browser is None and existing is not None:
            await self.session.delete(existing)
        elif browser is not None:
            values = values_of(BrowserPolicy, browser, fields.BROWSER_FIELDS)
            await self.upsert(
                BrowserPolicy, existing, {**values, "sitting_id": row.id}, "browser_policy"
            )
        await self.session.flush()
        return row

    async def roster(
        self,
        sitting: Sitting,
        records: list[dict[str, Any]],
        participants: dict[str, int],
        seats: dict[str, int],
    ) -> None:
        wanted = {
            participants[r["participant_no"]]: (seats.get(r["seat"] or ""), r["attendance"])
            for r in records
        }
        current = {
            e.participant_id: e
            for e in await self.session.scalars(
                select(Enrollment).where(Enrollment.sitting_id == sitting.id)
            )
        }
        gone = [e for pid, e in current.items() if pid not in wanted]
        for enrollment in gone:
            await self.session.delete(enrollment)
        self.count("enrollment", "removed", len(gone))
        for enrollment in current.values():  # free seats before they move
            if enrollment.participant_id in wanted and (
                enrollment.seat_id != wanted[enrollment.participant_id][0]
            ):
                enrollment.seat_id = None
        await self.session.flush()
        for pid, (seat_id, attendance) in wanted.items():
            values = {
                "sitting_id": sitting.id,
                "participant_id": pid,
                "seat_id": seat_id,
                "attendance": attendance,
            }
            await self.upsert(Enrollment, current.get(pid), values, "enrollment")
        await self.session.flush()


async def _check_order(session: AsyncSession, header: Header) -> None:
    latest = await ReceiptRepository(session).latest_version("wave", header.sitting_external_id)
    if latest is not None and header.version <= latest:
        raise OlderPackage(f"{OlderPackage.message} (versi/version {header.version} ≤ {latest})")
    sitting = await session.scalar(
        select(Sitting).where(Sitting.external_id == header.sitting_external_id).with_for_update()
    )
    if sitting is not None and sitting.status != SittingStatus.SCHEDULED:
        raise SittingAlreadyOpened(
            f"{SittingAlreadyOpened.message} ({sitting.code}: {sitting.status})"
        )


async def apply_wave(
    session: AsyncSession, header: Header, records: dict[str, Any], actor: Actor, dry_run: bool
) -> dict[str, int]:
    await _check_order(session, header)
    work = _Apply(session)
    await work.competencies(records["competencies"])
    media_ids = await work.media(records["media"])
    await work.items(records["items"], media_ids)
    positions = await work.positions(records["positions"])
    room, seats = await work.room(records["room"])
    blueprint = await work.blueprint(records["blueprint"], header.sitting_external_id)
    policy_id = await work.policy(records["scoring_policy"])
    participants = await work.participants(records["participants"], positions)
    sitting = await work.sitting(header, records["sitting"], room, blueprint, policy_id)
    await work.roster(sitting, records["roster"], participants, seats)
    return dict(sorted(work.counts.items()))
