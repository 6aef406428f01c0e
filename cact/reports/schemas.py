"""What the reports show, as JSON: the same data the printable pages are rendered from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from cact.scoring.schemas import RecommendationRead


class ParticipantPart(BaseModel):
    id: int
    participant_no: str
    name: str
    nip: str | None
    position_code: str | None
    position_name: str | None
    unit: str | None
    agency: str | None


class SittingPart(BaseModel):
    id: int
    code: str
    title: str
    starts_at: datetime
    status: str
    time_zone: str = Field(
        default="Asia/Jakarta", description="the room's IANA zone: every time of the report"
    )


class CategoryPart(BaseModel):
    """One category scale's verdict, with the labels of the band the policy defines."""

    scale: str
    code: str
    label_id: str
    label_en: str
    stored: bool = Field(description="the scale whose code is result.category")


class CompetencyRow(BaseModel):
    competency: str
    name_id: str
    name_en: str
    kind: str
    index: Decimal | None  # none for a competency only the assessors evidenced
    attained_level: int
    required_level: int | None
    gap: int | None


class UntestedRow(BaseModel):
    competency: str
    name_id: str
    name_en: str
    required_level: int


class PolicyPart(BaseModel):
    id: int
    code: str
    version: int


class IndividualReport(BaseModel):
    attempt_id: int
    attempt_status: str
    closed_at: datetime | None
    close_reason: str | None = Field(
        default=None, description="finished | deadline | sitting_closed | terminated"
    )
    close_note: str | None = Field(default=None, description="the proctor's reason to terminate")
    participant: ParticipantPart
    sitting: SittingPart
    result_id: int
    result_version: int
    result_reason: str | None
    scored_at: datetime
    policy: PolicyPart
    jpm: Decimal | None
    category: str | None
    categories: list[CategoryPart]
    combined_score: Decimal | None
    combined_parts: dict[str, Decimal | None]
    performance_rating: str | None
    potential: str | None
    nine_box: int | None
    competencies: list[CompetencyRow]
    untested: list[UntestedRow]
    recommendations: list[RecommendationRead]
    integrated: IntegratedPart | None = Field(
        default=None, description="the signed-off integrated profile the levels above follow"
    )


class IntegratedRow(BaseModel):
    """One competency's evidence as the sign-off read it, and the final level."""

    competency: str
    cact_level: int | None
    cact_index: Decimal | None
    methods: dict[str, list[int]]  # method code → the assessors' levels
    proposed_level: int | None
    final_level: int
    reason: str


class IntegratedPart(BaseModel):
    programme_id: int
    version: int
    rule: str
    signed_off_by: str
    signed_off_at: datetime
    time_zone: str
    cact_jpm: Decimal | None  # the CACT result's own JPM, before the integration
    cact_category: str | None
    needs_review: bool
    review_reasons: list[str]
    rows: list[IntegratedRow]


class CategoryCount(BaseModel):
    code: str
    label_id: str
    label_en: str
    count: int


class ScaleDistribution(BaseModel):
    scale: str
    stored: bool
    counts: list[CategoryCount]
    uncategorised: int


class CompetencyMean(BaseModel):
    competency: str
    name_id: str
    name_en: str
    results: int = Field(description="current results that tested the competency")
    mean_attained: Decimal
    mean_required: Decimal | None = Field(description="over those with a required level")


class NineBoxCell(BaseModel):
    box: int
    potential: str  # high | medium | low
    rating: str  # below | meets | above
    count: int


class Attendance(BaseModel):
    registered: int
    present: int = Field(description="attempts started")
    absent: int
    finished: int = Field(description="submitted or expired")
    terminated: int


class Incident(BaseModel):
    occurred_at: datetime
    actor: str
    participant: str | None
    note: str


class EndingRow(BaseModel):
    attempt_id: int
    participant_no: str
    name: str
    close_reason: str | None
    label_id: str
    label_en: str
    close_note: str | None
    in_distributions: bool
    scored: bool = Field(
        default=True,
        description="false: the scoring policy leaves this (terminated) attempt unscored",
    )


class AbsentRow(BaseModel):
    participant_no: str
    name: str


class RosterRow(BaseModel):
    """One participant on the sitting's roster and where their individual report is."""

    participant_id: int
    participant_no: str
    name: str
    nip: str | None
    presence: str = Field(description="attended | absent | terminated")
    attempt_id: int | None
    attempt_status: str | None
    close_reason: str | None = Field(
        description="finished | deadline | sitting_closed | terminated; null while open"
    )
    close_note: str | None
    report: bool = Field(description="the attempt has a current result: its report exists")


class SittingReport(BaseModel):
    sitting: SittingPart
    results: int = Field(description="attempts with a current result")
    jpm_mean: Decimal | None
    distributions: list[ScaleDistribution]
    competencies: list[CompetencyMean]
    nine_box: list[list[NineBoxCell]] = Field(
        description="rows: potential high, medium, low; columns: below, meets, above"
    )
    nine_box_unknown: int
    attendance: Attendance
    incidents: list[Incident]
    endings: list[EndingRow] = Field(
        default_factory=list, description="every attempt that did not end by the participant"
    )
    absent: list[AbsentRow] = Field(default_factory=list)
    left_out_of_distributions: int = 0
    participants: list[RosterRow] = Field(
        default_factory=list, description="everyone on the roster, by participant number"
    )


IndividualReport.model_rebuild()
