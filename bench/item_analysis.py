"""The whole item analysis of a large sitting: `python bench/item_analysis.py [ATTEMPTS] [ITEMS]`
(default 2,000 × 120).

Builds a closed sitting on an embedded PostgreSQL in a temporary directory (or
CACT_DATABASE_URL): ATTEMPTS submitted attempts, each on its own form drawn from pools — ten of
30 weighted (1–4) items for each of the eight managerial competencies, a tenth of ITEMS from 25
weighted SK.01 items, the rest from 60 keyed T.ADM.01 items (five options) — answered from a
Rasch / partial credit model with known parameters, about 3 % blank, half the participants
female by their NIP. Then times what the product runs for it, phase by phase, with the product's
own functions: reading the cells, the classical statistics (CTT), the Rasch / PCM calibration of
every scale, storing the calibration, the page's Wright maps and curves, and DIF by gender. Then
once more end to end (``calibrated_analysis`` + ``sitting_dif``, as the item-analysis and DIF
pages call them). Target: < 30 s on a 2-core room server.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import calibration, dif, dif_service, pages, service, stats
from cact.analysis.stats import Cell
from cact.audit.service import Actor
from cact.bank import service as bank
from cact.bank.models import Item, ItemOption, ItemVersion
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.competencies.service import load_standard_dictionary
from cact.demo import service as demo
from cact.exam.models import Sitting
from cact.exports import queries
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.rooms.models import Room
from item_bank import ItemSet

ACTOR = Actor.system("bench")
MANAGERIAL = tuple(f"M.0{n}" for n in range(1, 9))
POOLS = {**dict.fromkeys(MANAGERIAL, 30), "SK.01": 25, "T.ADM.01": 60}
KEYED = "T.ADM.01"
BLANK = 0.03  # share of presented items left unanswered
FOCAL_SHIFT = -0.2  # the female group's mean ability
STEPS = (-1.0, 0.0, 1.0)  # partial credit thresholds around a weighted item's location


def draws(items: int) -> dict[str, int]:
    """How many items of each pool a form draws: ten per managerial scale, a tenth SK.01."""
    managerial = min(10, items // 12)
    social = max(1, items // 10)
    counts = {**dict.fromkeys(MANAGERIAL, managerial), "SK.01": social}
    counts[KEYED] = items - sum(counts.values())
    assert all(0 < counts[c] <= POOLS[c] for c in POOLS), counts
    return counts


def item_set() -> ItemSet:
    items: list[dict[str, object]] = []
    for code, size in POOLS.items():
        for n in range(1, size + 1):
            keyed = code == KEYED
            options: list[dict[str, object]] = []
            for k, label in enumerate("ABCDE" if keyed else "ABCD"):
                option: dict[str, object] = {"label": label, "text": f"Pilihan {label}"}
                if keyed:
                    option["correct"] = k == n % 5
                else:
                    option["weight"] = (k + n) % 4 + 1
                options.append(option)
            items.append(
                {
                    "id": f"BA-{code}-{n:03d}",
                    "competency": code,
                    "kind": "keyed" if keyed else "weighted",
                    "level": n % 5 + 1,
                    "stem": f"<p>Soal {code} nomor {n}: apa yang Anda lakukan?</p>",
                    "points": 1 if keyed else None,
                    "options": options,
                }
            )
    return ItemSet.model_validate({"title": "Bench analysis", "language": "id", "items": items})


def nip(n: int, female: bool) -> str:
    """Unique per n: born on day n after 1970-01-01, appointed 2000-01, gender digit, serial."""
    born = (date(1970, 1, 1) + timedelta(days=n * 3)).strftime("%Y%m%d")
    return f"{born}200001{2 if female else 1}{n % 1000:03d}"


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def pcm_category(theta: float, location: float, rng: random.Random) -> int:
    """A partial credit response 0..3 around ``location``."""
    logits = [0.0]
    for step in STEPS:
        logits.append(logits[-1] + theta - location - step)
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    return rng.choices(range(4), weights)[0]


async def _pools(db: AsyncSession) -> dict[str, list[tuple[int, bool, list[tuple[int, int]]]]]:
    """Per competency: (version id, keyed, [(option id, weight or correct)] by position)."""
    await load_standard_dictionary(db, ACTOR)
    await demo.load_bank(db)  # declares T.ADM.01
    await bank.import_item_sets(db, [item_set()], {}, ACTOR)
    rows = await db.execute(
        select(
            Item.competency_code,
            ItemVersion.id,
            Item.kind,
            ItemOption.id,
            ItemOption.weight,
            ItemOption.correct,
        )
        .join(ItemVersion, ItemVersion.item_id == Item.id)
        .join(ItemOption, ItemOption.item_version_id == ItemVersion.id)
        .where(Item.id.like("BA-%"))
        .order_by(ItemVersion.id, ItemOption.position)
    )
    options: dict[tuple[str, int, bool], list[tuple[int, int]]] = defaultdict(list)
    for code, version, kind, option, weight, correct in rows:
        keyed = kind == "keyed"
        options[(code, version, keyed)].append((option, int(correct) if keyed else int(weight)))
    pools: dict[str, list[tuple[int, bool, list[tuple[int, int]]]]] = defaultdict(list)
    for (code, version, keyed), listed in options.items():
        pools[code].append((version, keyed, listed))
    return pools


async def _sitting(db: AsyncSession) -> tuple[int, int]:
    room = Room(code="LAB-BENCH-ANALISIS", name="Lab Bench", seats=[])
    blueprint = Blueprint(code="BENCH-ANALISIS", title="Bench", sections=[])
    blueprint.sections.append(
        BlueprintSection(position=1, title="Semua", time_limit_seconds=7200, rules=[])
    )
    db.add_all([room, blueprint])
    await db.flush()
    now = datetime.now(UTC)
    sitting = Sitting(
        code="SESI-BENCH-ANALISIS",
        title="Bench analisis",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=now,
        status="closed",
        closed_at=now,
    )
    db.add(sitting)
    await db.flush()
    return sitting.id, blueprint.sections[0].id


async def build(db: AsyncSession, attempts: int, items: int) -> int:
    """The closed sitting; returns its id."""
    pools = await _pools(db)
    per_form = draws(items)
    sitting_id, section_design = await _sitting(db)
    connection = await db.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None

    async def ids(table: str, n: int) -> list[int]:
        rows = await raw.fetch(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)",
            n,
        )
        return [r[0] for r in rows]

    rng = random.Random(2026)
    location = {
        version: rng.uniform(-1.5, 1.5) for pool in pools.values() for version, _, _ in pool
    }
    now = datetime.now(UTC)
    people = await ids("participant", attempts)
    await raw.copy_records_to_table(
        "participant",
        records=[
            (pid, f"BA{n:06d}", f"Peserta {n}", nip(n, n % 2 == 1)) for n, pid in enumerate(people)
        ],
        columns=("id", "participant_no", "name", "nip"),
    )
    enrollments = await ids("enrollment", attempts)
    await raw.copy_records_to_table(
        "enrollment",
        records=[(e, sitting_id, p, "present") for e, p in zip(enrollments, people, strict=True)],
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
            (sid, aid, section_design, 1, "closed", 7_200_000, 0, 0)
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
    item_rows, responses = [], []
    attempt_item_ids = iter(await ids("attempt_item", attempts * items))
    for n, (aid, sid) in enumerate(zip(attempt_ids, sections, strict=True)):
        theta = rng.gauss(FOCAL_SHIFT if n % 2 == 1 else 0.0, 1.0)
        number = 0
        for code, count in per_form.items():
            for version, keyed, options in rng.sample(pools[code], count):
                number += 1
                item_id = next(attempt_item_ids)
                item_rows.append((item_id, aid, sid, version, number, [o for o, _ in options]))
                if rng.random() < BLANK:
                    continue
                if keyed:
                    right = rng.random() < logistic(theta - location[version])
                    chosen = rng.choice([o for o, c in options if c == int(right)])
                else:
                    weight = pcm_category(theta, location[version], rng) + 1
                    chosen = next(o for o, w in options if w == weight)
                responses.append((item_id, aid, chosen, False, number, now, now, 1))
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
    return sitting_id


class Clock:
    """Wall seconds per phase, and this process's CPU seconds (all threads; PostgreSQL's own
    work is in its processes): on a shared machine the CPU seconds say what the work costs."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float, float]] = []
        self.cpu = time.process_time()

    def time(self, name: str, started: float) -> None:
        cpu = time.process_time()
        self.phases.append((name, time.perf_counter() - started, cpu - self.cpu))
        self.cpu = cpu


