"""What this server has sent (``sent_package``) and what it has received (``package_receipt``),
per sitting: the room's dashboard and the office's programme page show it."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Sitting
from cact.keys.service import active_key
from cact.packages.envelope import read_header
from cact.packages.models import PackageReceipt, SentPackage
from cact.packages.push_repository import SentRepository

FILE = "file"  # the destination of a package written to a file (USB)


async def record_sent(
    session: AsyncSession,
    data: bytes,
    destination: str,
    *,
    acknowledgement: dict[str, Any] | None = None,
) -> None:
    """Note the package as sent to ``destination`` (a URL, or ``FILE``); with the receiver's
    (already verified) acknowledgement, as acknowledged."""
    header = read_header(data)
    values: dict[str, object] = {
        "package_id": header.package_id,
        "kind": header.kind,
        "sitting_external_id": header.sitting_external_id,
        "version": header.version,
        "destination": destination[:500],
        "recipient": header.recipient,
        "size": len(data),
        "sha256": _sha256(data),
        "sent_at": datetime.now(UTC),
    }
    if acknowledgement is not None:
        values["acknowledged_at"] = datetime.now(UTC)
        values["receipt"] = _receipt(acknowledgement)
    await SentRepository(session).upsert(values)


async def trusted_signing_key(session: AsyncSession, fingerprint: str) -> bytes | None:
    """The receiver's signing key as this server trusts it (None: not trusted here)."""
    row = await active_key(session, fingerprint)
    if row is None:
        return None
    return base64.b64decode(row.signing_public)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _receipt(ack: dict[str, Any]) -> dict[str, Any]:
    keep = ("receiver", "receiver_name", "applied", "already_applied", "summary")
    return {k: ack.get(k) for k in keep} | {"acknowledged_at": ack.get("acknowledged_at")}


@dataclass
class SittingTransfer:
    """One sitting's packages: the waves and results sent from here, those received here."""

    sitting: Sitting
    sent: list[SentPackage] = field(default_factory=list)
    received: list[PackageReceipt] = field(default_factory=list)

    def _sent(self, kind: str) -> list[SentPackage]:
        return [s for s in self.sent if s.kind == kind]

    @property
    def wave_sent(self) -> SentPackage | None:
        return next(iter(self._sent("wave")), None)

    @property
    def wave_acknowledged(self) -> SentPackage | None:
        return next((s for s in self._sent("wave") if s.acknowledged_at is not None), None)

    @property
    def results_sent(self) -> SentPackage | None:
        return next(iter(self._sent("results")), None)

    @property
    def results_acknowledged(self) -> SentPackage | None:
        return next((s for s in self._sent("results") if s.acknowledged_at is not None), None)

    @property
    def results_received(self) -> PackageReceipt | None:
        return next((r for r in self.received if r.kind == "results"), None)


async def transfers(session: AsyncSession, sittings: Sequence[Sitting]) -> list[SittingTransfer]:
    repository = SentRepository(session)
    ids: list[uuid.UUID] = [s.external_id for s in sittings]
    sent = await repository.of_sittings(ids)
    received = await repository.receipts_of(ids)
    rows = {s.external_id: SittingTransfer(s) for s in sittings}
    for row in sent:
        rows[row.sitting_external_id].sent.append(row)
    for receipt in received:
        rows[receipt.sitting_external_id].received.append(receipt)
    return [rows[s.external_id] for s in sittings]


async def programme_transfers(
    session: AsyncSession, programme_id: int
) -> tuple[list[SittingTransfer], bool]:
    """Every sitting of the programme, and whether every one's results are in (``status
    terupload semua``; False for a programme with no sitting)."""
    sittings = await SentRepository(session).sittings_of_programme(programme_id)
    rows = await transfers(session, sittings)
    return rows, bool(rows) and all(r.results_received is not None for r in rows)
