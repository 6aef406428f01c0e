"""The office and the room as two servers (issue 21's first Must-show): two data directories,
two embedded PostgreSQL servers, `cact keys init` on each, keys exchanged and trusted, the wave
exported at the office and imported in the room, participants through the kiosk protocol over
real HTTP against the room's `cact serve`, the sitting closed, `cact package results`, the
package imported at the office — and then the office's results and responses exports of the
sitting are the room's, byte for byte once the server-local attempt id is dropped.

Every step a technician takes is the real `cact` command: keys, `cact package export`,
`cact package import`, `cact package results`, `cact export`."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam import opening
from cact.exam.models import Enrollment, Sitting
from cact.keys.identity import load_identity
from cact.kit.db import create_engine, create_sessionmaker
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.packages.envelope import read_header
from cact.packages.service import preview_package
from cact.participants.models import Participant
from cact.proctoring import service as proctoring
from tests.conftest import TEST_SECRET
from tests.packages.conftest import ACTOR, scheduled_wave

CACT = str(Path(sys.executable).with_name("cact"))
PORTS = range(18400, 18500)  # this test's own range on the shared machine
PARTICIPANTS = 4
T = TypeVar("T")


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400-18499")


@dataclass
class Server:
    """One CACT server: its data directory, its embedded PostgreSQL, its `cact` commands."""

    name: str
    data_dir: Path
    embedded: EmbeddedPostgres
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("CACT_")},
            "CACT_ENVIRONMENT": "test",
            "CACT_SECRET_KEY": TEST_SECRET,
            "CACT_LOG_LEVEL": "warning",
            "CACT_DATA_DIR": str(self.data_dir),
            "CACT_DATABASE_URL": self.url,
        }

    def cact(self, *args: str) -> str:
        done = subprocess.run(
            [CACT, *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{self.name}: cact {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout

    async def run(self, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One transaction on this server's database, from the test."""
        engine = create_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with create_sessionmaker(engine)() as db, db.begin():
                return await job(db)
        finally:
            await engine.dispose()

    def serve(self) -> str:
        self.port = _free_port()
        log = (self.data_dir / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [CACT, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            env=self.env,
            stderr=log,
        )
        log.close()
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data_dir / "serve.log").read_text()[-2000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name}: cact serve did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    with tempfile.TemporaryDirectory(prefix="cact-two-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # as root, PostgreSQL runs as its own user and must get in
        pair = []
        for name in ("office", "room"):
            (root / name).mkdir()
            embedded = EmbeddedPostgres(root / name / "pgdata")
            pair.append(Server(name, root / name, embedded))
        try:
            for server in pair:
                server.url = server.embedded.start()
            yield pair[0], pair[1]
        finally:
            for server in pair:
                server.stop()
                server.embedded.stop()


async def _kiosk(base: str, participant_no: str, token: str, answers: int) -> None:
    """A participant through protocol v1: log in, start, answer, submit each section."""
    async with httpx.AsyncClient(base_url=f"{base}/api/kiosk/v1", timeout=30) as http:
        login = await http.post("/login", json={"participant_no": participant_no, "token": token})
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['kiosk_token']}"
        started = await http.post("/attempt/start")
        assert started.status_code == 200, started.text
        section_id = started.json()["current_section_id"]
        seq = 0
        while section_id is not None:
            section = (await http.get(f"/sections/{section_id}")).json()
            for n, item in enumerate(section["items"][:answers]):
                seq += 1
                option = item["options"][(n + seq) % len(item["options"])]["option_id"]
                saved = await http.put(
                    f"/answers/{item['item_id']}",
                    json={"option_id": option, "doubtful": n == 0, "seq": seq},
                )
                assert saved.status_code == 200 and saved.json()["applied"], saved.text
            submitted = await http.post(f"/sections/{section_id}/submit")
            assert submitted.status_code == 200, submitted.text
            after = submitted.json()
            section_id = after["current_section_id"] if after["status"] == "in_progress" else None


