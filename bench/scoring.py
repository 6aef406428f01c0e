"""Scoring a deadline herd: `python bench/scoring.py [ATTEMPTS] [ITEMS]` (default 2,000 × 120).

Builds a closed sitting of ATTEMPTS attempts with ITEMS items each (weighted and keyed, five
options, about 90 % answered) on an embedded PostgreSQL in a temporary directory (or
CACT_DATABASE_URL), then times ``cact.scoring.service.score_attempts`` over all of them in one
transaction, commit included. Target: < 10 s on a 2-core room server.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.import_items import KNOWN, generated_set
from cact.audit.service import Actor
from cact.bank import service as bank
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.competencies.service import load_standard_dictionary
from cact.exam.models import Sitting
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.rooms.models import Room
from cact.scoring import service as scoring
from cact.standards.models import Position
from cact.standards.service import import_standards
from cact.standards.uploads import StandardRow

ACTOR = Actor.system("bench")
BANK_ITEMS = 900


async def _bank(db: AsyncSession) -> list[tuple[int, list[int]]]:
    """The bank, and each item version with its option ids."""
    await load_standard_dictionary(db, ACTOR)
    await bank.import_item_sets(db, [generated_set(BANK_ITEMS)], {}, ACTOR)
    rows = await db.execute(
        select(ItemVersion.id, ItemOption.id)
        .join(Item, Item.id == ItemVersion.item_id)
        .join(ItemOption, ItemOption.item_version_id == ItemVersion.id)
        .order_by(ItemVersion.id, ItemOption.position)
    )
    options: dict[int, list[int]] = {}
    for version_id, option_id in rows:
        options.setdefault(version_id, []).append(option_id)
    return list(options.items())


async def _sitting(db: AsyncSession) -> tuple[int, int]:
    room = Room(code="LAB-BENCH", name="Lab Bench", seats=[])
    blueprint = Blueprint(code="BENCH", title="Bench", sections=[])
    blueprint.sections.append(
        BlueprintSection(position=1, title="Semua", time_limit_seconds=3600, rules=[])
    )
    db.add_all([room, blueprint])
    await db.flush()
    sitting = Sitting(
        code="SESI-BENCH",
        title="Bench",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC),
        status="closed",
    )
    db.add(sitting)
    await db.flush()
    return sitting.id, blueprint.sections[0].id


async def _standards(db: AsyncSession) -> list[int]:
    codes = sorted(KNOWN)
    report = await import_standards(
        db,
        [
            StandardRow(f"JF-BENCH-{n}", f"Bench {n}", "fungsional", dict.fromkeys(codes, n))
            for n in (2, 3, 4)
        ],
        ACTOR,
    )
    assert len(report.positions_created) == 3
    return list((await db.scalars(select(Position.id).order_by(Position.code))).all())


async def build(db: AsyncSession, attempts: int, items: int) -> list[int]:
    """A closed sitting of ``attempts`` submitted attempts, each with ``items`` items."""
    bank_versions = await _bank(db)
    sitting_id, section_design = await _sitting(db)
    positions = await _standards(db)
    connection = await db.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None

    async def ids(table: str, n: int) -> list[int]:
        rows = await raw.fetch(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)",
            n,
        )
        return [r[0] for r in rows]

    now = datetime.now(UTC)
    people = await ids("participant", attempts)
    await raw.copy_records_to_table(
        "participant",
        records=[
            (pid, f"B{n:06d}", f"Peserta {n}", positions[n % 3], ("below", "meets", "above")[n % 3])
            for n, pid in enumerate(people)
        ],
        columns=("id", "participant_no", "name", "position_id", "performance_rating"),
    )
    enrollments = await ids("enrollment", attempts)
    await raw.copy_records_to_table(
        "enrollment",
        records=[
            (eid, sitting_id, pid, "present") for eid, pid in zip(enrollments, people, strict=True)
        ],
        columns=("id", "sitting_id", "participant_id", "attendance"),
    )
    attempt_ids = await ids("attempt", attempts)
    await raw.copy_records_to_table(
        "attempt",
        records=[
            (aid, eid, sitting_id, pid, "submitted", n, now, now, "finished", False)
            for n, (aid, eid, pid) in enumerate(zip(attempt_ids, enrollments, people, strict=True))
        ],
        columns=(
            "id",
            "enrollment_id",
            "sitting_id",
            "participant_id",
            "status",
            "form_seed",
            "started_at",
            "closed_at",
            "close_reason",
            "paused",
        ),
    )
    sections = await ids("attempt_section", attempts)
    await raw.copy_records_to_table(
        "attempt_section",
        records=[
            (sid, aid, section_design, 1, "closed", 3_600_000, 0, 0)
            for sid, aid in zip(sections, attempt_ids, strict=True)
        ],
        columns=(
            "id",
            "attempt_id",
            "blueprint_section_id",
            "position",
            "status",
            "time_limit_ms",
            "extra_ms",
            "paused_ms",
        ),
    )
    noise = random.Random(2026)
    item_rows, responses = [], []
    attempt_item_ids = iter(await ids("attempt_item", attempts * items))
    for aid, sid in zip(attempt_ids, sections, strict=True):
        for number, (version_id, options) in enumerate(noise.sample(bank_versions, items), 1):
            item_id = next(attempt_item_ids)
            item_rows.append((item_id, aid, sid, version_id, number, options))
            if noise.random() < 0.9:
                responses.append((item_id, aid, noise.choice(options), False, number, now, now, 1))
    await raw.copy_records_to_table(
        "attempt_item",
        records=item_rows,
        columns=(
            "id",
            "attempt_id",
            "attempt_section_id",
            "item_version_id",
            "number",
            "option_order",
        ),
    )
    await raw.copy_records_to_table(
        "response",
        records=responses,
        columns=(
            "attempt_item_id",
            "attempt_id",
            "option_id",
            "doubtful",
            "seq",
            "first_answered_at",
            "saved_at",
            "change_count",
        ),
    )
    await raw.execute("ANALYZE")
    return attempt_ids


def main(attempts: int, items: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        url = os.environ.get("CACT_DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        migrate.upgrade(url)
        built = time.perf_counter()
        attempt_ids = run_in_transaction(url, lambda db: build(db, attempts, items))
        print(f"built {attempts} attempts × {items} items in {time.perf_counter() - built:.1f} s")

        started = time.perf_counter()
        results = run_in_transaction(
            url, lambda db: scoring.score_attempts(db, attempt_ids, reason="close", actor=ACTOR)
        )
        seconds = time.perf_counter() - started
        assert len(results) == attempts and all(r.jpm is not None for r in results)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"score_attempts: {attempts} attempts, {attempts * items:,} items scored")
        print(f"total (one transaction, commit included): {seconds:.2f} s  (target < 10 s)")
        print(f"per attempt: {seconds / attempts * 1000:.2f} ms")
        print(f"peak RSS: {rss:.0f} MiB")
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*(arguments + [2_000, 120][len(arguments) :]))
