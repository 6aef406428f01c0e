"""A wave package from the office's database into the room's: the room's sitting, roster,
items and standards equal the office's, compared by the ids both servers share."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import ItemVersion
from cact.exam.models import Sitting
from cact.keys.identity import Identity, init_identity
from cact.packages.envelope import NotForThisServer, PackageTampered
from cact.packages.models import PackageReceipt
from cact.packages.service import export_wave, import_package, preview_package
from cact.packages.wave import OlderPackage, SittingAlreadyOpened, WaveConflict
from cact.packages.wave_export import wave_records
from cact.participants.models import Participant
from tests.packages.conftest import ACTOR, scheduled_wave

pytestmark = pytest.mark.usefixtures("room_trusts_office")


async def _room_sitting(room_db: AsyncSession, office_sitting: Sitting) -> Sitting:
    found = await room_db.scalar(
        select(Sitting).where(Sitting.external_id == office_sitting.external_id)
    )
    assert found is not None
    return found


async def _state(db: AsyncSession) -> tuple[int, ...]:
    counts = []
    for model in (Sitting, Participant, ItemVersion, PackageReceipt, AuditEvent):
        counts.append(int(await db.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(counts)


async def test_export_at_the_office_import_in_the_room_equal_by_global_ids(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=12)
    data = await export_wave(db, sitting.id, office, room.public, ACTOR)
    preview = await preview_package(room_db, data, ACTOR, room)
    assert not preview.applied and preview.summary["created.participant"] == 12
    assert (
        await room_db.scalar(
            select(func.count())
            .select_from(Sitting)
            .where(Sitting.external_id == sitting.external_id)
        )
        == 0
    )
    done = await import_package(room_db, data, ACTOR, room)
    assert done.applied and done.summary == preview.summary
    assert done.summary["created.enrollment"] == 12 and done.summary["created.sitting"] == 1
    there = await _room_sitting(room_db, sitting)
    assert await wave_records(room_db, there.id) == await wave_records(db, sitting.id)

    before = await _state(room_db)
    again = await import_package(room_db, data, ACTOR, room)  # "sudah diterapkan"
    assert again.already_applied and not again.applied
    assert await _state(room_db) == before


async def test_a_newer_package_updates_an_older_one_is_refused(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=6)
    first = await export_wave(db, sitting.id, office, room.public, ACTOR)
    sitting.title = "Gelombang 1 (jadwal baru)"
    await db.execute(
        update(Participant).where(Participant.participant_no == "DEMO-001").values(name="Nama Baru")
    )
    await db.flush()
    second = await export_wave(db, sitting.id, office, room.public, ACTOR)
    await import_package(room_db, first, ACTOR, room)
    newer = await import_package(room_db, second, ACTOR, room)
    assert newer.summary["updated.sitting"] == 1 and newer.summary["updated.participant"] == 1
    there = await _room_sitting(room_db, sitting)
    assert await wave_records(room_db, there.id) == await wave_records(db, sitting.id)
    before = await _state(room_db)
    third = await export_wave(db, sitting.id, office, room.public, ACTOR)
    fourth = await export_wave(db, sitting.id, office, room.public, ACTOR)
    await import_package(room_db, fourth, ACTOR, room)
    before = await _state(room_db)
    with pytest.raises(OlderPackage):
        await import_package(room_db, third, ACTOR, room)
    assert await _state(room_db) == before


async def test_an_opened_sitting_refuses_a_newer_package(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=4)
    await import_package(
        room_db, await export_wave(db, sitting.id, office, room.public, ACTOR), ACTOR, room
    )
    there = await _room_sitting(room_db, sitting)
    there.status = "open"
    await room_db.flush()
    newer = await export_wave(db, sitting.id, office, room.public, ACTOR)
    before = await _state(room_db)
    with pytest.raises(SittingAlreadyOpened) as refused:
        await import_package(room_db, newer, ACTOR, room)
    assert "already opened" in str(refused.value.detail)
    assert await _state(room_db) == before


async def test_another_rooms_package_or_a_flipped_byte_writes_nothing(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity, tmp_path: object
) -> None:
    sitting = await scheduled_wave(db, participants=4)
    other = init_identity(tmp_path / "other-room", "Lab SMAN 2")  # type: ignore[operator]
    before = await _state(room_db)
    with pytest.raises(NotForThisServer) as refused:
        await import_package(
            room_db, await export_wave(db, sitting.id, office, other.public, ACTOR), ACTOR, room
        )
    assert "another server" in str(refused.value.detail)
    damaged = bytearray(await export_wave(db, sitting.id, office, room.public, ACTOR))
    damaged[len(damaged) // 3] ^= 0x04
    with pytest.raises(PackageTampered):
        await import_package(room_db, bytes(damaged), ACTOR, room)
    assert await _state(room_db) == before


async def test_a_conflicting_item_version_is_refused_with_the_item_named(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=3)
    data = await export_wave(db, sitting.id, office, room.public, ACTOR)
    records = await wave_records(db, sitting.id)
    item = records["items"][0]
    await import_package(room_db, data, ACTOR, room)  # the room has the same version now
    await room_db.execute(
        update(ItemVersion)
        .where(ItemVersion.item_id == item["id"], ItemVersion.version == item["version"]["version"])
        .values(stem_html="<p>lain</p>")
    )
    there = await _room_sitting(room_db, sitting)
    newer = await export_wave(db, sitting.id, office, room.public, ACTOR)
    before = await _state(room_db)
    with pytest.raises(WaveConflict) as refused:
        await import_package(room_db, newer, ACTOR, room)
    assert item["id"] in str(refused.value.detail)
    assert await _state(room_db) == before and there.status == "scheduled"
