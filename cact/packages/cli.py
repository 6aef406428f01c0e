"""``cact package``: wave packages (office → room) and results packages (room → office)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cact.config import Settings
from cact.keys.identity import grouped, load_identity, read_key_file
from cact.kit.errors import CactError

if TYPE_CHECKING:
    from cact.packages.overview import Overview

package_app = typer.Typer(
    help="Signed, encrypted packages between the office and room servers (deploy/packages.md).",
    no_args_is_help=True,
)


OUTCOME_WORDS = {
    "created": "dibuat / create",
    "updated": "diperbarui / update",
    "removed": "dihapus / remove",
    "unchanged": "tetap / keep",
    "reused": "sudah ada / present",
}
KIND_WORDS = {"wave": "gelombang / wave", "results": "hasil / results"}


def _fail(exc: CactError) -> typer.Exit:
    typer.secho(str(exc.detail), fg="red", err=True)
    return typer.Exit(1)


def _refuse(message: str) -> typer.Exit:
    typer.secho(message, fg="red", err=True)
    return typer.Exit(1)


def _database_url(settings: Settings) -> str:
    from cact.kit.database import export_database_url, resolve_database_url

    url, _ = resolve_database_url(settings)
    export_database_url(url)
    return url


def _write_atomically(path: Path, data: bytes) -> None:
    """A half-written package on a USB stick must never look like a whole one."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _note_written(url: str, data: bytes) -> None:
    """The dashboard's and programme page's "sent" state: written to a file (USB)."""
    from cact.kit.cli_support import run_in_transaction
    from cact.packages import sent

    run_in_transaction(url, lambda db: sent.record_sent(db, data, sent.FILE))


def _show(overview: Overview) -> None:
    sitting = " — ".join(x for x in (overview.sitting_code, overview.sitting_title) if x)
    sender = overview.sender_name or "?"
    typer.echo(f"Paket / Package: {KIND_WORDS.get(overview.kind, overview.kind)}")
    typer.echo(f"  id {overview.package_id}, versi / version {overview.version}")
    typer.echo(f"  dibuat / made {overview.created_at:%Y-%m-%d %H:%M:%S} UTC")
    typer.echo(f"Sesi / Sitting: {sitting or '?'} ({overview.sitting_external_id})")
    typer.echo(f"Pengirim / Sender: {sender}, sidik jari / fingerprint {overview.sender_grouped}")
    if overview.already_applied:
        return
    typer.echo("Yang akan terjadi / What it will do:")
    for line in overview.lines:
        word = OUTCOME_WORDS.get(line.outcome, line.outcome)
        typer.echo(f"  {word:22} {line.what:24} {line.count:>7}")


@package_app.command("export")
def package_export(
    sitting: Annotated[int, typer.Option("--sitting", help="The sitting's id on this server")],
    to: Annotated[
        Path, typer.Option("--to", help="The room server's public-key file (cact keys export)")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The package file to write")],
) -> None:
    """Write a sitting's wave package, signed here and encrypted to the room server's key."""
    from cact.audit.service import Actor
    from cact.kit.cli_support import run_in_transaction
    from cact.packages.service import export_wave

    settings = Settings()
    try:
        identity = load_identity(settings.data_dir)
        recipient = read_key_file(to)
    except CactError as exc:
        raise _fail(exc) from exc
    if recipient.fingerprint == identity.fingerprint:
        raise _refuse(
            "--to: ini kunci server ini sendiri; pakai berkas kunci server ruang. / "
            "--to: this is this server's own key; use the room server's key file."
        )
    if not output.parent.is_dir():
        raise _refuse(f"-o: folder {output.parent} tidak ada. / -o: no folder {output.parent}.")
    url = _database_url(settings)
    actor = Actor.system("cact package export")
    try:
        data = run_in_transaction(
            url, lambda db: export_wave(db, sitting, identity, recipient, actor)
        )
    except CactError as exc:
        raise _fail(exc) from exc
    _write_atomically(output, data)
    _note_written(url, data)
    typer.echo(
        f"{output}: {len(data):,} bita / bytes, untuk / for {recipient.name} "
        f"({grouped(recipient.fingerprint)})"
    )


@package_app.command("import")
def package_import(
    file: Annotated[Path, typer.Argument(help="The package file (from a USB stick)")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking")] = False,
) -> None:
    """Verify and decrypt a package, show what it will change, then apply it all or nothing."""
    from cact.audit.service import Actor
    from cact.kit.cli_support import run_in_transaction
    from cact.packages import overview

    settings = Settings()
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise _refuse(f"Berkas tidak ditemukan: {file}. / File not found: {file}.") from None
    except IsADirectoryError:
        raise _refuse(f"{file} adalah folder, bukan berkas. / {file} is a folder.") from None
    except OSError as exc:
        raise _refuse(f"{file}: {exc.strerror}.") from None
    try:
        identity = load_identity(settings.data_dir)
    except CactError as exc:
        raise _fail(exc) from exc
    url = _database_url(settings)
    actor = Actor.system("cact package import")
    try:
        seen = run_in_transaction(url, lambda db: overview.preview(db, data, actor, identity))
    except CactError as exc:
        raise _fail(exc) from exc
    _show(seen)
    if seen.already_applied:
        typer.echo(
            "Paket ini sudah diterapkan; tidak ada yang berubah. / "
            "This package was already applied; nothing changed."
        )
        return
    if not yes and not typer.confirm("Terapkan? / Apply?", default=False):
        raise _refuse("Tidak diterapkan; tidak ada yang berubah. / Not applied; nothing changed.")
    try:
        done = run_in_transaction(url, lambda db: overview.apply(db, data, actor, identity))
    except CactError as exc:
        raise _fail(exc) from exc
    if done.already_applied:  # another import finished between the preview and now
        typer.echo("Paket ini sudah diterapkan. / This package was already applied.")
        return
    changed = sum(line.count for line in done.lines if line.outcome not in ("unchanged", "reused"))
    typer.echo(f"Diterapkan / Applied: {changed} perubahan / changes.")


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
    from cact.kit.cli_support import run_in_transaction
    from cact.packages.envelope import read_header
    from cact.packages.results_export import export_results

    settings = Settings()
    try:
        identity = load_identity(settings.data_dir)
        recipient = read_key_file(to) if to is not None else None
    except CactError as exc:
        raise _fail(exc) from exc
    if not output.parent.is_dir():
        raise _refuse(f"-o: folder {output.parent} tidak ada. / -o: no folder {output.parent}.")
    url = _database_url(settings)
    actor = Actor.system("cact package results")
    try:
        data = run_in_transaction(
            url, lambda db: export_results(db, sitting, identity, recipient, actor)
        )
    except CactError as exc:
        raise _fail(exc) from exc
    _write_atomically(output, data)
    _note_written(url, data)
    header = read_header(data)
    typer.echo(
        f"{output}: hasil / results, sesi / sitting {header.sitting_external_id}, "
        f"versi / version {header.version}, untuk / for {grouped(header.recipient)}"
    )


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
    from cact.kit.cli_support import run_in_transaction
    from cact.kit.database import export_database_url, resolve_database_url
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
