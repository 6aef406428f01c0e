from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from cact.rooms.schemas import NO_NUL, RowId

EndScreen = Literal["completion", "results"]
SittingCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    ),
]
# Room for the "-G30" that names each wave.
WaveCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    ),
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
MAX_WAVES = 30


class SittingCreate(BaseModel):
    code: SittingCode
    title: Title
    room_id: RowId
    blueprint_id: RowId
    starts_at: AwareDatetime
    scoring_policy_id: RowId | None = Field(default=None, description="None: the default policy")
    end_screen: EndScreen = "completion"
    proctor_ids: list[RowId] = Field(default_factory=list, max_length=50)


class WavesCreate(BaseModel):
    """Several sittings of one assessment on one blueprint: codes ``<code>-G1``, ``-G2`` …"""

    code: WaveCode
    title: Title
    room_id: RowId
    blueprint_id: RowId
    starts: list[AwareDatetime] = Field(min_length=1, max_length=MAX_WAVES)
    scoring_policy_id: RowId | None = None
    end_screen: EndScreen = "completion"
    proctor_ids: list[RowId] = Field(default_factory=list, max_length=50)


class SittingUpdate(BaseModel):
    """Only the fields sent change; room and blueprint only while the sitting is scheduled."""

    code: SittingCode | None = None
    title: Title | None = None
    room_id: RowId | None = None
    blueprint_id: RowId | None = None
    starts_at: AwareDatetime | None = None
    scoring_policy_id: RowId | None = Field(default=None, description="null: the default policy")
    end_screen: EndScreen | None = None


class ProctorsUpdate(BaseModel):
    staff_ids: list[RowId] = Field(max_length=50)


class SeatAssignment(BaseModel):
    enrollment_id: RowId
    seat_id: RowId | None = Field(description="null: no seat")


class SeatsUpdate(BaseModel):
    seats: list[SeatAssignment] = Field(min_length=1, max_length=5000)


class AutoSeats(BaseModel):
    only_missing: bool = Field(
        default=False, description="keep the seats already given; seat only the others"
    )


class EnrollRequest(BaseModel):
    participant_nos: list[str] = Field(min_length=1, max_length=5000)


class ProctorRead(BaseModel):
    id: int
    username: str
    full_name: str


class EnrollmentRead(BaseModel):
    id: int
    participant_id: int
    participant_no: str
    nip: str | None
    name: str
    position_code: str | None
    seat_id: int | None
    seat_label: str | None
    attendance: str


class SittingRead(BaseModel):
    id: int
    code: str
    title: str
    status: str
    room_id: RowId
    room_code: str
    time_zone: str = Field(description="the room's IANA time zone, inherited by the sitting")
    blueprint_id: RowId
    blueprint_code: str
    scoring_policy_id: RowId | None
    starts_at: datetime
    end_screen: str
    enrolled: int
    seated: int
    proctors: list[ProctorRead]
    opened_at: datetime | None
    closed_at: datetime | None


class SittingDetail(SittingRead):
    token: str | None
    enrollments: list[EnrollmentRead]
