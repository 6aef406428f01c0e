"""Trusting and revoking other servers' keys (audited)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from cact.keys.identity import PublicKey, b64
from cact.keys.models import ROLES, TrustedKey
from cact.keys.repository import TrustedKeyRepository
from cact.kit.errors import Conflict, InvalidInput, NotFound


class TrustedKeyNotFound(NotFound):
    code = "trusted_key_not_found"
    message = "Kunci tepercaya tidak ditemukan. / No such trusted key."


class OwnKey(Conflict):
    code = "own_key"
    message = (
        "Ini kunci server ini sendiri; percayai kunci server yang lain. / "
        "This is this server's own key; trust the other server's key."
    )


def public_key_of(row: TrustedKey) -> PublicKey:
    return PublicKey(
        row.name, base64.b64decode(row.signing_public), base64.b64decode(row.encryption_public)
    )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(
            f"role: 'office' atau 'room', bukan {role!r}. / role: 'office' or 'room', not {role!r}."
        )
    return role


async def trust(
    session: AsyncSession,
    key: PublicKey,
    actor: Actor,
    *,
    role: str,
    name: str | None = None,
    own_fingerprint: str | None = None,
) -> TrustedKey:
    """Trust ``key``; trusting it again changes nothing, trusting a revoked key restores it."""
    _check_role(role)
    if own_fingerprint is not None and key.fingerprint == own_fingerprint:
        raise OwnKey()
    label = (name or key.name).strip()[:200] or key.name
    repository = TrustedKeyRepository(session)
    row = await repository.by_fingerprint(key.fingerprint)
    if row is not None and row.signing_public != b64(key.signing_public):
        raise Conflict("Sidik jari bertabrakan. / Fingerprint collision.")
    if row is not None and row.revoked_at is None:
        return row
    if row is None:
        row = await repository.add(
            TrustedKey(
                name=label,
                role=role,
                signing_public=b64(key.signing_public),
                encryption_public=b64(key.encryption_public),
                fingerprint=key.fingerprint,
                trusted_by=actor.name,
            )
        )
    else:
        row.name, row.role, row.revoked_at, row.revoked_by = label, role, None, None
        row.encryption_public = b64(key.encryption_public)
        row.trusted_at, row.trusted_by = datetime.now(UTC), actor.name
        await session.flush()
    await record(
        session,
        actor,
        "key.trusted",
        target_type="trusted_key",
        target_id=row.fingerprint,
        details={"name": row.name, "role": row.role},
    )
    return row


async def revoke(session: AsyncSession, key_id: int, actor: Actor) -> TrustedKey:
    repository = TrustedKeyRepository(session)
    row = await repository.for_update_or_raise(key_id, TrustedKeyNotFound)
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = datetime.now(UTC), actor.name
        await session.flush()
        await record(
            session,
            actor,
            "key.revoked",
            target_type="trusted_key",
            target_id=row.fingerprint,
            details={"name": row.name, "role": row.role},
        )
    return row


async def list_keys(session: AsyncSession) -> list[TrustedKey]:
    return await TrustedKeyRepository(session).listing()


async def active_key(session: AsyncSession, fingerprint: str) -> TrustedKey | None:
    row = await TrustedKeyRepository(session).by_fingerprint(fingerprint)
    return row if row is not None and row.revoked_at is None else None
