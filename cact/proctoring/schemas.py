from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

Reason = Field(min_length=3, max_length=500, description="why: kept in the audit log")


class ReasonBody(BaseModel):
    reason: str = Reason


class OptionalReasonBody(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class ExtraTimeBody(BaseModel):
    minutes: int = Field(ge=1, le=240)
    reason: str = Reason


class MoveSeatBody(BaseModel):
    seat_id: int
    reason: str = Reason


class IncidentBody(BaseModel):
    note: str = Field(min_length=3, max_length=2000)
    attempt_id: int | None = None


class SittingState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title: str
    status: str
    token: str | None
    previous_token: str | None
    previous_token_valid_until: datetime | None
    starts_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    auto_start: bool = False
    started_at: datetime | None = None
    started_by: str | None = None


class AutoStartBody(BaseModel):
    enabled: bool = Field(description="start by itself at the sitting's start time")
    reason: str | None = Field(default=None, max_length=500)


class AttemptState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sitting_id: int
    status: str
    paused: bool
    closed_at: datetime | None
    close_reason: str | None
    reset_requested_at: datetime | None


class CloseOutcome(BaseModel):
    sitting: SittingState
    closed_attempts: list[int]
