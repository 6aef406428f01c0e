"""The ``cact`` command as a technician runs it: real processes on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from cact.kit.db import create_engine
from tests.conftest import TEST_SECRET, recreate_database
from tests.exports.support import csv_records
from tests.fixtures.database import TestServer
from tests.fixtures.images import png

CACT = str(Path(sys.executable).with_name("cact"))


def run_cact(
    *args: str, env: dict[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CACT, *args],
        env={**os.environ, **env},
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def scratch_env(pg_server: TestServer, tmp_path: Path) -> dict[str, str]:
    url = await recreate_database(pg_server, "cact_cli")
    return {
        "CACT_DATABASE_URL": url,
        "CACT_DATA_DIR": str(tmp_path),
        "CACT_SECRET_KEY": TEST_SECRET,
    }


async def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        value = (await conn.execute(text(sql))).scalar()
    await engine.dispose()
    return value


async def test_db_upgrade_can_run_twice(scratch_env: dict[str, str]) -> None:
    first = run_cact("db", "upgrade", env=scratch_env)
    assert first.returncode == 0, first.stderr
    second = run_cact("db", "upgrade", env=scratch_env)
    assert second.returncode == 0, second.stderr
    version = await _scalar(
        scratch_env["CACT_DATABASE_URL"], "SELECT version_num FROM alembic_version"
    )
    assert version


async def test_users_add_creates_an_account_with_several_roles(scratch_env: dict[str, str]) -> None:
    assert run_cact("db", "upgrade", env=scratch_env).returncode == 0
    result = run_cact(
        "users",
        "add",
        "andi",
        "--role",
        "proctor",
        "--role",
        "editor",
        "--name",
        "Andi Wijaya",
        env=scratch_env,
        input="rahasia-panjang-99\nrahasia-panjang-99\n",
    )
    assert result.returncode == 0, result.stderr
    assert "created andi (editor, proctor)" in result.stdout
    roles = await _scalar(
        scratch_env["CACT_DATABASE_URL"], "SELECT roles FROM staff_user WHERE username = 'andi'"
    )
    assert roles == ["editor", "proctor"]
    audited = await _scalar(
        scratch_env["CACT_DATABASE_URL"],
        "SELECT actor_name FROM audit_event WHERE action = 'staff.create'",
    )
    assert audited == "cact users add"

    again = run_cact(
        "users",
        "add",
        "andi",
        "--role",
        "admin",
        "--password-stdin",
        env=scratch_env,
        input="tiga-kata-acak-bambu-2026\n",
    )
    assert again.returncode == 1
    assert "sudah dipakai" in again.stderr


def test_users_add_refuses_bad_input_before_touching_the_database(tmp_path: Path) -> None:
    env = {
        "CACT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "CACT_DATA_DIR": str(tmp_path),
    }
    result = run_cact(
        "users", "add", "X Y", "--role", "kepala", "--password-stdin", env=env, input="short\n"
    )
    assert result.returncode == 2
    assert "username" in result.stderr
    assert "roles" in result.stderr
    assert "password" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_with_the_default_secret(tmp_path: Path) -> None:
    env = {"CACT_ENVIRONMENT": "production", "CACT_DATA_DIR": str(tmp_path)}
    env_without_secret = {k: v for k, v in os.environ.items() if k != "CACT_SECRET_KEY"}
    result = subprocess.run(
        [CACT, "serve"],
        env={**env_without_secret, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "CACT_SECRET_KEY" in result.stderr


async def test_items_import_stores_all_files_or_nothing(
    scratch_env: dict[str, str], tmp_path: Path
) -> None:
    assert run_cact("db", "upgrade", env=scratch_env).returncode == 0
    demo = Path(__file__).resolve().parents[2] / "item_bank" / "demo"
    bad = tmp_path / "rusak.yaml"
    bad.write_text(
        "format: cact-items/1\ntitle: Rusak\nlanguage: id\nitems:\n"
        "  - {id: R-1, competency: M.01, kind: keyed, points: 1, stem: x,\n"
        "     options: [{text: a}, {text: b}]}\n",
        "utf-8",
    )
    refused = run_cact("items", "import", str(demo / "teknis.yaml"), str(bad), env=scratch_env)
    assert refused.returncode == 1
    assert "no_correct_option" in refused.stderr
    assert "nothing imported" in refused.stderr
    count = await _scalar(scratch_env["CACT_DATABASE_URL"], "SELECT count(*) FROM item")
    assert count == 0

    dry = run_cact("items", "import", "--dry-run", str(demo / "teknis.yaml"), env=scratch_env)
    assert dry.returncode == 0, dry.stderr
    assert "would import: 18 new" in dry.stdout
    assert await _scalar(scratch_env["CACT_DATABASE_URL"], "SELECT count(*) FROM item") == 0

    done = run_cact("items", "import", str(demo / "teknis.yaml"), env=scratch_env)
    assert done.returncode == 0, done.stderr
    assert "imported: 18 new" in done.stdout
    assert await _scalar(scratch_env["CACT_DATABASE_URL"], "SELECT count(*) FROM item") == 18


async def test_items_import_stores_the_images_beside_the_files(
    scratch_env: dict[str, str], tmp_path: Path
) -> None:
    assert run_cact("db", "upgrade", env=scratch_env).returncode == 0
    (tmp_path / "rambu.png").write_bytes(png((10, 120, 200)))
    item_set = tmp_path / "gambar.yaml"
    item_set.write_text(
        "format: cact-items/1\ntitle: Bergambar\nlanguage: id\nitems:\n"
        "  - id: G-1\n    competency: M.03\n    kind: weighted\n    stem: Lihat rambu ini.\n"
        "    media: {src: rambu.png, alt: Rambu}\n"
        "    options: [{text: a, weight: 1}, {text: b, weight: 4}]\n",
        "utf-8",
    )
    done = run_cact("items", "import", str(item_set), str(tmp_path / "rambu.png"), env=scratch_env)
    assert done.returncode == 0, done.stderr
    stored = await _scalar(scratch_env["CACT_DATABASE_URL"], "SELECT content_type FROM media")
    assert stored == "image/png"


async def test_export_writes_a_finished_sitting_and_refuses_an_unknown_one(
    scratch_env: dict[str, str], tmp_path: Path
) -> None:

    from cact.kit import migrate
    from cact.kit.db import create_sessionmaker
    from tests.conftest import load_reference_data
    from tests.fixtures.sittings import open_sitting

    url = scratch_env["CACT_DATABASE_URL"]
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        opened = await open_sitting(db, participants=2)
    await engine.dispose()
    out = tmp_path / "responses.csv"
    done = run_cact(
        "export",
        "responses",
        "--sitting",
        str(opened.sitting.id),
        "--format",
        "csv",
        "-o",
        str(out),
        "--bom",
        env=scratch_env,
    )
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = csv_records(data.decode("utf-8"))
    assert len(rows) == 2 * 29
    assert {"participant_no", "item_id", "answer", "score"} <= set(rows[0])
    indonesian = tmp_path / "responses-excel-id.csv"
    done = run_cact(
        "export",
        "responses",
        "--sitting",
        str(opened.sitting.id),
        "--format",
        "csv-id",
        "-o",
        str(indonesian),
        env=scratch_env,
    )
    assert done.returncode == 0, done.stderr
    assert indonesian.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(csv_records(indonesian.read_text("utf-8"), ";")) == 2 * 29
    missing = run_cact("export", "results", "--sitting", "999999", env=scratch_env)
    assert missing.returncode == 1
    # The sitting's id, as the after-exam export needs it (deploy/AFTER-EXAM.md).
    listed = run_cact("sittings", env=scratch_env)
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if opened.sitting.code in row)
    assert line.split()[0] == str(opened.sitting.id)


async def test_roster_import_takes_every_row_or_none(
    scratch_env: dict[str, str], tmp_path: Path
) -> None:
    url = scratch_env["CACT_DATABASE_URL"]
    assert run_cact("db", "upgrade", env=scratch_env).returncode == 0
    standards = Path(__file__).resolve().parents[2] / "cact" / "demo" / "standards.csv"
    demo = Path(__file__).resolve().parents[2] / "item_bank" / "demo"
    assert run_cact("items", "import", str(demo / "teknis.yaml"), env=scratch_env).returncode == 0
    assert run_cact("standards", "import", str(standards), env=scratch_env).returncode == 0
    roster = tmp_path / "peserta.csv"
    roster.write_text(
        "nomor_peserta,nip,nama,kode_jabatan\n"
        "A-001,198503302010011002,Siti Rahma,JF-AK-AP\n"
        "A-002,12345,Budi Santoso,JF-AK-AP\n",
        "utf-8",
    )
    refused = run_cact("roster", "import", str(roster), env=scratch_env)
    assert refused.returncode == 1
    assert "3" in refused.stderr and "18" in refused.stderr  # row 3: NIP must be 18 digits
    assert await _scalar(url, "SELECT count(*) FROM participant") == 0
    roster.write_text(roster.read_text("utf-8").replace("12345", "199001012015032001"), "utf-8")
    done = run_cact("roster", "import", str(roster), env=scratch_env)
    assert done.returncode == 0, done.stderr
    assert await _scalar(url, "SELECT count(*) FROM participant") == 2
