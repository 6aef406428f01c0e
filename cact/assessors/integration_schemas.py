"""The integration's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cact.assessors.schemas import EvidenceRating

Rule = Literal["weighted_mean", "assessors_decide"]
MAX_REASON = 2000
MAX_LEVELS = 200  # competencies in one sign-off


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Rule


class FinalLevel(BaseModel):
    """The lead assessor's final level for one competency (checked by the service: 1–5, a
    reason when it differs from the proposal)."""

    model_config = ConfigDict(extra="forbid")

    competency: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    level: int
    reason: Annotated[str, StringConstraints(strip_whitespace=True)] = ""


class SignOffBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    levels: list[FinalLevel] = Field(max_length=MAX_LEVELS)


class IntegrationRow(BaseModel):
    """One competency side by side: CACT, every assessor per method, the weights, the rule's
    proposal, and the signed-off final level (when there is one)."""

    competency: str
    name_id: str
    name_en: str
    required_level: int | None
    cact_level: int | None
    cact_index: Decimal | None
    weights: dict[str, Decimal]
    ratings: dict[str, list[EvidenceRating]]
    method_levels: dict[str, Decimal]
    weighted_mean: Decimal | None
    proposed_level: int | None
    final_level: int | None = None
    reason: str = ""
    signed_cact_level: int | None = None  # the CACT level the sign-off read


class SignOffRead(BaseModel):
    version: int
    rule: str
    signed_off_by: str
    signed_off_at: datetime
    time_zone: str
    jpm: Decimal | None
    category: str | None
    nine_box: int | None


class IntegrationView(BaseModel):
    programme_id: int
    programme_code: str
    participant_id: int
    participant_no: str
    name: str
    nip: str | None
    position_group: str
    rule: str
    methods: list[str]
    cact_result: str | None  # "<sitting code>#r<version>"
    rows: list[IntegrationRow]
    signed: SignOffRead | None
    history: list[SignOffRead]
    needs_review: bool
    review_reasons: list[str]
