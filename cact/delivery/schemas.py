"""Kiosk protocol v1 (SPEC §3.8). Fields may be added, never renamed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Timed(BaseModel):
    server_time: datetime = Field(description="Server time, ISO-8601 UTC; the kiosk's clock offset")


class KioskLoginRequest(BaseModel):
    participant_no: str = Field(min_length=1, max_length=32)
    token: str = Field(min_length=1, max_length=16)
    secret: str | None = Field(default=None, max_length=64, description="birth date or PIN")


class ParticipantView(BaseModel):
    name: str
    participant_no: str
    position: str | None


class KioskLoginResponse(Timed):
    kiosk_token: str = Field(description="Send as `Authorization: Bearer …` on every call")
    attempt_id: int
    participant: ParticipantView


class SectionSummary(BaseModel):
    id: int
    title: str
    status: str = Field(description="pending | open | closed")
    remaining_ms: int
    time_limit_ms: int
    item_count: int
    answered_count: int
    break_before_ms: int = Field(
        default=0,
        description="added in v1 (issue 13): the break before this section, at most this long "
        "(0: none; never before the first)",
    )
    break_ends_at: datetime | None = Field(
        default=None,
        description="added in v1: while this section waits behind its break (status pending), "
        "when the break ends and its clock starts by itself (moves while paused); else null",
    )
    break_remaining_ms: int | None = Field(
        default=None,
        description="added in v1: milliseconds of that break left (frozen while paused; 0: "
        "the clock has started, ask for the section); null when no break runs before it",
    )


class AttemptView(Timed):
    attempt_id: int
    status: str = Field(description="not_started | in_progress | submitted | expired | terminated")
    paused: bool
    current_section_id: int | None = Field(
        description="the open section; during a break between sections the section that "
        "comes next (still pending: GET /sections/{id} or POST /attempt/start starts it)"
    )
    break_ends_at: datetime | None = Field(
        default=None,
        description="added in v1 (issue 13): when the running break ends and the next "
        "section's clock starts by itself; null outside a break",
    )
    break_remaining_ms: int | None = Field(
        default=None,
        description="added in v1: milliseconds of the running break left (frozen while "
        "paused); null outside a break",
    )
    sitting_title: str
    instructions_html: str
    max_seq: int = Field(description="the highest seq stored for this attempt (0: none)")
    results: dict[str, Any] | None = Field(
        default=None,
        description="the participant's own levels, JPM and category once the attempt is "
        "closed, when the sitting shows results at the end (otherwise null)",
    )
    sections: list[SectionSummary]


class MediaView(BaseModel):
    url: str
    alt: str


class OptionView(BaseModel):
    option_id: int
    label: str
    text_html: str


class ItemView(BaseModel):
    item_id: int
    number: int
    stem_html: str
    media: MediaView | None
    options: list[OptionView]


class StoredAnswer(BaseModel):
    option_id: int | None
    doubtful: bool
    seq: int


class SectionView(Timed):
    id: int
    title: str
    status: str
    remaining_ms: int
    items: list[ItemView]
    answers: dict[str, StoredAnswer]


class AnswerRequest(BaseModel):
    option_id: int | None = Field(description="null clears the answer")
    doubtful: bool = False
    seq: int = Field(ge=1, le=2**62, description="per-attempt, strictly increasing")


class AnswerAck(Timed):
    applied: bool = Field(description="false: a higher or equal seq is already stored")
    stored_seq: int
    remaining_ms: int
    paused: bool = Field(
        default=False, description="the proctor paused this attempt or the sitting: stop the clock"
    )


class HeartbeatView(Timed):
    status: str
    paused: bool
    current_section_id: int | None = Field(
        description="the open section, or during a break the section that comes next"
    )
    remaining_ms: int | None = Field(
        description="the current section's time left (during a break: its full time)"
    )
    break_remaining_ms: int | None = Field(
        default=None,
        description="added in v1 (issue 13): the running break's time left; null outside one",
    )
