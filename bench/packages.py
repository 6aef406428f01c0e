"""A wave out and its results back between two servers: `python bench/packages.py [PARTICIPANTS]`
(default 900).

Two data directories, two embedded PostgreSQL servers, two `cact serve` processes on loopback,
each server's identity trusted by the other. The office builds a wave of PARTICIPANTS people on
the demo blueprint (29 items per form) and times, each on its own: sealing the wave package
(export), and `push` of the file to the room's server — the resumable chunked upload, the
verification and the import all or nothing at the room, up to the signed acknowledgement
(transfer + import). The room then opens the sitting and every participant answers every item
through the kiosk protocol over HTTP (50 at a time); the sitting closes and is scored. Then the
same two timings for the results package, room → office. Target: < 60 s each on this machine.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import cact.models  # noqa: F401  every table mapped before the first query
from cact.audit.service import Actor
from cact.blueprints.repository import BlueprintRepository
from cact.competencies.service import load_standard_dictionary
from cact.demo import service as demo
from cact.exam import opening
from cact.exam.models import Enrollment, Sitting
from cact.keys import service as keys
from cact.keys.identity import Identity, init_identity
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.packages.envelope import read_header
from cact.packages.push import push
from cact.packages.results_export import export_results
from cact.packages.service import export_wave
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from cact.rooms import service as rooms
from cact.sittings import seating
from cact.sittings import service as sittings

ACTOR = Actor.system("bench packages")
CACT = str(Path(sys.executable).with_name("cact"))
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
KIOSKS_AT_ONCE = 50
T = TypeVar("T")


async def _in(url: str, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            return await job(db)
    finally:
        await engine.dispose()


def _serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CACT_")},
        "CACT_SECRET_KEY": SECRET,
        "CACT_LOG_LEVEL": "warning",
        "CACT_DATA_DIR": str(data_dir),
        "CACT_DATABASE_URL": url,
    }
    log = (data_dir / "serve.log").open("ab")
    process = subprocess.Popen(
        [CACT, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stderr=log,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "serve.log").read_text()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("cact serve did not become ready")


async def _wave(db: AsyncSession, participants: int) -> int:
    await demo.load_bank(db)
    room = await rooms.create_grid_room(
        db, "LAB-BENCH", "Lab Bench", rows=participants // 30 + 1, cols=30, actor=ACTOR
    )
    blueprint = await BlueprintRepository(db).by_code("DEMO-2026")
    assert blueprint is not None
    sitting = await sittings.create_sitting(
        db,
        code="BENCH-WAVE",
        title="Gelombang bench",
        room_id=room.id,
        blueprint_id=blueprint.id,
        starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=1),
        actor=ACTOR,
    )
    await db.refresh(room, ["seats"])
    people = await demo._participants(db, participants)
    await seating.enroll_in_seat_order(db, sitting, people, room.seats, ACTOR)
    await db.flush()
    return sitting.id


async def _kiosk(http: httpx.AsyncClient, participant_no: str, token: str) -> int:
    login = await http.post("/login", json={"participant_no": participant_no, "token": token})
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['kiosk_token']}"}
    started = await http.post("/attempt/start", headers=headers)
    started.raise_for_status()
    section_id = started.json()["current_section_id"]
    seq = 0
    while section_id is not None:
        section = (await http.get(f"/sections/{section_id}", headers=headers)).json()
        for item in section["items"]:
            seq += 1
            option = item["options"][seq % len(item["options"])]["option_id"]
            saved = await http.put(
                f"/answers/{item['item_id']}",
                json={"option_id": option, "doubtful": False, "seq": seq},
                headers=headers,
            )
            assert saved.status_code == 200 and saved.json()["applied"], saved.text
        submitted = await http.post(f"/sections/{section_id}/submit", headers=headers)
        submitted.raise_for_status()
        after = submitted.json()
        section_id = after["current_section_id"] if after["status"] == "in_progress" else None
    return seq


async def _room_day(url: str, base: str, external_id: object) -> tuple[int, int, float]:
    async def open_and_start(db: AsyncSession) -> tuple[int, str, list[str]]:
        sitting = await db.scalar(select(Sitting).where(Sitting.external_id == external_id))
        assert sitting is not None
        await opening.open_sitting(db, sitting.id, ACTOR)
        await proctoring.start_sitting(db, sitting.id, ACTOR)
        numbers = await db.scalars(
            select(Participant.participant_no)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.sitting_id == sitting.id)
        )
        assert sitting.token is not None
        return sitting.id, sitting.token, list(numbers)

    sitting_id, token, numbers = await _in(url, open_and_start)
    started = time.monotonic()
    gate = asyncio.Semaphore(KIOSKS_AT_ONCE)
    limits = httpx.Limits(max_connections=KIOSKS_AT_ONCE)
    async with httpx.AsyncClient(
        base_url=f"{base}/api/kiosk/v1", timeout=60, limits=limits
    ) as http:

        async def one(number: str) -> int:
            async with gate:
                return await _kiosk(http, number, token)

        answers = sum(await asyncio.gather(*(one(n) for n in numbers)))
    await _in(
        url,
        lambda db: proctoring.close_sitting(db, sitting_id, "selesai", ACTOR, datetime.now(UTC)),
    )
    return sitting_id, answers, time.monotonic() - started


def _timed(label: str, seconds: float, extra: str = "") -> None:
    verdict = "ok" if seconds < 60 else "OVER"
    print(f"  {label:44} {seconds:7.2f} s  (target < 60 s: {verdict}) {extra}")


async def _bench(office_url: str, room_url: str, root: Path, participants: int) -> None:
    office_dir, room_dir = root / "office", root / "room"
    office: Identity = init_identity(office_dir, "Kantor BKPSDM")
    room: Identity = init_identity(room_dir, "Lab SMKN 1")
    await _in(office_url, lambda db: keys.trust(db, room.public, ACTOR, role="room"))
    await _in(room_url, lambda db: keys.trust(db, office.public, ACTOR, role="office"))
    sitting_id = await _in(office_url, lambda db: _wave(db, participants))
    office_server = _serve(office_url, office_dir, 18791)
    room_server = _serve(room_url, room_dir, 18792)
    try:
        print(f"{participants} participants, demo blueprint (29 items per form)")
        started = time.monotonic()
        wave = await _in(
            office_url, lambda db: export_wave(db, sitting_id, office, room.public, ACTOR)
        )
        _timed("wave: export (sealed, signed, encrypted)", time.monotonic() - started)
        started = time.monotonic()
        pushed = await asyncio.to_thread(push, wave, "http://127.0.0.1:18792", office)
        summary = pushed.acknowledgement["summary"]
        _timed(
            "wave: push to the room + import there",
            time.monotonic() - started,
            f"{len(wave) / 1e6:.2f} MB, {summary.get('created.enrollment', 0)} enrollments",
        )
        external_id = read_header(wave).sitting_external_id
        room_sitting, answers, day = await _room_day(
            room_url, "http://127.0.0.1:18792", external_id
        )
        print(f"  (exam day: {answers} answers through the kiosk protocol in {day:.1f} s)")
        started = time.monotonic()
        results = await _in(
            room_url, lambda db: export_results(db, room_sitting, room, office.public, ACTOR)
        )
        _timed("results: export (sealed, signed, encrypted)", time.monotonic() - started)
        started = time.monotonic()
        back = await asyncio.to_thread(push, results, "http://127.0.0.1:18791", room)
        summary = back.acknowledgement["summary"]
        _timed(
            "results: push to the office + merge there",
            time.monotonic() - started,
            f"{len(results) / 1e6:.2f} MB, {summary.get('created.attempt', 0)} attempts",
        )
    finally:
        for process in (office_server, room_server):
            process.terminate()
            process.wait(timeout=30)


async def _prepare(url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, url)
    await _in(url, lambda db: load_standard_dictionary(db, ACTOR))


def main(participants: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cact-bench-packages-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # as root, PostgreSQL runs as its own user and must get in
        servers = []
        try:
            urls = []
            for name in ("office", "room"):
                (root / name).mkdir()
                embedded = EmbeddedPostgres(root / name / "pgdata")
                servers.append(embedded)
                urls.append(embedded.start())
            for url in urls:
                asyncio.run(_prepare(url))
            asyncio.run(_bench(urls[0], urls[1], root, participants))
        finally:
            for embedded in servers:
                embedded.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 900)
