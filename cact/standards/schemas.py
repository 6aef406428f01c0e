from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PositionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    group: str | None
    created_at: datetime


class RequiredLevel(BaseModel):
    competency: str
    name_id: str
    name_en: str
    kind: str
    required_level: int


class PositionDetail(PositionRead):
    standard: list[RequiredLevel]


class ImportReport(BaseModel):
    positions_created: list[str] = Field(default_factory=list)
    positions_updated: list[str] = Field(default_factory=list)
    required_levels: int = 0
