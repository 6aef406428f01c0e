from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ItemFilter(BaseModel):
    competency: str | None = None
    level: int | None = Field(default=None, ge=1, le=5)
    kind: Literal["weighted", "keyed"] | None = None
    status: Literal["active", "retired"] | None = None
    q: str | None = Field(default=None, max_length=200, description="text in id, stem or options")


class OptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    text_html: str
    weight: int | None
    correct: bool


class ItemVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    level: int | None
    stem_html: str
    media_url: str | None = None
    media_alt: str | None
    points: int | None
    source: str | None
    created_at: datetime
    used_by_attempts: int = 0
    options: list[OptionRead]


class ItemRead(BaseModel):
    """The editor's view of an item: with weights and keys. Never sent to a kiosk."""

    id: str
    competency: str
    kind: str
    status: str
    current_version: int
    retired_at: datetime | None
    current: ItemVersionRead


class ItemSummary(BaseModel):
    id: str
    competency: str
    kind: str
    status: str
    current_version: int
    level: int | None
    stem_text: str


class RetireRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class ImportOutcome(BaseModel):
    created: list[str] = Field(default_factory=list)
    new_versions: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    competencies: list[str] = Field(default_factory=list)
    dry_run: bool = False