async def phases(db: AsyncSession, sitting_id: int, clock: Clock) -> dict[str, Any]:
    """The steps of ``service.calibrated_analysis`` and ``dif_service.sitting_dif`` one by one,
    with the same functions, and the page's charts."""
    started = time.perf_counter()
    clock.cpu = time.process_time()
    labels: dict[str, list[str]] = defaultdict(list)
    for item_id, label in await db.execute(queries.option_labels(sitting_id)):
        labels[item_id].append(label)
    cells: list[Cell] = []
    result = await db.stream(queries.scored_cells(sitting_id))
    async for partition in result.partitions():
        cells.extend(
            Cell(a, competency, item_id, float(score), float(top), label, version)
            for a, competency, item_id, score, top, label, version in partition
        )
    clock.time("read the cells (SQL)", started)

    started = time.perf_counter()
    analysis = await asyncio.to_thread(stats.analyse, cells, labels)
    clock.time("CTT: items, options, scales, pairwise alpha", started)

    started = time.perf_counter()
    await asyncio.to_thread(calibration.calibrate_scales, cells, analysis)
    clock.time("Rasch / PCM calibration, every scale", started)

    started = time.perf_counter()
    stored = await calibration.store(db, sitting_id, analysis, ACTOR, reason="bench")
    clock.time("store the calibration", started)

    started = time.perf_counter()
    names = {code: code for code in analysis.calibrations}
    blocks = [
        pages.rasch_block(code, c, analysis, names, "id")
        for code, c in sorted(analysis.calibrations.items())
    ]
    clock.time("Wright maps and curves (SVG)", started)

    started = time.perf_counter()
    groups = await dif_service.attempt_groups(db, sitting_id, "gender")
    dif_cells = await dif_service.dif_cells(db, sitting_id, "kind")
    clock.time("DIF: read groups and cells (SQL)", started)

    started = time.perf_counter()
    items = await asyncio.to_thread(dif.dif, dif_cells, groups, "male", "female")
    clock.time("DIF: Mantel-Haenszel / Mantel, every item", started)
    return {"analysis": analysis, "stored": stored, "blocks": blocks, "dif": items}


