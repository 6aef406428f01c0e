"""Making a package of either kind: the records sealed for the recipient, versioned by the time
they were made, and the export audited on the sitting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from cact.keys.identity import Identity, PublicKey
from cact.packages.envelope import Kind, encode_payload, read_header, seal


async def seal_and_record(
    session: AsyncSession,
    kind: Kind,
    sitting_id: int,
    records: dict[str, Any],
    identity: Identity,
    recipient: PublicKey,
    actor: Actor,
    counts: dict[str, int],
) -> bytes:
    """Signed by this server, encrypted to ``recipient``; ``counts`` go into the audit line."""
    # Milliseconds since the epoch: a package made later carries a higher version.
    version = int(datetime.now(UTC).timestamp() * 1000)
    data = seal(
        encode_payload(records),
        kind=kind,
        sitting_external_id=uuid.UUID(records["sitting"]["external_id"]),
        version=version,
        identity=identity,
        recipient=recipient,
    )
    await record(
        session,
        actor,
        "package.exported",
        target_type="sitting",
        target_id=sitting_id,
        sitting_id=sitting_id,
        details={
            "kind": kind,
            "package_id": str(read_header(data).package_id),
            "version": version,
            "recipient": recipient.fingerprint,
            "recipient_name": recipient.name,
            **counts,
        },
    )
    return data
