"""The ``cact`` command: one entry point for the room server."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from cact.config import Settings
from cact.kit.database import export_database_url, resolve_database_url
from cact.kit.embedded_pg import EmbeddedPostgres

app = typer.Typer(help="CACT — competency test delivery server.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        typer.secho(f"configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc


def _database(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    url, embedded = resolve_database_url(settings)
    export_database_url(url)
    return url, embedded


def _serve(settings: Settings, url: str, host: str, port: int, workers: int) -> None:
    logging.basicConfig(level=settings.log_level.upper())
    if workers > 1:
        uvicorn.run(
            "cact.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level=settings.log_level,
        )
        return
    from cact.app import create_app

    application = create_app(settings.model_copy(update={"database_url": url}))
    uvicorn.run(application, host=host, port=port, proxy_headers=True, log_level=settings.log_level)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [CACT_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [CACT_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [CACT_WORKERS].")] = None,
) -> None:
    """Serve the kiosks, the dashboard and the staff pages."""
    settings = _settings()
    url, _ = _database(settings)
    _serve(settings, url, host or settings.host, port or settings.port, workers or settings.workers)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the schema to the newest migration (safe to run again)."""
    from cact.kit import migrate

    url, _ = _database(_settings())
    migrate.upgrade(url, revision)
    typer.echo(f"database at {revision}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="admin, editor or proctor")],
    name: Annotated[str | None, typer.Option(help="Full name (default: the username)")] = None,
    password: Annotated[
        str | None, typer.Option(help="Omit to be asked (recommended).", show_default=False)
    ] = None,
) -> None:
    """Create a staff account."""
    from pydantic import ValidationError

    from cact.audit.service import Actor
    from cact.auth import service
    from cact.auth.schemas import StaffUserCreate
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.errors import CactError

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
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
    url, _ = _database(settings)
    migrate.upgrade(url)
    data = run_in_transaction(url, demo_service.load)
    base = f"http://{'localhost' if settings.host in ('0.0.0.0', '127.0.0.1') else settings.host}"
    base += f":{settings.port}"
    summary = demo_service.summary(base, data)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    demo_file = Path(settings.data_dir) / "demo.json"
    demo_file.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    typer.echo(demo_service.describe(base, data, demo_file))
    if serve_after:
        _serve(settings, url, settings.host, settings.port, settings.workers)


