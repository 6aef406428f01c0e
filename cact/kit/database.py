"""Which PostgreSQL to use: ``CACT_DATABASE_URL`` when set, else the embedded server."""

from __future__ import annotations

import os

from cact.config import Settings
from cact.kit.embedded_pg import EmbeddedPostgres


def resolve_database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    if settings.database_url:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.pgdata_dir)
    url = embedded.start()
    return url, embedded


def export_database_url(url: str) -> None:
    """Hand the resolved URL to worker processes, which must not start a server of their own."""
    os.environ["CACT_DATABASE_URL"] = url
