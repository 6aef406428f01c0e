"""``cact package``: wave packages (office → room) and results packages (room → office)."""

from __future__ import annotations

import typer

package_app = typer.Typer(
    help="Signed, encrypted packages between the office and room servers (deploy/packages.md).",
    no_args_is_help=True,
)
