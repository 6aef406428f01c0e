from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class AuditFilter(BaseModel):
    action: str | None = None
    actor: str | None = None
    actor_kind: Literal["staff", "participant", "system"] | None = None
    target_type: str | None = None
    target_id: str | None = None
    sitting_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str | None
    target_id: str | None
    reason: str | None
    details: dict[str, Any]
    sitting_id: int | None
    ip: str | None
