"""Programme analytics at scale: `python bench/programme_analytics.py [PEOPLE]` (default 10,000).

Builds a programme of PEOPLE assessed people × 10 competencies (the demo standards: three
positions, 40 units, two closed waves, a performance rating for most) with bulk COPY into an
embedded PostgreSQL in a temporary directory (or CACT_DATABASE_URL), serves it with `cact serve`
on 127.0.0.1:$BENCH_PORT (default 8902), logs in as an admin and fetches every analytics page
and table RUNS times (default 3). Target: each page < 2 s.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.auth.models import StaffUser
from cact.auth.passwords import hash_password
from cact.blueprints.repository import BlueprintRepository
from cact.competencies.service import load_standard_dictionary
from cact.demo import service as demo
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.db import create_engine
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.programmes.models import Programme
from cact.rooms import service as rooms
from cact.scoring.service import ensure_default_policy
from cact.sittings import service as sittings
from cact.standards.models import CompetencyStandard, Position
from cact.standards.service import load_demo_standards

BASE = 20_000_000
ACTOR = Actor.system("bench")
PASSWORD = "bench-admin-password-2026"
UNITS = [f"Unit Kerja {n:02d}" for n in range(1, 41)]
RATINGS = ["below", "meets", "above", None]


async def _copy(
    raw: object, table: str, columns: list[str], rows: list[tuple[object, ...]]
) -> None:
    await raw.copy_records_to_table(table, records=rows, columns=columns)  # type: ignore[attr-defined]


async def build(db: AsyncSession, people: int) -> int:
    await demo.load_bank(db)
    await load_demo_standards(db, ACTOR)
    policy = await ensure_default_policy(db)
    db.add(
        StaffUser(
            username="bench",
            full_name="Bench",
            roles=["admin"],
            password_hash=hash_password(PASSWORD),
        )
    )
    programme = Programme(code="BENCH-PRG", title="Program bench 10.000")
    db.add(programme)
    room = await rooms.create_grid_room(db, "LAB-BENCH", "Lab Bench", rows=1, cols=1, actor=ACTOR)
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    now = datetime.now(UTC)
    waves = []
    for n in (1, 2):
        sitting = await sittings.create_sitting(
            db,
            code=f"BENCH-W{n}",
            title=f"Gelombang {n}",
            room_id=room.id,
            blueprint_id=blueprint.id,
            starts_at=now - timedelta(days=10 - n * 4),
            actor=ACTOR,
        )
        await db.flush()
        sitting.programme_id, sitting.status = programme.id, "closed"
        waves.append(sitting.id)
    await db.flush()
    positions = list(await db.scalars(select(Position).order_by(Position.code)))
    standards: dict[int, dict[str, int]] = {}
    for s in await db.scalars(select(CompetencyStandard)):
        standards.setdefault(s.position_id, {})[s.competency_code] = s.required_level
    raw = (await (await db.connection()).get_raw_connection()).driver_connection
    rng = random.Random(7)
    ids = range(BASE, BASE + people)
    pos_of = {i: positions[i % len(positions)] for i in ids}
    await _copy(
        raw,
        "participant",
        [
            "id",
            "participant_no",
            "nip",
            "name",
            "position_id",
            "unit",
            "performance_rating",
            "created_at",
        ],
        [
            (
                i,
                f"BP{i}",
                f"1990010120200{i % 100000:05d}",
                f"Pegawai {i - BASE:05d}",
                pos_of[i].id,
                UNITS[i % len(UNITS)],
                RATINGS[i % 4],
                now,
            )
            for i in ids
        ],
    )
    await _copy(
        raw,
        "programme_member",
        ["programme_id", "participant_id", "position_group", "added_at"],
        [(programme.id, i, pos_of[i].group, now) for i in ids],
    )
    await _copy(
        raw,
        "enrollment",
        ["id", "sitting_id", "participant_id", "attendance", "created_at"],
        [(i, waves[i % 2], i, "present", now) for i in ids],
    )
    await _copy(
        raw,
        "attempt",
        [
            "id",
            "enrollment_id",
            "sitting_id",
            "participant_id",
            "status",
            "form_seed",
            "paused",
            "created_at",
            "started_at",
            "closed_at",
            "scored_at",
        ],
        [(i, i, waves[i % 2], i, "submitted", i, False, now, now, now, now) for i in ids],
    )
    results, levels = [], []
    for i in ids:
        std = standards[pos_of[i].id]
        got = {
            c: max(1, min(5, need + rng.choice((-2, -1, -1, 0, 0, 0, 1, 1))))
            for c, need in std.items()
        }
        jpm = 100 * sum(min(got[c], std[c]) for c in std) / sum(std.values())
        potential = 2 if jpm >= 90 else (1 if jpm >= 78 else 0)
        rating = RATINGS[i % 4]
        box = (
            None
            if rating is None
            else ((1, 2, 4), (3, 5, 7), (6, 8, 9))[potential][RATINGS.index(rating)]
        )
        results.append(
            (
                i,
                i,
                1,
                True,
                policy.id,
                now,
                round(jpm, 2),
                "Optimal" if jpm >= 90 else "Kurang Optimal",
                box,
                "{}",
            )
        )
        levels += [(i, c, 0, 1, 0, got[c], std[c], got[c] - std[c]) for c in std]
    await _copy(
        raw,
        "result",
        [
            "id",
            "attempt_id",
            "version",
            "is_current",
            "policy_id",
            "scored_at",
            "jpm",
            "category",
            "nine_box",
            "details",
        ],
        results,
    )
    await _copy(
        raw,
        "result_competency",
        [
            "result_id",
            "competency_code",
            "raw_score",
            "max_score",
            "index",
            "attained_level",
            "required_level",
            "gap",
        ],
        levels,
    )
    return programme.id


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(base: str, programme_id: int, runs: int) -> None:
    matching = f"/admin/programmes/{programme_id}/matching"
    pages = {
        "overview": f"/admin/programmes/{programme_id}",
        "heat map": f"/admin/programmes/{programme_id}/heat-map",
        "heat map, one unit": f"/admin/programmes/{programme_id}/heat-map?unit=Unit+Kerja+07",
        "training needs": f"/admin/programmes/{programme_id}/training-needs",
        "nine-box": f"/admin/programmes/{programme_id}/nine-box",
        "matching JP-KABID": f"{matching}?position=JP-KABID",
        "matching, one sitting": f"{matching}?position=JF-AK-AP&sitting=",
        "A4 report": f"/reports/programmes/{programme_id}",
        "training needs .xlsx": f"/api/programmes/{programme_id}/tables/training-needs.xlsx",
        "matching .xlsx": f"/api/programmes/{programme_id}/tables/matching.xlsx?position=JP-KABID",
        "heat map JSON": f"/api/programmes/{programme_id}/analytics/heat-map",
    }
    with httpx.Client(base_url=base, timeout=120) as client:
        login = client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
        login.raise_for_status()
        sitting = client.get(f"/api/programmes/{programme_id}").json()["sittings"][0]["id"]
        print(f"load average before: {_load()}")
        for name, path in pages.items():
            path = path.replace("sitting=", f"sitting={sitting}")
            times, size = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
                size = len(response.content)
            print(
                f"{name:24s} median {statistics.median(times):5.2f} s  max {max(times):5.2f} s"
                f"  ({size / 1024:.0f} KiB)  load {_load()}"
            )
        print(f"load average after: {_load()}")


def main(people: int, runs: int) -> None:
    port = os.environ.get("BENCH_PORT", "8902")
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        url = os.environ.get("CACT_DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        server = None
        try:
            migrate.upgrade(url)
            run_in_transaction(url, lambda db: load_standard_dictionary(db, ACTOR))
            started = time.perf_counter()
            programme_id = run_in_transaction(url, lambda db: build(db, people))
            asyncio.run(_analyze(url))
            print(
                f"built {people} assessed people × 10 competencies"
                f" in {time.perf_counter() - started:.1f} s"
            )
            env = {
                **os.environ,
                "CACT_DATABASE_URL": url,
                "CACT_PORT": port,
                "CACT_HOST": "127.0.0.1",
            }
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("cact")), "serve"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            measure(base, programme_id, runs)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            if embedded:
                embedded.stop()


async def _analyze(url: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    await engine.dispose()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [10_000, 3][len(args) :]))
