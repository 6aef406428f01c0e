"""Time zones as people in the room read them: IANA names, labelled WIB / WITA / WIT.

Stored times are UTC. A room has one IANA zone (``room.time_zone``) that its sittings inherit;
pages not tied to a room use the configured default (``CACT_TIME_ZONE``, Asia/Jakarta)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cact.config import get_settings

DEFAULT_ZONE = "Asia/Jakarta"
# Indonesia's three zones as Keppres 41/1987 names them (and the zone database's aliases).
INDONESIAN_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}
# Offered first in the room form; any other IANA name may be typed.
SUGGESTED = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


class UnknownTimeZone(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Zona waktu {name!r} tidak dikenal; pakai nama IANA seperti Asia/Jakarta (WIB), "
            f"Asia/Makassar (WITA) atau Asia/Jayapura (WIT). / Unknown time zone {name!r}; use "
            "an IANA name such as Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)."
        )


def default_zone() -> str:
    """The zone of pages not tied to a room (``CACT_TIME_ZONE``, default Asia/Jakarta)."""
    return get_settings().time_zone


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(name: str) -> str:
    """The name, stripped, if the zone database knows it; else UnknownTimeZone."""
    cleaned = name.strip()
    if cleaned not in _known() or cleaned.lower() == "localtime":
        raise UnknownTimeZone(cleaned)
    return cleaned


@cache
def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; an unknown or empty name falls back to the default zone."""
    try:
        return ZoneInfo(name or default_zone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" if rest == 0 else f"UTC{sign}{hours}:{rest:02d}"


def label(name: str | None, moment: datetime | None = None) -> str:
    """WIB / WITA / WIT; elsewhere the zone's abbreviation (CET) or its offset (UTC+4)."""
    tz = zone(name)
    key = str(tz.key)
    if key in INDONESIAN_LABELS:
        return INDONESIAN_LABELS[key]
    at = (moment or datetime.now(UTC)).astimezone(tz)
    abbreviation = at.tzname() or ""
    if abbreviation and abbreviation[0].isalpha():
        return abbreviation
    return _offset_text(at.utcoffset())


def local(moment: datetime, name: str | None) -> datetime:
    """The same instant on the zone's wall clock (a naive moment is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(name))


def offset_minutes(name: str | None, moment: datetime | None = None) -> int:
    at = local(moment or datetime.now(UTC), name)
    return int((at.utcoffset() or timedelta()).total_seconds() // 60)


def from_wall(wall: datetime, name: str | None) -> datetime:
    """A wall-clock reading (naive) in the zone, as an aware instant."""
    return wall.replace(tzinfo=zone(name))


@dataclass(frozen=True)
class Zone:
    """One zone as a page or a report uses it: the name, its label, formatting helpers."""

    name: str

    @property
    def label(self) -> str:
        return label(self.name)

    def describe(self) -> str:
        """ "WITA (Asia/Makassar)": what a time input says it reads."""
        return f"{self.label} ({self.name})"

    def when(self, moment: datetime | None, layout: str = "%Y-%m-%d %H:%M") -> str:
        if moment is None:
            return "—"
        return f"{local(moment, self.name).strftime(layout)} {label(self.name, moment)}"

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "offset_minutes": offset_minutes(self.name)}