def _without_local_ids(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    drop = rows[0].index("attempt_id")
    return [row[:drop] + row[drop + 1 :] for row in rows]


async def test_a_wave_out_and_its_results_back_between_two_servers(
    servers: tuple[Server, Server],
) -> None:
    office, room = servers
    for server, name in ((office, "Kantor BKPSDM"), (room, "Lab SMKN 1")):
        server.cact("db", "upgrade")
        server.cact("keys", "init", "--name", name)
        server.cact("keys", "export", "-o", str(server.data_dir / f"{server.name}.key"))
    office.cact("keys", "trust", str(room.data_dir / "room.key"), "--role", "room")
    room.cact("keys", "trust", str(office.data_dir / "office.key"), "--role", "office")
    listed = room.cact("keys", "list")
    assert "office" in listed and "Kantor BKPSDM" in listed

    async def wave(db: AsyncSession) -> int:
        return (await scheduled_wave(db, participants=PARTICIPANTS)).id

    office_sitting = await office.run(wave)
    wave_file = office.data_dir / "wave.cactpkg"
    office.cact(
        "package", "export", "--sitting", str(office_sitting),
        "--to", str(room.data_dir / "room.key"), "-o", str(wave_file),
    )  # fmt: skip
    wave_header = read_header(wave_file.read_bytes())
    shown = room.cact("package", "import", str(wave_file), "--yes")
    assert "Kantor BKPSDM" in shown and str(wave_header.sitting_external_id) in shown
    assert "already" not in shown

    async def enrolled(db: AsyncSession) -> int:
        return len(
            (
                await db.scalars(
                    select(Enrollment.id)
                    .join(Sitting, Sitting.id == Enrollment.sitting_id)
                    .where(Sitting.external_id == wave_header.sitting_external_id)
                )
            ).all()
        )

    assert await room.run(enrolled) == PARTICIPANTS

    async def open_and_start(db: AsyncSession) -> tuple[int, str, list[str]]:
        sitting = await db.scalar(
            select(Sitting).where(Sitting.external_id == wave_header.sitting_external_id)
        )
        assert sitting is not None
        await opening.open_sitting(db, sitting.id, ACTOR)
        await proctoring.start_sitting(db, sitting.id, ACTOR)
        numbers = await db.scalars(
            select(Participant.participant_no)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.sitting_id == sitting.id)
            .order_by(Participant.participant_no)
        )
        assert sitting.token is not None
        return sitting.id, sitting.token, list(numbers)

    room_sitting, token, numbers = await room.run(open_and_start)
    base = room.serve()
    # Three participants work (one answers less), the fourth never comes.
    await asyncio.gather(
        *(
            _kiosk(base, no, token, answers)
            for no, answers in zip(numbers[:3], (6, 4, 2), strict=True)
        )
    )
    await room.run(lambda db: proctoring.incident(db, room_sitting, "Listrik padam 2 menit", ACTOR))
    await room.run(
        lambda db: proctoring.close_sitting(db, room_sitting, "selesai", ACTOR, datetime.now(UTC))
    )
    room.stop()

    package = room.data_dir / "results.cactpkg"
    said = room.cact("package", "results", "--sitting", str(room_sitting), "-o", str(package))
    assert "results" in said and str(wave_header.sitting_external_id) in said
    merged = office.cact("package", "import", str(package), "--yes")
    assert "hasil / results" in merged and "Lab SMKN 1" in merged
    office_identity = load_identity(office.data_dir)
    merged_again = await office.run(
        lambda db: preview_package(db, package.read_bytes(), ACTOR, office_identity)
    )
    assert merged_again.already_applied  # the command applied it

    for kind in ("results", "responses"):
        exported = {}
        for server, sitting_id in ((office, office_sitting), (room, room_sitting)):
            out = server.data_dir / f"{kind}.csv"
            server.cact(
                "export", kind, "--sitting", str(sitting_id), "--format", "csv", "-o", str(out)
            )
            exported[server.name] = out.read_bytes()
        rows = _without_local_ids(exported["room"])
        assert len(rows) > 1 + 3, f"{kind}: the room's export has the three attempts' rows"
        assert _without_local_ids(exported["office"]) == rows, kind

    again = office.cact("package", "import", str(package), "--yes")
    assert "sudah diterapkan" in again or "already" in again
