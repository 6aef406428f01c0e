"""``cact keys``: this server's identity and the servers it trusts."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from cact.config import Settings
from cact.keys.identity import grouped, init_identity, load_identity, read_key_file
from cact.kit.errors import CactError

keys_app = typer.Typer(
    help="This server's keys and the servers it trusts (deploy/packages.md).",
    no_args_is_help=True,
)


def _fail(exc: CactError) -> typer.Exit:
    typer.secho(str(exc.detail), fg="red", err=True)
    return typer.Exit(1)


def _data_dir() -> Path:
    return Settings().data_dir


def _database_url(settings: Settings) -> str:
    from cact.kit.database import export_database_url, resolve_database_url

    url, _ = resolve_database_url(settings)
    export_database_url(url)
    return url


@keys_app.command("init")
def keys_init(
    name: Annotated[
        str | None, typer.Option(help="A name people recognise (default: the host name)")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing keys (other servers must re-trust)")
    ] = False,
) -> None:
    """Create this server's signing and encryption keys."""
    try:
        identity = init_identity(_data_dir(), name or socket.gethostname(), force=force)
    except CactError as exc:
        raise _fail(exc) from exc
    typer.echo(f"{identity.name}: fingerprint {grouped(identity.fingerprint)}")


@keys_app.command("export")
def keys_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="The public-key file to write")],
) -> None:
    """Write this server's public keys (give the file to the other server)."""
    try:
        identity = load_identity(_data_dir())
    except CactError as exc:
        raise _fail(exc) from exc
    output.write_text(identity.public.to_file(), "utf-8")
    typer.echo(f"{output}: {identity.name}, fingerprint {grouped(identity.fingerprint)}")


@keys_app.command("trust")
def keys_trust(
    file: Path,
    role: Annotated[str, typer.Option(help="'office' or 'room': what that server is")] = "room",
    name: Annotated[str | None, typer.Option(help="A name (default: the file's)")] = None,
) -> None:
    """Trust another server's public keys (compare the fingerprint with its owner first)."""
    from cact.audit.service import Actor
    from cact.keys import service
    from cact.kit.cli_support import run_in_transaction

    settings = Settings()
    try:
        key = read_key_file(file)
        own = load_identity(settings.data_dir).fingerprint
    except CactError as exc:
        raise _fail(exc) from exc
    url = _database_url(settings)
    try:
        row = run_in_transaction(
            url,
            lambda db: service.trust(
                db, key, Actor.system("cact keys trust"), role=role, name=name, own_fingerprint=own
            ),
        )
    except CactError as exc:
        raise _fail(exc) from exc
    typer.echo(f"trusted {row.name} ({row.role}), fingerprint {grouped(row.fingerprint)}")


@keys_app.command("list")
def keys_list() -> None:
    """This server's fingerprint and the keys it trusts."""
    from cact.keys import service
    from cact.kit.cli_support import run_in_transaction

    settings = Settings()
    try:
        identity = load_identity(settings.data_dir)
        typer.echo(f"this server: {identity.name}, fingerprint {grouped(identity.fingerprint)}")
    except CactError as exc:
        typer.secho(str(exc.detail), fg="yellow", err=True)
    url = _database_url(settings)
    for row in run_in_transaction(url, service.list_keys):
        state = "revoked" if row.revoked_at else "trusted"
        typer.echo(f"{grouped(row.fingerprint)}  {row.role:6}  {state:7}  {row.name}")