async def end_to_end(db: AsyncSession, sitting_id: int) -> tuple[float, float]:
    started = time.perf_counter()
    await service.calibrated_analysis(db, sitting_id)
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    report = await dif_service.sitting_dif(db, sitting_id, "gender")
    assert report.reference == "male" or report.reference == "female", report.groups
    return analysed, time.perf_counter() - started


def timed(url: str, work: Callable[[AsyncSession], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = run_in_transaction(url, work)
    return value, time.perf_counter() - started


def main(attempts: int, items: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        url = os.environ.get("CACT_DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        migrate.upgrade(url)
        # Built by a child process, so that the peak RSS below is the analysis's own.
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--build", url, str(attempts), str(items)],
            check=True,
            capture_output=True,
            text=True,
        )
        sitting_id = int(child.stdout.split()[-1])
        seconds = time.perf_counter() - started
        print(f"built {attempts:,} closed attempts × {items} items in {seconds:.1f} s")
        print(f"forms: {draws(items)} from pools {POOLS}")

        clock = Clock()
        found, total = timed(url, lambda db: phases(db, sitting_id, clock))
        analysis = found["analysis"]
        print(f"  {'phase':<46} {'wall':>8} {'CPU':>8}")
        for name, seconds, cpu in clock.phases:
            print(f"  {name:<46} {seconds:6.2f} s {cpu:6.2f} s")
        cpu = sum(c for _, _, c in clock.phases)
        print(
            f"  {'total (one transaction, commit included)':<46} {total:6.2f} s {cpu:6.2f} s"
            "  (target < 30 s)"
        )
        scales = analysis.scales
        assert len(scales) == len(POOLS) and all(
            s.alpha_form is not None and s.person_reliability is not None for s in scales
        ), [(s.competency, s.alpha_form, s.person_reliability) for s in scales]
        assert all(c.converged for c in analysis.calibrations.values())
        flagged = sum(1 for i in found["dif"] if i.flagged)
        print(
            f"  {len(analysis.items)} items, {len(scales)} scales (reliability on every one), "
            f"{found['stored']} calibrations stored, {len(found['blocks'])} Wright maps, "
            f"DIF on {len(found['dif'])} items ({flagged} B/C)"
        )
        for s in scales:
            c = analysis.calibrations[s.competency]
            print(
                f"    {s.competency:<9} n {s.n}  form {s.form_items:.0f} of {s.items}  "
                f"alpha(form) {s.alpha_form:.2f}  Rasch rel {s.person_reliability:.2f}  "
                f"{c.model} {c.iterations} EM iterations"
            )

        (analysed, difs), total = timed(url, lambda db: end_to_end(db, sitting_id))
        print(
            f"end to end, as the pages call it: calibrated_analysis {analysed:.2f} s + "
            f"sitting_dif(gender) {difs:.2f} s = {total:.2f} s with commit"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the analysing process: {rss:.0f} MiB")
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    if sys.argv[1:2] == ["--build"]:
        database, count, length = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(run_in_transaction(database, lambda db: build(db, count, length)))
        sys.exit(0)
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*(arguments + [2_000, 120][len(arguments) :]))
