"""Item exposure and history across sittings, on plain numbers (no database): the rules that
flag an item version as over-exposed or drifting (docs/item-analysis.md, "Exposure and
history"). The per-sitting numbers come from the item analysis (stored in item_statistic and
item_calibration when a sitting's analysis is stored); nothing here computes a statistic."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cact.analysis.stats import MIN_FLAG_N

# Over-exposed: any one of these.
MAX_EXPOSURE_RATE = 0.5  # shown to more than half of a sitting's started attempts …
MIN_EXPOSURE_ATTEMPTS = MIN_FLAG_N  # … in a sitting where at least this many attempts started
MAX_SITTINGS = 5  # shown in more sittings than this
MAX_SEEN = 1000  # shown to more attempts than this, all sittings together
# Drifting: between two sittings, each with n ≥ DRIFT_MIN_N for this version (the next such
# sitting in time), the facility moved by more than DRIFT_FACILITY, or the calibrated Rasch
# difficulty by more than DRIFT_LOGITS and by more than DRIFT_SE_FACTOR joint standard errors
# once the two sittings' logit frames are linked (each sitting centres its scale's items on 0):
# minus the median change of the scale's versions calibrated in both on n ≥ DRIFT_MIN_N, of
# which there must be at least LINK_MIN_ITEMS (else the difficulty is not compared).
DRIFT_MIN_N = MIN_FLAG_N
DRIFT_FACILITY = 0.15
DRIFT_LOGITS = 0.5
DRIFT_SE_FACTOR = 2.0
LINK_MIN_ITEMS = 3

OVER_EXPOSED = "over_exposed"
DRIFTING = "drifting"
REASONS = ("rate", "sittings", "seen", "facility", "difficulty")  # why a version is flagged


@dataclass
class SittingEntry:
    """One item version in one sitting: exposure always; statistics once the closed sitting's
    analysis is stored; the difficulty when the sitting's scale was calibrated."""

    sitting_id: int
    code: str
    title: str
    starts_at: datetime
    time_zone: str
    status: str
    seen: int  # started attempts whose form held this version
    started: int  # started attempts of the sitting
    n: int | None = None  # closed attempts in the item analysis
    facility: float | None = None
    discrimination: float | None = None
    discrimination_basis: str | None = None
    difficulty: float | None = None
    difficulty_se: float | None = None
    calibration_n: int | None = None
    flags: list[str] = field(default_factory=list)  # over_exposed (rate), drifting (vs before)
    facility_change: float | None = None  # against the previous sitting compared (n ≥ min)
    difficulty_change: float | None = None  # linked to the previous sitting's frame

    @property
    def rate(self) -> float | None:
        return self.seen / self.started if self.started else None


@dataclass
class VersionHistory:
    item_id: str
    version: int
    item_version_id: int
    competency: str
    sittings: list[SittingEntry] = field(default_factory=list)  # oldest first
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # of REASONS

    @property
    def seen(self) -> int:
        return sum(s.seen for s in self.sittings)

    @property
    def started(self) -> int:
        return sum(s.started for s in self.sittings)

    @property
    def rate(self) -> float | None:
        return self.seen / self.started if self.started else None

    @property
    def max_rate(self) -> float | None:
        rates = [s.rate for s in self.sittings if s.rate is not None]
        return max(rates) if rates else None

    @property
    def n(self) -> int:
        return sum(s.n or 0 for s in self.sittings)

    @property
    def facility(self) -> float | None:
        """Pooled over the sittings with statistics: Σ n·p / Σ n."""
        pairs = [(s.n, s.facility) for s in self.sittings if s.n and s.facility is not None]
        total = sum(n for n, _ in pairs)
        return math.fsum(n * p for n, p in pairs) / total if total else None

    @property
    def latest_facility(self) -> float | None:
        known = [s.facility for s in self.sittings if s.facility is not None]
        return known[-1] if known else None


@dataclass(frozen=True)
class Calibrated:
    """One stored calibration: an item version's difficulty in one sitting."""

    competency: str
    sitting_id: int
    item_version_id: int
    difficulty: float
    n: int


class Link:
    """The shift between two sittings' logit frames of one scale: the median change of the
    difficulties of the versions calibrated in both on n ≥ DRIFT_MIN_N."""

    def __init__(self, calibrations: Iterable[Calibrated]) -> None:
        self.frames: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
        for c in calibrations:
            if c.n >= DRIFT_MIN_N:
                self.frames[(c.competency, c.sitting_id)][c.item_version_id] = c.difficulty

    def shift(self, competency: str, before: int, after: int) -> float | None:
        first = self.frames.get((competency, before), {})
        second = self.frames.get((competency, after), {})
        common = sorted(set(first) & set(second))
        if len(common) < LINK_MIN_ITEMS:
            return None
        return statistics.median(second[v] - first[v] for v in common)


