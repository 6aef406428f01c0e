"""Importing a package: verify and decrypt it, then hand its records to the applier of its
kind ('wave' → cact.packages.wave, 'results' → cact.packages.results) in the caller's
transaction; a receipt makes a second import of the same package change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from cact.keys.identity import Identity, PublicKey
from cact.keys.service import active_key, public_key_of
from cact.kit.errors import Conflict, InvalidInput
from cact.packages.envelope import (
    Header,
    OpenedPackage,
    open_envelope,
    read_header,
)
from cact.packages.models import PackageReceipt
from cact.packages.repository import ReceiptRepository
from cact.packages.results import apply_results
from cact.packages.sealing import seal_and_record
from cact.packages.wave import apply_wave
from cact.packages.wave_export import wave_records

# await applier(session, header, records, actor, dry_run) -> summary {"created.x": n, ...}.
# A preview runs the applier for real inside a savepoint that is rolled back, so an applier
# needs no separate dry-run path; ``dry_run`` only tells it not to bother with side work.
Applier = Callable[[AsyncSession, Header, dict[str, Any], Actor, bool], Awaitable[dict[str, int]]]
APPLIERS: dict[str, Applier] = {"wave": apply_wave, "results": apply_results}


class UnsupportedKind(InvalidInput):
    code = "unsupported_package_kind"
    message = (
        "Jenis paket ini tidak dapat diimpor di server ini. / "
        "This kind of package cannot be imported on this server."
    )


class ReceiptConflict(Conflict):
    code = "package_receipt_conflict"
    message = (
        "Paket dengan id yang sama tetapi isi berbeda sudah diterapkan. / "
        "A package with the same id but other content was already applied."
    )


@dataclass
class PackageImport:
    package_id: uuid.UUID
    kind: str
    sitting_external_id: uuid.UUID
    version: int
    sender: str
    summary: dict[str, int] = field(default_factory=dict)
    applied: bool = False  # False: a preview, or the package was applied before
    already_applied: bool = False  # "sudah diterapkan"


async def open_package(session: AsyncSession, data: bytes, identity: Identity) -> OpenedPackage:
    """Verified and decrypted, or a CactError saying why not (nothing is written)."""
    header = read_header(data)
    row = await active_key(session, header.sender)
    trusted: dict[str, PublicKey] = {} if row is None else {row.fingerprint: public_key_of(row)}
    return open_envelope(data, identity, trusted)


def _result(opened: OpenedPackage, summary: dict[str, int], **flags: bool) -> PackageImport:
    header = opened.header
    return PackageImport(
        header.package_id,
        header.kind,
        header.sitting_external_id,
        header.version,
        header.sender,
        summary,
        **flags,
    )


async def _applier(kind: str) -> Applier:
    applier = APPLIERS.get(kind)
    if applier is None:
        raise UnsupportedKind(f"{UnsupportedKind.message} ({kind})")
    return applier


async def import_package(
    session: AsyncSession, data: bytes, actor: Actor, identity: Identity
) -> PackageImport:
    """Apply the package in the caller's transaction, all or nothing; audited."""
    opened = await open_package(session, data, identity)
    header = opened.header
    applier = await _applier(header.kind)
    receipts = ReceiptRepository(session)
    await receipts.lock_sitting(header.sitting_external_id)
    earlier = await receipts.by_package(header.package_id)
    if earlier is not None:
        if earlier.sha256 != opened.sha256:
            raise ReceiptConflict()
        return _result(opened, dict(earlier.summary), already_applied=True)
    summary = await applier(session, header, opened.records(), actor, False)
    await receipts.add(
        PackageReceipt(
            package_id=header.package_id,
            kind=header.kind,
            sender=header.sender,
            sitting_external_id=header.sitting_external_id,
            version=header.version,
            sha256=opened.sha256,
            applied_at=datetime.now(UTC),
            summary=summary,
        )
    )
    await record(
        session,
        actor,
        "package.imported",
        target_type="package",
        target_id=header.package_id,
        details={
            "kind": header.kind,
            "sitting_external_id": str(header.sitting_external_id),
            "version": header.version,
            "sender": header.sender,
            "summary": summary,
        },
    )
    return _result(opened, summary, applied=True)


async def preview_package(
    session: AsyncSession, data: bytes, actor: Actor, identity: Identity
) -> PackageImport:
    """What importing would do, with every check the import makes; nothing is kept."""
    opened = await open_package(session, data, identity)
    header = opened.header
    applier = await _applier(header.kind)
    receipts = ReceiptRepository(session)
    earlier = await receipts.by_package(header.package_id)
    if earlier is not None:
        if earlier.sha256 != opened.sha256:
            raise ReceiptConflict()
        return _result(opened, dict(earlier.summary), already_applied=True)
    savepoint = await session.begin_nested()
    try:
        summary = await applier(session, header, opened.records(), actor, True)
    finally:
        await savepoint.rollback()
    session.expunge_all()
    return _result(opened, summary)


async def export_wave(
    session: AsyncSession, sitting_id: int, identity: Identity, recipient: PublicKey, actor: Actor
) -> bytes:
    """The sitting's wave package, signed by this server and encrypted to the room's key."""
    records = await wave_records(session, sitting_id)
    counts = {"participants": len(records["participants"]), "items": len(records["items"])}
    return await seal_and_record(
        session, "wave", sitting_id, records, identity, recipient, actor, counts
    )
