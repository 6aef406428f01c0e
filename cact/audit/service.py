"""Recording audit events in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.repository import AuditRepository
from cact.audit.schemas import AuditFilter


class Account(Protocol):
    """What the log keeps of a staff account (``cact.auth.models.StaffUser``)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | participant | system
    id: int | None
    name: str
    ip: str | None = None

    @classmethod
    def staff(cls, user: Account, ip: str | None = None) -> Actor:
        return cls("staff", user.id, user.username, ip)

    @classmethod
    def participant(cls, participant_id: int, participant_no: str, ip: str | None = None) -> Actor:
        return cls("participant", participant_id, participant_no, ip)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls("system", None, name)


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    sitting_id: int | None = None,
) -> AuditEvent:
    """Add the event to the caller's transaction: it commits or rolls back with the change."""
    event = event_of(
        actor,
        action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
        sitting_id=sitting_id,
    )
    return await AuditRepository(session).add(event)


async def record_all(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    """Add events made with ``event_of`` in one flush (a batch of hundreds: one INSERT)."""
    if events:
        session.add_all(events)
        await session.flush()


def event_of(
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    sitting_id: int | None = None,
) -> AuditEvent:
    return AuditEvent(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        reason=reason,
        details=details or {},
        sitting_id=sitting_id,
        ip=actor.ip,
    )


async def search(
    session: AsyncSession, filters: AuditFilter, *, limit: int, offset: int
) -> tuple[list[AuditEvent], int]:
    repository = AuditRepository(session)
    statement = repository.filtered(filters)
    total = await repository.count(statement)
    events = await repository.all(statement.limit(limit).offset(offset))
    return list(events), total


async def filter_choices(session: AsyncSession) -> dict[str, list[str]]:
    """The actions and target types in the log, for choosing instead of typing."""
    repository = AuditRepository(session)
    return {
        "action": await repository.distinct_values("action"),
        "target_type": await repository.distinct_values("target_type"),
    }
