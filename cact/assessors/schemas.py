from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cact.rooms.schemas import MAX_ID
from item_bank.problems import Problem

MethodKind = Literal["computer", "psychometric", "interview", "exercise"]
MethodCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,32}$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Group = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_EVIDENCE = 4000
MAX_BULK = 2000


class MethodCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: MethodCode
    name_id: Name
    name_en: Name
    kind: MethodKind


class MethodUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_id: Name | None = None
    name_en: Name | None = None
    kind: MethodKind | None = None
    is_active: bool | None = None


class MethodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_id: str
    name_en: str
    kind: str
    is_active: bool


class MatrixCell(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    method: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    weight: Annotated[Decimal, Field(max_digits=6, decimal_places=2)]


class MatrixBody(BaseModel):
    """The whole matrix of one position group (``''``: everyone without a group of its own)."""

    model_config = ConfigDict(extra="forbid")

    position_group: Group = ""
    cells: Annotated[list[MatrixCell], Field(max_length=5000)]


class MatrixCellRead(BaseModel):
    position_group: str
    competency: str
    method: str
    weight: Decimal


class AssignmentCreate(BaseModel):
    """One assessor, one method, many participants (by number), in a programme or a sitting."""

    model_config = ConfigDict(extra="forbid")

    assessor_id: Id
    method: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    programme_id: Id | None = None
    sitting_id: Id | None = None
    participants: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]],
        Field(min_length=1, max_length=MAX_BULK),
    ]


class AssignmentRead(BaseModel):
    id: int
    assessor_id: int
    assessor: str
    participant_id: int
    participant_no: str
    participant_name: str
    method: str
    method_name: str
    programme_id: int | None
    programme_code: str | None
    sitting_id: int | None
    sitting_code: str | None
    position_group: str


class AssignmentReport(BaseModel):
    created: int
    already: int


class RatingInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    level: int
    evidence: Annotated[str, StringConstraints(strip_whitespace=True)] = ""


class RatingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratings: Annotated[list[RatingInput], Field(min_length=1, max_length=200)]


class RatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    competency_code: str
    level: int
    evidence: str
    version: int
    source: str
    rated_at: datetime
    rated_by: int


class CompetencyToRate(BaseModel):
    code: str
    name_id: str
    name_en: str
    weight: Decimal
    current: RatingRead | None


class RatingSheet(BaseModel):
    """What the rating page shows: the assignment and each competency to rate."""

    assignment: AssignmentRead
    competencies: list[CompetencyToRate]


class SavedRatings(BaseModel):
    changed: int
    unchanged: int


class SheetReport(BaseModel):
    file: str
    valid: bool
    dry_run: bool = False
    rows: int
    changed: int = 0
    unchanged: int = 0
    problems: list[Problem] = []


class EvidenceRead(BaseModel):
    """Per participant × competency, every method's current ratings: the integration's input."""

    participant_id: int
    competency: str
    by_method: dict[str, list[EvidenceRating]]


class EvidenceRating(BaseModel):
    assessor_id: int
    assessor: str
    level: int
    evidence: str
    version: int
    rated_at: datetime


EvidenceRead.model_rebuild()
