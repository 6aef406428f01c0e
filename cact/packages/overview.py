"""What the command, the admin pages and the API show of a package: its header, who signed it,
which sitting it carries, and the applier's counts read as "create / update / keep" lines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.keys.identity import Identity, grouped
from cact.keys.service import active_key
from cact.packages.service import PackageImport, import_package, open_package, preview_package

OUTCOMES = ("created", "updated", "removed", "unchanged", "reused")


@dataclass(frozen=True)
class Line:
    outcome: str  # created | updated | removed | unchanged | another word an applier uses
    what: str  # participant, item_version, …
    count: int


@dataclass(frozen=True)
class Overview:
    """A preview (``applied`` False) or an import's outcome, with what a person reads."""

    package_id: uuid.UUID
    kind: str
    version: int
    created_at: datetime
    sitting_external_id: uuid.UUID
    sitting_code: str | None
    sitting_title: str | None
    sender: str  # fingerprint
    sender_name: str | None
    applied: bool
    already_applied: bool
    summary: dict[str, int]

    @property
    def sender_grouped(self) -> str:
        return grouped(self.sender)

    @property
    def lines(self) -> list[Line]:
        return summary_lines(self.summary)

    def as_json(self) -> dict[str, Any]:
        return {
            "package_id": str(self.package_id),
            "kind": self.kind,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "sitting": {
                "external_id": str(self.sitting_external_id),
                "code": self.sitting_code,
                "title": self.sitting_title,
            },
            "sender": {"fingerprint": self.sender, "name": self.sender_name},
            "applied": self.applied,
            "already_applied": self.already_applied,
            "summary": self.summary,
        }


def summary_lines(summary: dict[str, int]) -> list[Line]:
    """``{"created.participant": 12, …}`` as lines, the changes first, then what stays."""
    lines = []
    for key, count in summary.items():
        outcome, _, what = key.partition(".")
        if int(count):  # "removed 0" says nothing
            lines.append(Line(outcome, what or outcome, int(count)))
    rank = {outcome: n for n, outcome in enumerate(OUTCOMES)}
    return sorted(lines, key=lambda line: (rank.get(line.outcome, len(OUTCOMES)), line.what))


def totals(summary: dict[str, int]) -> list[tuple[str, int]]:
    """Rows per outcome, the changes only: ``[("created", 161), ("updated", 9)]``."""
    added: dict[str, int] = {}
    for line in summary_lines(summary):
        if line.outcome not in ("unchanged", "reused"):
            added[line.outcome] = added.get(line.outcome, 0) + line.count
    return list(added.items())


async def _overview(
    session: AsyncSession, data: bytes, identity: Identity, result: PackageImport
) -> Overview:
    # Opened again (cheap beside applying) for the sitting's code and title the records carry.
    opened = await open_package(session, data, identity)
    sitting = opened.records().get("sitting")
    sitting = sitting if isinstance(sitting, dict) else {}
    key = await active_key(session, result.sender)
    code, title = sitting.get("code"), sitting.get("title")
    return Overview(
        package_id=result.package_id,
        kind=result.kind,
        version=result.version,
        created_at=opened.header.created_at,
        sitting_external_id=result.sitting_external_id,
        sitting_code=code if isinstance(code, str) else None,
        sitting_title=title if isinstance(title, str) else None,
        sender=result.sender,
        sender_name=key.name if key is not None else None,
        applied=result.applied,
        already_applied=result.already_applied,
        summary=dict(result.summary),
    )


async def preview(session: AsyncSession, data: bytes, actor: Actor, identity: Identity) -> Overview:
    """Every check the import makes, and what it would create or update; nothing is kept."""
    result = await preview_package(session, data, actor, identity)
    return await _overview(session, data, identity, result)


async def apply(session: AsyncSession, data: bytes, actor: Actor, identity: Identity) -> Overview:
    """The import, all or nothing in the caller's transaction (audited by the service)."""
    result = await import_package(session, data, actor, identity)
    return await _overview(session, data, identity, result)
