"""A results package from the room's database into the office's: the office's merged rows equal
the room's, compared by the ids both servers share; any order, any repetition, the same state;
a damaged, foreign or conflicting package writes nothing (a conflict leaves a refusal row)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner
from typer.testing import Result as CliResult

from cact.audit.models import AuditEvent
from cact.cli import app
from cact.exam import opening
from cact.exam.models import AnswerLog, Attempt, AttemptItem, Response, Sitting
from cact.exam.statuses import AttemptStatus
from cact.keys import service as keys
from cact.keys.identity import Identity, init_identity
from cact.packages.envelope import NotForThisServer, PackageTampered, UnknownSigner
from cact.packages.models import PackageReceipt
from cact.packages.repository import RefusalRepository
from cact.packages.results import ResultsRefused
from cact.packages.results_export import NoResultsRecipient, export_results, results_records
from cact.packages.service import export_wave, import_package, preview_package
from cact.proctoring import service as proctoring
from cact.scoring.closing import close_and_score
from cact.scoring.models import Result, ResultCompetency
from tests.fixtures.factories import create_staff, login
from tests.packages.conftest import ACTOR, scheduled_wave

pytestmark = pytest.mark.usefixtures("room_trusts_office")


class Room:
    """The room's side of one sitting: the wave applied, then participants at work."""

    def __init__(self, db: AsyncSession, sitting: Sitting) -> None:
        self.db, self.sitting = db, sitting

    async def attempts(self) -> list[Attempt]:
        return list(
            await self.db.scalars(
                select(Attempt).where(Attempt.sitting_id == self.sitting.id).order_by(Attempt.id)
            )
        )

    async def answer(self, attempt: Attempt, count: int, choice: int = 0) -> None:
        """``count`` answers (and their log rows), as the kiosk's answer path writes them."""
        now = datetime.now(UTC)
        if attempt.status == AttemptStatus.NOT_STARTED:
            attempt.status, attempt.started_at = AttemptStatus.IN_PROGRESS, now
        items = list(
            await self.db.scalars(
                select(AttemptItem)
                .where(AttemptItem.attempt_id == attempt.id)
                .order_by(AttemptItem.number)
                .limit(count)
            )
        )
        for item in items:
            option = item.option_order[choice % len(item.option_order)]
            response = await self.db.get(Response, item.id)
            seq = 1 if response is None else response.seq + 1
            if response is None:
                self.db.add(
                    Response(
                        attempt_item_id=item.id,
                        attempt_id=attempt.id,
                        option_id=option,
                        seq=seq,
                        first_answered_at=now,
                        saved_at=now,
                    )
                )
            else:
                response.option_id, response.seq, response.saved_at = option, seq, now
                response.change_count += 1
            self.db.add(
                AnswerLog(
                    attempt_id=attempt.id,
                    attempt_item_id=item.id,
                    option_id=option,
                    doubtful=False,
                    seq=seq,
                    received_at=now,
                    ip="10.0.0.7",
                )
            )
        await self.db.flush()

    async def finish(self, attempt: Attempt) -> None:
        await close_and_score(
            self.db, attempt, datetime.now(UTC), AttemptStatus.SUBMITTED, "finished"
        )
        await self.db.flush()


async def _room_sitting(room_db: AsyncSession, office_sitting: Sitting) -> Sitting:
    found = await room_db.scalar(
        select(Sitting).where(Sitting.external_id == office_sitting.external_id)
    )
    assert found is not None
    return found


async def _wave_in_room(
    db: AsyncSession,
    room_db: AsyncSession,
    office: Identity,
    room: Identity,
    participants: int = 4,
    *,
    also_to: Identity | None = None,
) -> tuple[Sitting, Room]:
    """The office's sitting, its wave applied in the room, opened and started there; the
    office trusts the room."""
    sitting = await scheduled_wave(db, participants=participants)
    await keys.trust(db, room.public, ACTOR, role="room")
    if also_to is not None:
        await export_wave(db, sitting.id, office, also_to.public, ACTOR)
    await import_package(
        room_db, await export_wave(db, sitting.id, office, room.public, ACTOR), ACTOR, room
    )
    there = await _room_sitting(room_db, sitting)
    await opening.open_sitting(room_db, there.id, ACTOR)
    await proctoring.start_sitting(room_db, there.id, ACTOR)
    await room_db.flush()
    return sitting, Room(room_db, there)


