from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BlueprintSectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    title: str
    time_limit_seconds: int
    shuffle_items: bool
    shuffle_options: bool
    rules: list[dict[str, Any]] | None
    item_ids: list[str] | None
    break_after_seconds: int | None = Field(
        description="the break after this section (null: the blueprint's break_seconds)"
    )


class BlueprintRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title: str
    status: str
    break_seconds: int = Field(
        description="the break between two sections, at most this long (0: none); the next "
        "section's clock starts at the participant's click or when the break ends"
    )
    created_at: datetime
    sections: list[BlueprintSectionRead]


class ShortfallRead(BaseModel):
    section: int
    what: str
    wanted: int
    available: int


class BlueprintCheck(BaseModel):
    satisfiable: bool
    item_count: int
    shortfalls: list[ShortfallRead]


class PreviewSection(BaseModel):
    title: str
    time_limit_seconds: int
    items: list[dict[str, Any]]


class FormPreview(BaseModel):
    seed: int
    sections: list[PreviewSection]
