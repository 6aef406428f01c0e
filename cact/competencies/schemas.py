from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CompetencyLevelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    level: int
    title_id: str
    title_en: str
    descriptor_id: str
    descriptor_en: str
    indicators_id: list[str]
    indicators_en: list[str]


class CompetencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: str
    name_id: str
    name_en: str
    definition_id: str
    definition_en: str
    levels: list[CompetencyLevelRead]