def over_exposed_in(entry: SittingEntry) -> bool:
    rate = entry.rate
    return entry.started >= MIN_EXPOSURE_ATTEMPTS and rate is not None and rate > MAX_EXPOSURE_RATE


def _difficulty_moved(before: SittingEntry, after: SittingEntry) -> float | None:
    """The change of difficulty when both are calibrated on n ≥ DRIFT_MIN_N, else None."""
    if before.difficulty is None or after.difficulty is None:
        return None
    if (before.calibration_n or 0) < DRIFT_MIN_N or (after.calibration_n or 0) < DRIFT_MIN_N:
        return None
    return after.difficulty - before.difficulty


def _difficulty_drifts(before: SittingEntry, after: SittingEntry, change: float) -> bool:
    if abs(change) <= DRIFT_LOGITS:
        return False
    if before.difficulty_se is None or after.difficulty_se is None:
        return True
    joint = math.hypot(before.difficulty_se, after.difficulty_se)
    return abs(change) > DRIFT_SE_FACTOR * joint


def assess(history: VersionHistory, link: Link | None = None) -> VersionHistory:
    """Orders the sittings oldest first and sets the flags of the version and its sittings.
    Without ``link`` the difficulties are compared as stored (one frame assumed)."""
    history.sittings.sort(key=lambda s: (s.starts_at, s.sitting_id))
    reasons: list[str] = []
    for entry in history.sittings:
        entry.flags = []
        entry.facility_change = entry.difficulty_change = None
        if over_exposed_in(entry):
            entry.flags.append(OVER_EXPOSED)
            if "rate" not in reasons:
                reasons.append("rate")
    if len(history.sittings) > MAX_SITTINGS:
        reasons.append("sittings")
    if history.seen > MAX_SEEN:
        reasons.append("seen")
    exposed = bool(reasons)
    previous: SittingEntry | None = None
    for entry in history.sittings:
        if (entry.n or 0) < DRIFT_MIN_N:
            continue
        if previous is not None:
            drifts = False
            if previous.facility is not None and entry.facility is not None:
                entry.facility_change = entry.facility - previous.facility
                if abs(entry.facility_change) > DRIFT_FACILITY:
                    drifts = True
                    if "facility" not in reasons:
                        reasons.append("facility")
            change = _difficulty_moved(previous, entry)
            if change is not None and link is not None:
                shift = link.shift(history.competency, previous.sitting_id, entry.sitting_id)
                change = None if shift is None else change - shift
            if change is not None:
                entry.difficulty_change = change
                if _difficulty_drifts(previous, entry, change):
                    drifts = True
                    if "difficulty" not in reasons:
                        reasons.append("difficulty")
            if drifts:
                entry.flags.append(DRIFTING)
        previous = entry
    history.reasons = reasons
    history.flags = [
        flag
        for flag, on in (
            (OVER_EXPOSED, exposed),
            (DRIFTING, any(DRIFTING in s.flags for s in history.sittings)),
        )
        if on
    ]
    return history


def ranked(
    histories: Iterable[VersionHistory], limit: int, link: Link | None = None
) -> list[VersionHistory]:
    """Every flagged version, then the ``limit`` most exposed of the others; most seen first
    within each."""
    assessed = [assess(h, link) for h in histories]
    flagged = sorted((h for h in assessed if h.flags), key=_order)
    others = sorted((h for h in assessed if not h.flags), key=_order)
    return [*flagged, *others[: max(limit, 0)]]


def _order(history: VersionHistory) -> tuple[int, str, int]:
    return (-history.seen, history.item_id, history.version)


def thresholds() -> dict[str, float]:
    """The documented constants, for the pages and the API."""
    return {
        "max_exposure_rate": MAX_EXPOSURE_RATE,
        "min_exposure_attempts": MIN_EXPOSURE_ATTEMPTS,
        "max_sittings": MAX_SITTINGS,
        "max_seen": MAX_SEEN,
        "drift_min_n": DRIFT_MIN_N,
        "drift_facility": DRIFT_FACILITY,
        "drift_logits": DRIFT_LOGITS,
        "drift_se_factor": DRIFT_SE_FACTOR,
        "link_min_items": LINK_MIN_ITEMS,
    }


def totals(histories: Sequence[VersionHistory]) -> dict[str, int]:
    return {
        "versions": len(histories),
        "over_exposed": sum(1 for h in histories if OVER_EXPOSED in h.flags),
        "drifting": sum(1 for h in histories if DRIFTING in h.flags),
    }
