"""deploy/backup as the technician runs it: cact-backup.sh dumps a live database holding a sitting
with answered attempts, cact-restore.sh puts the dump into a new empty database, and every
response and every answer_log row comes back identical. Works on the embedded test server (Unix
socket, found through CACT_DATA_DIR as on a room server) and on CACT_TEST_DATABASE_URL (TCP)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text

from cact.app import attach_database, create_app
from cact.config import Settings
from cact.kit import migrate
from cact.kit.db import create_engine, create_sessionmaker
from tests.conftest import TEST_SECRET, load_reference_data, recreate_database
from tests.fixtures.database import TestServer
from tests.fixtures.sittings import KioskClient, open_sitting

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup" / "cact-backup.sh"
RESTORE = ROOT / "deploy" / "backup" / "cact-restore.sh"
SOURCE = "cact_backup_source"
PARTICIPANTS = 3
ITEMS_ANSWERED = 5


def script_env(**extra: str) -> dict[str, str]:
    """The test's environment without any CACT_ setting, and never the machine's cact.env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACT_", "PG"))}
    return {**env, "CACT_ENV_FILE": os.devnull, **extra}


def run(args: Sequence[str | Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def backup_locator(server: TestServer, url: str, database: str) -> tuple[list[str], dict[str, str]]:
    """How a room server finds its database: through CACT_DATA_DIR for the embedded PostgreSQL
    (postmaster.pid names the socket), through a URL for any other server."""
    if server.embedded is not None:
        return ["--dbname", database], script_env(CACT_DATA_DIR=str(server.embedded.pgdata.parent))
    return ["--url", url], script_env()


async def body(kiosk: KioskClient, method: str, path: str) -> Any:
    response = cast(Response, await kiosk.call(method, path))
    assert response.status_code == 200, response.text
    return response.json()


async def answer_some_items(url: str) -> None:
    """A sitting with every participant answering, changing and flagging items: committed."""
    engine = create_engine(url, pool_size=2, max_overflow=2)
    sessions = create_sessionmaker(engine)
    async with sessions() as db:
        opened = await open_sitting(db, participants=PARTICIPANTS)
        await db.commit()
    app = create_app(Settings(environment="test", secret_key=TEST_SECRET, database_url=url))
    attach_database(app, engine, sessions)
    transport = ASGITransport(app=app)
    async with AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept": "application/json"}
    ) as http:
        for number in opened.participant_nos:
            kiosk = KioskClient(http, number, opened.token)
            await kiosk.login()
            attempt = await body(kiosk, "POST", "/attempt/start")
            section = await body(kiosk, "GET", f"/sections/{attempt['current_section_id']}")
            for item in section["items"][:ITEMS_ANSWERED]:
                first, second = (o["option_id"] for o in item["options"][:2])
                saved = await kiosk.answer(item["item_id"], first)
                assert saved.json()["applied"] is True, saved.text
                changed = await kiosk.answer(item["item_id"], second, doubtful=True)
                assert changed.json()["applied"] is True, changed.text
    await engine.dispose()


@pytest.fixture(scope="module")
async def source_url(pg_server: TestServer) -> str:
    url = await recreate_database(pg_server, SOURCE)
    await asyncio.to_thread(migrate.upgrade, url)
    await load_reference_data(url)
    await answer_some_items(url)
    return url


@pytest.fixture(scope="module")
async def dump_file(
    pg_server: TestServer, source_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One backup, taken while another connection holds row locks in an open transaction (as
    a serving CACT does): pg_dump reads a snapshot and waits for nobody."""
    folder = tmp_path_factory.mktemp("backups")
    args, env = backup_locator(pg_server, source_url, SOURCE)
    engine = create_engine(source_url, pool_size=1, max_overflow=0)
    async with engine.connect() as busy:
        await busy.execute(text("SELECT id FROM attempt FOR UPDATE"))
        result = await asyncio.to_thread(run, [BACKUP, "--dir", folder, *args], env)
        await busy.rollback()
    await engine.dispose()
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip())
    assert dump.parent == folder and dump.name.startswith(f"cact-{SOURCE}-"), result.stdout
    assert dump.suffix == ".dump" and dump.stat().st_size > 0
    assert dump.stat().st_mode & 0o077 == 0, "a dump holds personal data: owner-only"
    return dump


async def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.connect() as conn:
        rows = [tuple(row) for row in (await conn.execute(text(sql))).all()]
    await engine.dispose()
    return rows


async def table_counts(url: str) -> dict[str, int]:
    tables = await fetch(
        url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    counts = {}
    for (table,) in tables:
        ((count,),) = await fetch(url, f'SELECT count(*) FROM "{table}"')
        counts[table] = int(count)
    return counts


async def restored_copy(pg_server: TestServer, dump: Path, name: str) -> str:
    target = await recreate_database(pg_server, name)
    result = await asyncio.to_thread(run, [RESTORE, "--yes", "--url", target, dump], script_env())
    assert result.returncode == 0, result.stderr
    assert "restored: schema" in result.stderr
    return target


async def test_every_answer_and_every_logged_change_comes_back_identical(
    pg_server: TestServer, source_url: str, dump_file: Path
) -> None:
    target = await restored_copy(pg_server, dump_file, "cact_backup_restored")

    responses = "SELECT * FROM response ORDER BY attempt_item_id"
    log = "SELECT * FROM answer_log ORDER BY id"
    source_responses, source_log = await fetch(source_url, responses), await fetch(source_url, log)
    assert len(source_responses) == PARTICIPANTS * ITEMS_ANSWERED
    assert len(source_log) == 2 * PARTICIPANTS * ITEMS_ANSWERED
    assert await fetch(target, responses) == source_responses
    assert await fetch(target, log) == source_log

    assert await table_counts(target) == await table_counts(source_url)
    sequences = "SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename"
    assert await fetch(target, sequences) == await fetch(source_url, sequences)
    version = "SELECT version_num FROM alembic_version"
    assert await fetch(target, version) == await fetch(source_url, version)


async def test_the_restored_answer_log_is_still_append_only(
    pg_server: TestServer, dump_file: Path
) -> None:
    target = await restored_copy(pg_server, dump_file, "cact_backup_append_only")
    engine = create_engine(target, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            with pytest.raises(Exception, match="append-only"):
                await conn.execute(text("DELETE FROM answer_log"))
    finally:
        await engine.dispose()


async def test_a_backup_through_a_url_restores_the_same_answers(
    pg_server: TestServer, source_url: str, tmp_path: Path
) -> None:
    result = await asyncio.to_thread(
        run, [BACKUP, "--dir", tmp_path, "--url", source_url], script_env()
    )
    assert result.returncode == 0, result.stderr
    target = await restored_copy(pg_server, Path(result.stdout.strip()), "cact_backup_by_url")
    responses = "SELECT * FROM response ORDER BY attempt_item_id"
    assert await fetch(target, responses) == await fetch(source_url, responses)


async def test_only_the_newest_backups_are_kept(
    pg_server: TestServer, source_url: str, tmp_path: Path
) -> None:
    args, env = backup_locator(pg_server, source_url, SOURCE)
    made = []
    for _ in range(3):
        result = await asyncio.to_thread(
            run, [BACKUP, "--dir", tmp_path, "--keep", "2", *args], env
        )
        assert result.returncode == 0, result.stderr
        made.append(Path(result.stdout.strip()))
    kept = sorted(p.name for p in tmp_path.glob("cact-*.dump"))
    assert kept == sorted(p.name for p in made[1:])


async def test_restore_refuses_a_database_that_holds_data(
    pg_server: TestServer, source_url: str, dump_file: Path
) -> None:
    before = await table_counts(source_url)
    result = await asyncio.to_thread(
        run, [RESTORE, "--yes", "--url", source_url, dump_file], script_env()
    )
    assert result.returncode == 1
    assert "not empty" in result.stderr and "--wipe" in result.stderr
    assert await table_counts(source_url) == before


async def test_restore_asks_for_a_confirmation_it_cannot_get_without_a_terminal(
    pg_server: TestServer, dump_file: Path
) -> None:
    target = await recreate_database(pg_server, "cact_backup_unconfirmed")
    result = await asyncio.to_thread(run, [RESTORE, "--url", target, dump_file], script_env())
    assert result.returncode == 1
    assert "RESTORE A BACKUP" in result.stderr and "--yes" in result.stderr
    assert await fetch(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]


async def test_wipe_replaces_a_database_with_the_backup(
    pg_server: TestServer, source_url: str, dump_file: Path
) -> None:
    target = await restored_copy(pg_server, dump_file, "cact_backup_wiped")
    engine = create_engine(target, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE stray (x int)"))
    await engine.dispose()
    result = await asyncio.to_thread(
        run, [RESTORE, "--yes", "--wipe", "--url", target, dump_file], script_env()
    )
    assert result.returncode == 0, result.stderr
    assert "ALL OF IT WILL BE DELETED" in result.stderr
    assert await table_counts(target) == await table_counts(source_url)


def test_a_missing_backup_file_is_named() -> None:
    result = run([RESTORE, "--yes", "/nonexistent/cact.dump"], script_env())
    assert result.returncode == 1
    assert "/nonexistent/cact.dump" in result.stderr
