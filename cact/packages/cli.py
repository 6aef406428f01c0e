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


# --- push over the network (issue 21 part 4; cact/packages/push.py, deploy/packages.md) ---


@package_app.command("push")
def package_push(
    file: Path,
    to: Annotated[
        str, typer.Option("--to", help="The receiving server, e.g. https://kantor.example")
    ],
    chunk_kib: Annotated[int, typer.Option(help="Chunk size in KiB", min=16, max=4096)] = 1024,
    retries: Annotated[
        int, typer.Option(help="Retries of a failed request (backoff 0.5 s … 8 s)", min=0, max=8)
    ] = 8,
) -> None:
    """Send a package file to another server (resumable: run it again after a break)."""
    from cact.keys.identity import grouped, load_identity
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.database import export_database_url, resolve_database_url
    from cact.kit.errors import CactError
    from cact.packages import sent
    from cact.packages.envelope import read_header
    from cact.packages.push import BACKOFF_SECONDS, push
    from cact.packages.transport import verify_acknowledgement

    settings = Settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.secho(f"{file}: {exc.strerror}", fg="red", err=True)
        raise typer.Exit(1) from None
    try:
        header = read_header(data)
        identity = load_identity(settings.data_dir)
        if header.sender != identity.fingerprint:
            raise CactError(
                "Paket ini dibuat oleh server lain; kirim dari server pembuatnya. / "
                "This package was made by another server; send it from the one that made it."
            )
        url, _ = resolve_database_url(settings)
        export_database_url(url)
        destination = to.rstrip("/")
        typer.echo(f"{file.name}: {header.kind}, {len(data)} bytes → {destination}")
        pushed = push(
            data,
            destination,
            identity,
            chunk_bytes=chunk_kib * 1024,
            backoff=BACKOFF_SECONDS[:retries],
        )
        ack = pushed.acknowledgement
        trusted = run_in_transaction(url, lambda db: sent.trusted_signing_key(db, header.recipient))
        verify_acknowledgement(
            ack,
            package_id=str(header.package_id),
            sha256=ack["sha256"],
            recipient=header.recipient,
            trusted_signing_public=trusted,
        )
        run_in_transaction(
            url, lambda db: sent.record_sent(db, data, destination, acknowledgement=ack)
        )
    except CactError as exc:
        typer.secho(str(exc.detail), fg="red", err=True)
        raise typer.Exit(1) from None
    if pushed.sent_bytes == 0:
        typer.echo("sudah diterima sebelumnya / already received before")
    elif pushed.resumed_from:
        typer.echo(f"resumed from byte {pushed.resumed_from}")
    state = "sudah diterapkan / already applied" if ack["already_applied"] else "applied"
    typer.echo(
        f"acknowledged by {ack['receiver_name']} ({grouped(ack['receiver'])}) at "
        f"{ack['acknowledged_at']}: {state}"
    )
    for key, count in sorted(ack["summary"].items()):
        typer.echo(f"  {key}: {count}")
