"""``cact package export | import`` as a technician runs them, on two real databases (the office
and the room, committed, as the command leaves them) and two data folders with their own keys.
Every refusal exits 1 with its sentence in both languages and leaves the room's rows as they
were."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cact.cli import app
from cact.keys.identity import Identity, init_identity
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from cact.packages.envelope import MAGIC
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.packages.conftest import scheduled_wave

runner = CliRunner()
COUNTED = (
    "sitting",
    "participant",
    "enrollment",
    "item_version",
    "package_receipt",
    "audit_event",
    "trusted_key",
)


@dataclass
class Servers:
    office_url: str
    room_url: str
    office: Path  # data folders
    room: Path
    other_room: Path
    impostor: Path
    nobody: Path
    sitting_id: int
    work: Path

    def env(self, data_dir: Path, url: str) -> dict[str, str]:
        return {
            "CACT_DATA_DIR": str(data_dir),
            "CACT_DATABASE_URL": url,
            "CACT_SECRET_KEY": TEST_SECRET,
        }


async def cact(*args: str | Path, env: dict[str, str], input: str | None = None) -> tuple[int, str]:
    """The real command in-process (its own event loop, in a thread, like a shell's)."""
    result = await asyncio.to_thread(
        runner.invoke, app, [str(a) for a in args], input=input, env=env
    )
    return result.exit_code, result.output


async def room_counts(url: str) -> dict[str, int]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        counts = {
            table: int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in COUNTED
        }
    await engine.dispose()
    return counts


async def _sql(url: str, statement: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def _copy_database(server: TestServer, source: str, name: str) -> str:
    admin = create_engine(server.admin_url, pool_size=1, max_overflow=0)
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    await admin.dispose()
    return server.database_url(name)


def _identity(folder: Path, name: str) -> Identity:
    return init_identity(folder, name)


@pytest.fixture(scope="module")
async def servers(
    pg_server: TestServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Servers]:
    office_url = await recreate_database(pg_server, "cact_pkgcli_office")
    await asyncio.to_thread(migrate.upgrade, office_url)
    await load_reference_data(office_url)
    room_url = await _copy_database(pg_server, "cact_pkgcli_office", "cact_pkgcli_room")
    engine = create_engine(office_url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        sitting = await scheduled_wave(db, participants=8)
        sitting_id = sitting.id
    await engine.dispose()
    work = tmp_path_factory.mktemp("pkgcli")
    found = Servers(
        office_url,
        room_url,
        work / "office",
        work / "room",
        work / "other-room",
        work / "impostor",
        work / "nobody",
        sitting_id,
        work,
    )
    for folder, name in (
        (found.office, "Kantor BKPSDM"),
        (found.room, "Lab SMKN 1"),
        (found.other_room, "Lab SMKN 2"),
        (found.impostor, "Bukan Kantor"),
    ):
        _identity(folder, name)
    code, output = await cact(
        "keys", "export", "-o", work / "office.key", env=found.env(found.office, office_url)
    )
    assert code == 0, output
    for folder, file in ((found.room, "room.key"), (found.other_room, "other-room.key")):
        code, output = await cact(
            "keys", "export", "-o", work / file, env=found.env(folder, room_url)
        )
        assert code == 0, output
    yield found


async def _export(servers: Servers, data_dir: Path, to: str, name: str) -> Path:
    out = servers.work / name
    code, output = await cact(
        "package",
        "export",
        "--sitting",
        str(servers.sitting_id),
        "--to",
        servers.work / to,
        "-o",
        out,
        env=servers.env(data_dir, servers.office_url),
    )
    assert code == 0, output
    assert "untuk / for Lab SMKN" in output
    return out


def _bilingual(output: str, indonesian: str, english: str) -> None:
    assert indonesian in output and english in output, output


async def test_export_writes_a_sealed_file_and_refuses_what_it_cannot_do(
    servers: Servers,
) -> None:
    office = servers.env(servers.office, servers.office_url)
    package = await _export(servers, servers.office, "room.key", "wave.cactpkg")
    assert package.read_bytes().startswith(MAGIC)
    assert not list(servers.work.glob(".*.partial"))
    assert b"Gelombang 1" not in package.read_bytes()  # the items and names are encrypted

    args = ["package", "export", "--to", servers.work / "room.key", "-o", servers.work / "x"]
    code, output = await cact(*args, "--sitting", "999999", env=office)
    assert code == 1
    _bilingual(output, "Sesi tidak ditemukan", "No such sitting")
    code, output = await cact(
        *args, "--sitting", str(servers.sitting_id), env=servers.env(servers.nobody, "x")
    )
    _bilingual(output, "belum punya kunci", "cact keys init")
    assert code == 1
    own = ["--to", servers.work / "office.key", "-o", servers.work / "x"]
    code, output = await cact(
        "package", "export", "--sitting", str(servers.sitting_id), *own, env=office
    )
    assert code == 1
    _bilingual(output, "kunci server ini sendiri", "this server's own key")
    assert not (servers.work / "x").exists()


async def test_every_refusal_exits_one_and_writes_nothing(servers: Servers) -> None:
    room = servers.env(servers.room, servers.room_url)
    wave = await _export(servers, servers.office, "room.key", "refusals.cactpkg")
    before = await room_counts(servers.room_url)

    code, output = await cact("package", "import", servers.work / "missing.cactpkg", env=room)
    assert code == 1
    _bilingual(output, "Berkas tidak ditemukan", "File not found")

    text_file = servers.work / "notes.txt"
    text_file.write_text("daftar hadir\n", "utf-8")
    code, output = await cact("package", "import", text_file, "--yes", env=room)
    assert code == 1
    _bilingual(output, "bukan paket CACT", "not a CACT package")

    # The room does not trust the office yet.
    code, output = await cact("package", "import", wave, "--yes", env=room)
    assert code == 1
    _bilingual(output, "tidak dipercaya", "does not trust")
    assert "cact keys trust" in output

    code, output = await cact(
        "keys", "trust", servers.work / "office.key", "--role", "office", env=room
    )
    assert code == 0, output
    before = await room_counts(servers.room_url)

    flipped = bytearray(wave.read_bytes())
    flipped[len(flipped) // 2] ^= 0x01
    tampered = servers.work / "tampered.cactpkg"
    tampered.write_bytes(bytes(flipped))
    code, output = await cact("package", "import", tampered, "--yes", env=room)
    assert code == 1
    _bilingual(output, "rusak atau telah diubah", "damaged or was altered")

    impostor = await _export(servers, servers.impostor, "room.key", "impostor.cactpkg")
    code, output = await cact("package", "import", impostor, "--yes", env=room)
    assert code == 1
    _bilingual(output, "tidak dipercaya", "does not trust")

    elsewhere = await _export(servers, servers.office, "other-room.key", "other.cactpkg")
    code, output = await cact("package", "import", elsewhere, "--yes", env=room)
    assert code == 1
    _bilingual(output, "dienkripsi untuk server lain", "encrypted for another server")

    code, output = await cact(
        "package", "import", wave, "--yes", env=servers.env(servers.nobody, servers.room_url)
    )
    assert code == 1
    _bilingual(output, "belum punya kunci", "cact keys init")

    code, output = await cact("package", "import", wave, env=room, input="n\n")
    assert code == 1
    assert "dibuat / create" in output  # the preview was shown first
    _bilingual(output, "Tidak diterapkan", "Not applied")

    assert await room_counts(servers.room_url) == before


async def test_import_previews_asks_applies_once_and_refuses_older_and_opened(
    servers: Servers,
) -> None:
    room = servers.env(servers.room, servers.room_url)
    await cact("keys", "trust", servers.work / "office.key", "--role", "office", env=room)
    first = await _export(servers, servers.office, "room.key", "first.cactpkg")
    second = await _export(servers, servers.office, "room.key", "second.cactpkg")
    before = await room_counts(servers.room_url)

    code, output = await cact("package", "import", second, env=room, input="y\n")
    assert code == 0, output
    assert "Paket / Package: gelombang / wave" in output
    assert "Sesi / Sitting: WAVE-1 — Gelombang 1" in output
    assert "Pengirim / Sender: Kantor BKPSDM" in output
    assert "Terapkan? / Apply?" in output
    lines = [line.split() for line in output.splitlines()]
    assert ["dibuat", "/", "create", "participant", "8"] in lines
    assert ["dibuat", "/", "create", "enrollment", "8"] in lines
    assert "Diterapkan / Applied" in output
    after = await room_counts(servers.room_url)
    assert after["sitting"] == before["sitting"] + 1
    assert after["participant"] == before["participant"] + 8
    assert after["package_receipt"] == before["package_receipt"] + 1

    code, output = await cact("package", "import", second, env=room)  # no question asked
    assert code == 0, output
    _bilingual(output, "sudah diterapkan", "already applied")
    assert "Terapkan?" not in output
    assert await room_counts(servers.room_url) == after

    code, output = await cact("package", "import", first, "--yes", env=room)
    assert code == 1
    _bilingual(output, "lebih lama dari paket", "older than the one already applied")
    assert await room_counts(servers.room_url) == after

    await _sql(
        servers.room_url,
        "UPDATE sitting SET status = 'open', opened_at = now() WHERE code = 'WAVE-1'",
    )
    third = await _export(servers, servers.office, "room.key", "third.cactpkg")
    code, output = await cact("package", "import", third, "--yes", env=room)
    assert code == 1
    _bilingual(output, "Sesi sudah dibuka", "has already opened")
    assert await room_counts(servers.room_url) == after
