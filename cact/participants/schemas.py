from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from cact.rooms.schemas import NO_NUL
from item_bank.problems import Problem


class ParticipantFilter(BaseModel):
    q: str | None = Field(
        default=None, max_length=200, pattern=NO_NUL, description="number, NIP or name"
    )
    position: str | None = Field(
        default=None, max_length=64, pattern=NO_NUL, description="position code"
    )


class ParticipantRead(BaseModel):
    """A participant as staff see them: the PIN hash never leaves the server."""

    id: int
    participant_no: str
    nip: str | None
    name: str
    position_code: str | None
    position_name: str | None
    unit: str | None
    agency: str | None
    birth_date: date | None
    has_pin: bool
    performance_rating: str | None
    created_at: datetime


class RosterReport(BaseModel):
    """What a roster import did, or every problem when it did nothing (``valid`` false)."""

    file: str
    sitting_id: int | None
    dry_run: bool
    valid: bool
    rows: int
    created: int = 0
    updated: int = 0
    enrolled: int = Field(default=0, description="participants newly on the sitting's roster")
    seated: int = Field(default=0, description="enrollments whose seat was set or changed")
    problems: list[Problem] = Field(default_factory=list)

    def lines(self, lang: str = "en") -> list[str]:
        """The report as text lines (the CLI prints them)."""
        found = [f"{p.where()}: {p.message(lang)}" for p in self.problems]
        if found:
            return found
        return [
            f"{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.enrolled} enrolled, {self.seated} seated"
            + (" (check only, nothing saved)" if self.dry_run else "")
        ]
