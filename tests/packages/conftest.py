"""Two servers' databases: the office is the test database, the room a second database on the
same PostgreSQL, built by the same migrations; each has its own identity in its own folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cact.audit.service import Actor
from cact.blueprints.repository import BlueprintRepository
from cact.demo import service as demo
from cact.exam.models import Sitting
from cact.keys import service as keys
from cact.keys.identity import Identity, init_identity
from cact.kit import migrate
from cact.kit.db import create_engine
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings
from cact.standards.models import CompetencyStandard
from tests.conftest import _savepoint_sessions, load_reference_data, recreate_database
from tests.fixtures.database import TestServer

ACTOR = Actor.system("test")
ROOM_DATABASE = "cact_test_room"


@pytest.fixture(scope="session")
async def room_engine(pg_server: TestServer) -> AsyncIterator[AsyncEngine]:
    url = await recreate_database(pg_server, ROOM_DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=2, max_overflow=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def room_db(room_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with room_engine.connect() as conn:
        transaction = await conn.begin()
        async with _savepoint_sessions(conn)() as session:
            yield session
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def office(tmp_path: Path) -> Identity:
    return init_identity(tmp_path / "office", "Kantor BKPSDM")


@pytest.fixture
def room(tmp_path: Path) -> Identity:
    return init_identity(tmp_path / "room", "Lab SMKN 1")


@pytest.fixture
async def room_trusts_office(room_db: AsyncSession, office: Identity) -> None:
    await keys.trust(room_db, office.public, ACTOR, role="office")


async def scheduled_wave(db: AsyncSession, participants: int = 12) -> Sitting:
    """A demo-bank sitting, scheduled tomorrow, with a roster in seats and standards."""
    await demo.load_bank(db)
    room = await rooms.by_code(db, "LAB-WAVE") or await rooms.create_grid_room(
        db, "LAB-WAVE", "Lab Gelombang", rows=max(1, participants // 10 + 1), cols=10, actor=ACTOR
    )
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    sitting = await sittings.create_sitting(
        db,
        code="WAVE-1",
        title="Gelombang 1",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=1),
        actor=ACTOR,
    )
    await db.refresh(room, ["seats"])
    people = await demo._participants(db, participants)
    for position in await demo._positions(db):
        for code, level in (("M.01", 3), ("M.02", 3), ("SK.01", 2)):
            standard = CompetencyStandard(
                position_id=position.id, competency_code=code, required_level=level
            )
            await db.merge(standard)
    await db.flush()
    await seating.enroll_in_seat_order(db, sitting, people, room.seats, ACTOR)
    await db.flush()
    return sitting
