"""The roster attributes DIF can group attempts by, read from the participant and the position
(docs/item-analysis.md, "DIF: groups")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Attribute = Literal["gender", "agency", "unit", "age_band", "position_group", "position"]
ATTRIBUTES: tuple[Attribute, ...] = (
    "gender",
    "agency",
    "unit",
    "age_band",
    "position_group",
    "position",
)
# Age at the sitting's start: lower bounds of the bands, years.
AGE_BANDS: tuple[tuple[int, str], ...] = ((50, "50+"), (40, "40-49"), (30, "30-39"), (0, "<30"))
# The 15th digit of an ASN NIP (after birth date and appointment month): 1 male, 2 female.
NIP_GENDER = {"1": "male", "2": "female"}


@dataclass(frozen=True)
class Person:
    """What the roster keeps of an attempt's participant."""

    nip: str | None
    agency: str | None
    unit: str | None
    birth_date: date | None
    position: str | None
    position_group: str | None


def nip_birth_date(nip: str | None) -> date | None:
    """The birth date an 18-digit NIP starts with (YYYYMMDD), when it is a real date."""
    if not nip or len(nip) != 18 or not nip.isdigit():
        return None
    try:
        return datetime.strptime(nip[:8], "%Y%m%d").date()
    except ValueError:
        return None


def age_band(born: date | None, on: date) -> str | None:
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(label for lower, label in AGE_BANDS if age >= lower)


def value(person: Person, attribute: Attribute, on: date) -> str | None:
    """The person's group for ``attribute``; None when the roster does not say."""
    if attribute == "gender":
        nip = person.nip or ""
        return NIP_GENDER.get(nip[14]) if len(nip) == 18 and nip.isdigit() else None
    if attribute == "age_band":
        return age_band(person.birth_date or nip_birth_date(person.nip), on)
    text = {
        "agency": person.agency,
        "unit": person.unit,
        "position": person.position,
        "position_group": person.position_group,
    }[attribute]
    return text.strip() or None if text else None
