from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, IPvAnyAddress, StringConstraints

from cact.kit.timezones import DEFAULT_ZONE, check_zone

# Row ids are PostgreSQL bigints: a larger number in a request is a 422, not a driver error.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# "A01, A02 … B01" (row letter, column number) or "01, 02 …" row by row.
SeatLabelling = Literal["letter_number", "number"]

RoomCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    ),
]
# PostgreSQL text cannot hold NUL: such input is a 422, not a driver error.
NO_NUL = r"^[^\x00]*$"
Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
SeatLabel = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[^\s~\x00][^\x00]*$"
    ),
]

# An IANA name the zone database knows ("Asia/Makassar"); anything else is a 422 that says so.
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(check_zone)]

MAX_ROWS = 26  # one letter per row
MAX_COLS = 60


class RoomCreate(BaseModel):
    code: RoomCode
    name: Text200
    location: Text200 | None = None
    rows: int = Field(ge=1, le=MAX_ROWS)
    cols: int = Field(ge=1, le=MAX_COLS)
    labels: SeatLabelling = "letter_number"
    time_zone: TimeZone = DEFAULT_ZONE


class RoomUpdate(BaseModel):
    name: Text200 | None = None
    location: Text200 | None = None
    time_zone: TimeZone | None = None


class SeatCreate(BaseModel):
    label: SeatLabel
    grid_row: int = Field(ge=1, le=MAX_ROWS * 4)
    grid_col: int = Field(ge=1, le=MAX_COLS * 2)
    workstation_ip: IPvAnyAddress | None = None


class SeatUpdate(BaseModel):
    """Only the fields sent change; ``"workstation_ip": null`` removes the binding."""

    label: SeatLabel | None = None
    workstation_ip: IPvAnyAddress | None = None


class BindingLine(BaseModel):
    """One seat's workstation IP; no IP (or "-") removes the binding. ``line`` names it in
    problems (the line of the pasted text, or the position in the list)."""

    line: int | None = None
    seat: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64, pattern=NO_NUL)]
    ip: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=64, pattern=NO_NUL)]
        | None
    ) = None


class BulkBindings(BaseModel):
    """Either ``text`` ("seat label, IP" lines, as pasted or read from a CSV) or ``bindings``."""

    text: Annotated[str, StringConstraints(max_length=200_000, pattern=NO_NUL)] | None = None
    bindings: list[BindingLine] | None = Field(default=None, max_length=2_000)


class Relabel(BaseModel):
    labels: SeatLabelling


class SeatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    grid_row: int
    grid_col: int
    workstation_ip: str | None
    in_use: bool = False


class RoomRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    location: str | None
    time_zone: str
    created_at: datetime
    seat_count: int = 0


class RoomDetail(RoomRead):
    seats: list[SeatRead]


class BulkBindingsResult(BaseModel):
    changed: int
    room: RoomDetail