async def _worked(room: Room) -> None:
    """The first participant finished; the second answered some and has an incident."""
    first, second, *_ = await room.attempts()
    await room.answer(first, 6)
    await room.answer(first, 2, choice=1)  # two changed answers: the log has 8 rows
    await room.finish(first)
    await room.answer(second, 3)
    await proctoring.incident(
        room.db, room.sitting.id, "Layar kiosk mati sebentar", ACTOR, attempt_id=second.id
    )
    await room.db.flush()


def _without_office_audit(records: dict[str, Any], room_audit: set[str]) -> dict[str, Any]:
    return {**records, "audit": [a for a in records["audit"] if a["external_id"] in room_audit]}


async def _dump(db: AsyncSession, sitting_id: int, room_audit: set[str]) -> dict[str, Any]:
    """The office's merged state by global ids (its own audit rows left out), and the counts."""
    records = _without_office_audit(await results_records(db, sitting_id), room_audit)
    counts = {}
    for model in (Attempt, AttemptItem, Response, AnswerLog, Result, ResultCompetency):
        counts[model.__tablename__] = int(
            await db.scalar(select(func.count()).select_from(model)) or 0
        )
    return {"records": records, "counts": counts}


async def _counts(db: AsyncSession) -> tuple[int, ...]:
    found = []
    for model in (Attempt, AnswerLog, Result, AuditEvent, PackageReceipt):
        found.append(int(await db.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(found)


def _audit_ids(records: dict[str, Any]) -> set[str]:
    return {a["external_id"] for a in records["audit"]}


async def test_the_offices_merged_results_equal_the_rooms(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting, there = await _wave_in_room(db, room_db, office, room)
    sitting_id = sitting.id
    await _worked(there)
    await proctoring.close_sitting(room_db, there.sitting.id, "selesai", ACTOR, datetime.now(UTC))
    await room_db.flush()
    room_records = await results_records(room_db, there.sitting.id)  # what the package holds
    data = await export_results(room_db, there.sitting.id, room, None, ACTOR)  # to the office

    preview = await preview_package(db, data, ACTOR, office)
    assert not preview.applied and preview.summary["created.attempt"] == 4
    assert await db.scalar(select(func.count()).where(Attempt.sitting_id == sitting_id)) == 0
    done = await import_package(db, data, ACTOR, office)
    assert done.applied and done.kind == "results" and done.summary == preview.summary
    assert done.summary["appended.answer_log"] == 11 and done.summary["created.result"] == 2

    merged = await results_records(db, sitting_id)
    assert _without_office_audit(merged, _audit_ids(room_records)) == room_records
    assert merged["sitting"]["status"] == "closed"
    incident = [a for a in merged["audit"] if a["action"] == "sitting.incident"]
    assert incident and incident[0]["target_attempt"] == room_records["attempts"][1]["external_id"]
    office_attempt = await db.scalar(
        select(Attempt).where(
            Attempt.external_id == uuid.UUID(room_records["attempts"][1]["external_id"])
        )
    )
    assert office_attempt is not None and office_attempt.origin_server == room.fingerprint
    event = await db.scalar(
        select(AuditEvent).where(AuditEvent.external_id == uuid.UUID(incident[0]["external_id"]))
    )
    assert event is not None and event.target_id == str(office_attempt.id)  # the office's id

    before = await _dump(db, sitting_id, _audit_ids(room_records))
    again = await import_package(db, data, ACTOR, office)  # "sudah diterapkan"
    assert again.already_applied and not again.applied
    assert await _dump(db, sitting_id, _audit_ids(room_records)) == before


async def test_earlier_and_later_packages_in_either_order_end_in_the_same_state(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting, there = await _wave_in_room(db, room_db, office, room)
    sitting_id = sitting.id
    await _worked(there)
    earlier = await export_results(room_db, there.sitting.id, room, None, ACTOR)
    _, second, third, _ = await there.attempts()
    await there.answer(second, 5, choice=2)  # changes three answers, adds two
    await there.answer(third, 4)
    await proctoring.close_sitting(room_db, there.sitting.id, "selesai", ACTOR, datetime.now(UTC))
    await room_db.flush()
    later_records = await results_records(room_db, there.sitting.id)  # what ``later`` holds
    later = await export_results(room_db, there.sitting.id, room, None, ACTOR)
    room_audit = _audit_ids(later_records)

    states = []
    for first, then in ((earlier, later), (later, earlier), (later, later), (earlier, earlier)):
        savepoint = await db.begin_nested()
        await import_package(db, first, ACTOR, office)
        applied = await import_package(db, then, ACTOR, office)
        states.append(await _dump(db, sitting_id, room_audit))
        if first is later and then is earlier:
            assert applied.summary.get("updated.attempt", 0) == 0  # an earlier one changes nothing
            assert applied.summary["unchanged.attempt"] == 4
        await savepoint.rollback()
        db.expunge_all()
    assert states[0] == states[1] == states[2]
    assert states[3] != states[0]  # the earlier package alone is another state (the test can fail)
    assert states[0]["records"] == _without_office_audit(later_records, room_audit)
    log_rows = states[0]["records"]["attempts"][1]["answer_log"]
    assert len(log_rows) == 8 and log_rows[:3] == states[3]["records"]["attempts"][1]["answer_log"]


async def test_a_flipped_byte_a_stranger_or_another_office_writes_nothing(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity, tmp_path: Path
) -> None:
    sitting, there = await _wave_in_room(db, room_db, office, room)
    sitting_external_id = sitting.external_id
    await _worked(there)
    before = await _counts(db)
    damaged = bytearray(await export_results(room_db, there.sitting.id, room, None, ACTOR))
    damaged[len(damaged) // 2] ^= 0x10
    with pytest.raises(PackageTampered):
        await import_package(db, bytes(damaged), ACTOR, office)
    stranger = init_identity(tmp_path / "stranger", "Lab tak dikenal")
    with pytest.raises(UnknownSigner):
        await import_package(
            db,
            await export_results(room_db, there.sitting.id, stranger, office.public, ACTOR),
            ACTOR,
            office,
        )
    other_office = init_identity(tmp_path / "other-office", "Kantor lain")
    with pytest.raises(NotForThisServer):
        await import_package(
            db,
            await export_results(room_db, there.sitting.id, room, other_office.public, ACTOR),
            ACTOR,
            office,
        )
    assert await _counts(db) == before
    assert await RefusalRepository(db).for_sitting(sitting_external_id) == []


async def test_a_room_the_wave_was_not_sent_to_is_refused(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity, tmp_path: Path
) -> None:
    _, there = await _wave_in_room(db, room_db, office, room)
    await _worked(there)
    elsewhere = init_identity(tmp_path / "elsewhere", "Lab lain")
    await keys.trust(db, elsewhere.public, ACTOR, role="room")  # trusted, but not this wave's
    data = await export_results(room_db, there.sitting.id, elsewhere, office.public, ACTOR)
    before = await _counts(db)
    with pytest.raises(ResultsRefused) as refused:
        await import_package(db, data, ACTOR, office)
    assert "was sent to" in str(refused.value.detail) and "dikirim ke" in str(refused.value.detail)
    assert await _counts(db) == before


async def test_a_conflicting_attempt_from_another_room_is_refused_and_shown(
    client: AsyncClient,
    db: AsyncSession,
    room_db: AsyncSession,
    office: Identity,
    room: Identity,
    tmp_path: Path,
) -> None:
    backup = init_identity(tmp_path / "backup", "Lab cadangan")
    sitting, there = await _wave_in_room(db, room_db, office, room, also_to=backup)
    sitting_id, sitting_external_id = sitting.id, sitting.external_id
    await keys.trust(db, backup.public, ACTOR, role="room")
    await _worked(there)
    await import_package(
        db, await export_results(room_db, there.sitting.id, room, None, ACTOR), ACTOR, office
    )
    room_records = await results_records(room_db, there.sitting.id)
    merged = await _dump(db, sitting_id, _audit_ids(room_records))
    before = await _counts(db)
    # The backup room (the wave went there too) sends results for the same attempts.
    first, *_ = await there.attempts()
    await there.answer(first, 1, choice=3)
    data = await export_results(room_db, there.sitting.id, backup, office.public, ACTOR)
    preview_refused = await _refusal(db, data, office, preview=True)
    assert "already received" in preview_refused
    assert (
        await RefusalRepository(db).for_sitting(sitting_external_id) == []
    )  # a preview keeps none
    message = await _refusal(db, data, office)
    participant = room_records["attempts"][0]["participant_no"]
    assert participant in message and "already received" in message and "sudah diterima" in message
    assert await _counts(db) == before
    assert await _dump(db, sitting_id, _audit_ids(room_records)) == merged
    refusals = await RefusalRepository(db).for_sitting(sitting_external_id)
    assert [(r.sender, r.participant_no, str(r.attempt_external_id)) for r in refusals] == [
        (backup.fingerprint, participant, room_records["attempts"][0]["external_id"])
    ]
    assert refusals[0].kind == "results" and "already received" in refusals[0].reason

    # The admin sees it over the API: the refusal and where the merged results came from.
    await login(client, await create_staff(db, "admin"))
    shown = await client.get(
        "/api/packages/refusals", params={"sitting_external_id": str(sitting_external_id)}
    )
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert [(r["sender"], r["participant_no"]) for r in body["refusals"]] == [
        (backup.fingerprint, participant)
    ]
    assert [s["sender"] for s in body["sources"]] == [room.fingerprint]
    latest = (await client.get("/api/packages/refusals")).json()["refusals"]
    assert latest[0]["package_id"] == body["refusals"][0]["package_id"]
    for bad in ({"sitting_external_id": "not-a-uuid"}, {"limit": "0"}, {"limit": "501"}):
        assert (await client.get("/api/packages/refusals", params=bad)).status_code == 422
    await login(client, await create_staff(db, "proctor"))
    assert (await client.get("/api/packages/refusals")).status_code == 403


async def _refusal(db: AsyncSession, data: bytes, office: Identity, preview: bool = False) -> str:
    with pytest.raises(ResultsRefused) as refused:
        if preview:
            await preview_package(db, data, ACTOR, office)
        else:
            await import_package(db, data, ACTOR, office)
    return str(refused.value.detail)


async def test_without_a_wave_receipt_the_room_must_name_the_office(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(room_db, participants=2)
    with pytest.raises(NoResultsRecipient) as refused:
        await export_results(room_db, sitting.id, room, None, ACTOR)
    assert "--to" in str(refused.value.detail)
    data = await export_results(room_db, sitting.id, room, office.public, ACTOR)
    await keys.trust(db, room.public, ACTOR, role="room")
    with pytest.raises(ResultsRefused) as unknown:
        await import_package(db, data, ACTOR, office)
    assert "not on this server" in str(unknown.value.detail)


async def test_the_results_command_refuses_with_a_message_and_writes_no_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, office: Identity
) -> None:
    monkeypatch.setenv("CACT_DATABASE_URL", database_url)
    monkeypatch.setenv("CACT_DATA_DIR", str(tmp_path / "room-cli"))
    runner = CliRunner()
    out = tmp_path / "results.cactpkg"

    def run(*args: str) -> CliResult:
        return runner.invoke(app, ["package", "results", *args, "-o", str(out)])

    no_keys = await asyncio.to_thread(run, "--sitting", "1")
    assert no_keys.exit_code == 1 and "keys init" in no_keys.output
    init_identity(tmp_path / "room-cli", "Lab CLI")
    (tmp_path / "junk.key").write_text("bukan kunci", "utf-8")
    bad_key = await asyncio.to_thread(run, "--sitting", "1", "--to", str(tmp_path / "junk.key"))
    assert bad_key.exit_code == 1 and bad_key.output.strip()
    office_key = tmp_path / "office.key"
    office_key.write_text(office.public.to_file(), "utf-8")
    unknown = await asyncio.to_thread(run, "--sitting", "987654321", "--to", str(office_key))
    assert unknown.exit_code == 1 and "No such sitting" in unknown.output
    assert not out.exists()
