from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cact.scoring.policy import PolicyBody


class PolicyCreate(BaseModel):
    """A new version of a policy code (version = the code's latest + 1)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    body: PolicyBody


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    version: int
    body: dict[str, Any]
    created_at: datetime


class SittingPolicy(BaseModel):
    policy_id: int | None = Field(description="null: the newest version of the default policy")


class ResultCompetencyRead(BaseModel):
    competency: str
    name_id: str
    name_en: str
    kind: str
    raw_score: Decimal
    max_score: Decimal
    index: Decimal
    attained_level: int
    required_level: int | None
    gap: int | None


class RecommendationRead(BaseModel):
    competency: str
    attained_level: int
    required_level: int
    gap: int
    text_id: str
    text_en: str
    indicators_id: list[str]
    indicators_en: list[str]


class ResultRead(BaseModel):
    id: int
    attempt_id: int
    version: int
    is_current: bool
    policy_id: int
    scored_at: datetime
    reason: str | None
    jpm: Decimal | None
    category: str | None
    combined_score: Decimal | None
    nine_box: int | None
    details: dict[str, Any]
    competencies: list[ResultCompetencyRead]
    recommendations: list[RecommendationRead] = Field(default_factory=list)


class SittingResultRead(ResultRead):
    participant_id: int
    participant_no: str
    participant_name: str


class RescoreRequest(BaseModel):
    """Re-score after a key correction: new result versions, the old ones kept."""

    model_config = ConfigDict(extra="forbid")

    attempt_ids: list[int] | None = Field(default=None, min_length=1, max_length=10_000)
    sitting_id: int | None = None
    reason: str = Field(min_length=3, max_length=200)
    keys: Literal["current", "presented"] = Field(
        default="current", description="current: the items' corrected keys; presented: as sat"
    )

    @model_validator(mode="after")
    def _one_target(self) -> RescoreRequest:
        if (self.attempt_ids is None) == (self.sitting_id is None):
            raise ValueError("give attempt_ids or sitting_id, not both")
        return self


class RescoreOutcome(BaseModel):
    results: int
    attempt_ids: list[int]


class PerformanceReport(BaseModel):
    updated: int
    results_rescored: int
