"""Exporting a big sitting: `python bench/export.py [ATTEMPTS] [ITEMS]` (default 10,000 × 150).

Builds a sitting of ATTEMPTS closed attempts × ITEMS weighted items (≈ 80 % answered) with
bulk COPY in an embedded PostgreSQL in a temporary directory (or CACT_DATABASE_URL), then
exports the responses as CSV and as XLSX to files, each in a fresh child process so that the
peak RSS printed is the export's own. Targets: ≤ 60 s and peak RSS < 300 MB each.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import cact.models  # noqa: F401  every table mapped before the first query
from cact.audit.service import Actor
from cact.blueprints.models import BlueprintSection
from cact.competencies.service import load_standard_dictionary
from cact.demo import service as demo
from cact.exports.service import write_export
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.db import create_engine
from cact.kit.embedded_pg import EmbeddedPostgres

BASE = 10_000_000  # explicit ids far above anything the demo rows took
COMPETENCIES = ["M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08", "SK.01"]
CHUNK = 250  # attempts per COPY batch


async def _copy(
    raw: object, table: str, columns: list[str], records: list[tuple[object, ...]]
) -> None:
    await raw.copy_records_to_table(table, records=records, columns=columns)  # type: ignore[attr-defined]


async def build(db: AsyncSession, attempts: int, items: int) -> int:
    await demo.load_bank(db)
    sitting = await demo.open_demo_sitting(db, participants=1)
    section_id = await db.scalar(
        select(BlueprintSection.id).where(BlueprintSection.blueprint_id == sitting.blueprint_id)
    )
    raw = (await (await db.connection()).get_raw_connection()).driver_connection
    rng = random.Random(1)
    now = datetime.now(UTC)
    item_ids = [f"BENCH-{n:04d}" for n in range(items)]
    await _copy(
        raw,
        "item",
        ["id", "competency_code", "kind", "status", "current_version", "created_at"],
        [
            (i, COMPETENCIES[n % len(COMPETENCIES)], "weighted", "active", 1, now)
            for n, i in enumerate(item_ids)
        ],
    )
    versions = [BASE + n for n in range(items)]
    await _copy(
        raw,
        "item_version",
        ["id", "item_id", "version", "stem_html", "created_at"],
        [(v, i, 1, "<p>Soal</p>", now) for v, i in zip(versions, item_ids, strict=True)],
    )
    options = {v: [BASE + 4 * n + k for k in range(4)] for n, v in enumerate(versions)}
    await _copy(
        raw,
        "item_option",
        ["id", "item_version_id", "position", "label", "text_html", "weight", "correct"],
        [
            (o, v, k + 1, "ABCD"[k], "<p>Pilihan</p>", k + 1, False)
            for v, ids in options.items()
            for k, o in enumerate(ids)
        ],
    )
    await _copy(
        raw,
        "participant",
        ["id", "participant_no", "name", "created_at"],
        [(BASE + a, f"B{a:06d}", f"Peserta Bench {a}", now) for a in range(attempts)],
    )
    await _copy(
        raw,
        "enrollment",
        ["id", "sitting_id", "participant_id", "attendance", "created_at"],
        [(BASE + a, sitting.id, BASE + a, "present", now) for a in range(attempts)],
    )
    now = datetime.now(UTC)
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
        ],
        [
            (BASE + a, BASE + a, sitting.id, BASE + a, "submitted", a, False, now, now, now)
            for a in range(attempts)
        ],
    )
    await _copy(
        raw,
        "attempt_section",
        [
            "id",
            "attempt_id",
            "blueprint_section_id",
            "position",
            "status",
            "time_limit_ms",
            "extra_ms",
            "paused_ms",
        ],
        [(BASE + a, BASE + a, section_id, 1, "closed", 3_600_000, 0, 0) for a in range(attempts)],
    )
    for start in range(0, attempts, CHUNK):
        presented, answers = [], []
        for a in range(start, min(start + CHUNK, attempts)):
            order = list(range(items))
            rng.shuffle(order)
            for number, n in enumerate(order, start=1):
                row_id = BASE * 10 + a * items + n
                version = versions[n]
                presented.append((row_id, BASE + a, BASE + a, version, number, options[version]))
                if rng.random() < 0.8:
                    at = now + timedelta(seconds=number * 20)
                    answers.append(
                        (
                            row_id,
                            BASE + a,
                            rng.choice(options[version]),
                            rng.random() < 0.05,
                            number,
                            at,
                            at,
                            rng.randint(1, 3),
                        )
                    )
        await _copy(
            raw,
            "attempt_item",
            ["id", "attempt_id", "attempt_section_id", "item_version_id", "number", "option_order"],
            presented,
        )
        await _copy(
            raw,
            "response",
            [
                "attempt_item_id",
                "attempt_id",
                "option_id",
                "doubtful",
                "seq",
                "first_answered_at",
                "saved_at",
                "change_count",
            ],
            answers,
        )
    return sitting.id


async def export(url: str, sitting_id: int, fmt: str, out: BinaryIO) -> None:

    engine = create_engine(url, pool_size=1, max_overflow=0)
    await write_export(engine, "responses", sitting_id, fmt, out, bom=fmt == "csv")
    await engine.dispose()


def child(url: str, sitting_id: int, fmt: str, path: str) -> None:
    started = time.perf_counter()
    with open(path, "wb") as out:
        asyncio.run(export(url, sitting_id, fmt, out))
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = os.path.getsize(path) / 1024 / 1024
    print(f"responses.{fmt}: {seconds:.1f} s, peak RSS {rss:.0f} MiB, file {size:.0f} MiB")


def main(attempts: int, items: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        url = os.environ.get("CACT_DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        try:
            migrate.upgrade(url)
            run_in_transaction(url, lambda db: load_standard_dictionary(db, Actor.system("bench")))
            started = time.perf_counter()
            sitting_id = run_in_transaction(url, lambda db: build(db, attempts, items))
            asyncio.run(_analyze(url))
            built = time.perf_counter() - started
            print(f"built {attempts} attempts × {items} items in {built:.1f} s")
            print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for fmt in ("csv", "xlsx"):
                path = str(Path(tmp) / f"responses.{fmt}")
                subprocess.run(
                    [sys.executable, __file__, "--child", url, str(sitting_id), fmt, path],
                    check=True,
                )
            print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            if embedded:
                embedded.stop()


async def _analyze(url: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    await engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        args = [int(a) for a in sys.argv[1:3]]
        main(*(args + [10_000, 150][len(args) :]))
