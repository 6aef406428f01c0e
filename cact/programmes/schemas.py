from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cact.participants.schemas import RosterReport
from cact.programmes.models import DEFAULT_VALIDITY_MONTHS
from cact.rooms.schemas import MAX_ID, NO_NUL

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CoverageStatus = Literal["assessed", "scheduled", "absent", "unscheduled"]
Movable = Literal["absent", "unscheduled"]


class _Base(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ProgrammeCreate(_Base):
    code: str = Field(min_length=1, max_length=64, pattern=CODE_PATTERN)
    title: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    description: str | None = Field(default=None, max_length=4000, pattern=NO_NUL)
    validity_months: int = Field(
        default=DEFAULT_VALIDITY_MONTHS, ge=1, le=240, description="how long a result stays valid"
    )


class ProgrammeUpdate(_Base):
    title: str | None = Field(default=None, min_length=1, max_length=200, pattern=NO_NUL)
    description: str | None = Field(default=None, max_length=4000, pattern=NO_NUL)
    validity_months: int | None = Field(default=None, ge=1, le=240)


class SittingBrief(_Base):
    id: int
    code: str
    title: str
    status: str
    starts_at: datetime


class ProgrammeRead(_Base):
    id: int
    code: str
    title: str
    description: str | None
    validity_months: int
    created_at: datetime
    population: int = 0
    sittings: list[SittingBrief] = Field(default_factory=list)


class CoverageCounts(BaseModel):
    population: int
    assessed: int
    scheduled: int
    absent: int
    unscheduled: int
    outside_population: int = Field(description="assessed in a programme sitting, not on the list")


class MemberRead(BaseModel):
    participant_id: int
    participant_no: str
    nip: str | None
    name: str
    position_code: str | None
    unit: str | None
    position_group: str | None
    status: CoverageStatus
    sittings: list[str] = Field(description="codes of the programme sittings they are on")


class Coverage(BaseModel):
    counts: CoverageCounts
    members: list[MemberRead]


class MoveRequest(_Base):
    sitting_id: int = Field(ge=1, le=MAX_ID, description="a later, still scheduled wave")
    which: list[Movable] = Field(default=["absent", "unscheduled"], min_length=1)
    limit: int | None = Field(default=None, ge=1, le=100_000, description="move at most this many")


class MoveReport(BaseModel):
    sitting_id: int
    moved: int
    absent: int
    unscheduled: int
    left: int = Field(description="of the chosen kinds, not moved because of the limit")


class PopulationReport(RosterReport):
    """The roster report plus what changed in the programme's target population."""

    programme_id: int
    added: int = 0
    kept: int = 0


class Filters(BaseModel):
    unit: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    group: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    sitting_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class HeatCell(BaseModel):
    unit: str
    competency: str
    assessed: int
    below: int
    share_below: Decimal
    mean_gap: Decimal


class NeedRow(BaseModel):
    competency: str
    participant_id: int
    nip: str | None
    name: str
    unit: str | None
    position_code: str | None
    attained: int
    required: int
    gap: int


class NineBoxCell(BaseModel):
    unit: str
    box: int
    count: int
    names: list[str]


class MatchRow(BaseModel):
    rank: int
    participant_id: int
    nip: str | None
    name: str
    unit: str | None
    current_position: str | None
    jpm: Decimal | None
    category: str | None
    gaps: dict[str, int] = Field(description="competency → attained − required (negative only)")
    untested: list[str] = Field(default_factory=list)


class HistoryResult(BaseModel):
    attempt_id: int
    sitting_code: str
    programme_code: str | None
    assessed_at: datetime
    valid_until: datetime
    time_zone: str = Field(description="the room's IANA zone; dates on the pages are read in it")
    valid: bool
    latest_valid: bool
    jpm: Decimal | None
    category: str | None
    levels: dict[str, int]


class PersonHistory(BaseModel):
    participant_id: int
    nip: str | None
    name: str
    as_of: datetime
    latest_valid_attempt_id: int | None
    results: list[HistoryResult]
