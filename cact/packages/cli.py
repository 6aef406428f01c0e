"""``cact package``: wave packages (office → room) and results packages (room → office)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cact.config import Settings

package_app = typer.Typer(
    help="Signed, encrypted packages between the office and room servers (deploy/packages.md).",
    no_args_is_help=True,
)


# --- results package (room → office): results21 -------------------------------------------------


@package_app.command("results")
def package_results(
    sitting: Annotated[int, typer.Option("--sitting", help="The sitting's id on this server")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The package file to write")],
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="The office's public-key file (default: the trusted key that signed the "
            "sitting's wave package)",
        ),
    ] = None,
) -> None:
    """Write the sitting's results package: signed by this room, encrypted to the office."""
    from cact.audit.service import Actor
    from cact.keys.identity import grouped, load_identity, read_key_file
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.database import export_database_url, resolve_database_url
    from cact.kit.errors import CactError
    from cact.packages.envelope import read_header
    from cact.packages.results_export import export_results

    settings = Settings()
    try:
        identity = load_identity(settings.data_dir)
        recipient = read_key_file(to) if to is not None else None
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc
    url, _ = resolve_database_url(settings)
    export_database_url(url)
    try:
        data = run_in_transaction(
            url,
            lambda db: export_results(
                db, sitting, identity, recipient, Actor.system("cact package results")
            ),
        )
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from exc
    output.write_bytes(data)
    header = read_header(data)
    typer.echo(
        f"{output}: hasil/results, sesi/sitting {header.sitting_external_id}, "
        f"versi/version {header.version}, untuk/for {grouped(header.recipient)}"
    )
