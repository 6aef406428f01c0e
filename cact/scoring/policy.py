"""The scoring policy as versioned data: cut-offs, cap, category scales, weighting, nine-box.

The body of a ``scoring_policy`` row is a ``PolicyBody``; ``default_policy.yaml`` holds the
defaults of SPEC §4. Numbers are decimals so that boundaries (90, 0.40 …) compare exactly.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.yaml")
DEFAULT_CODE = "default"

CapPolicy = Literal["per_competency", "total", "none"]
Rating = Literal["below", "meets", "above"]
Potential = Literal["low", "medium", "high"]
RATINGS: tuple[Rating, ...] = ("below", "meets", "above")
POTENTIALS: tuple[Potential, ...] = ("low", "medium", "high")

# Decimals inside, plain JSON numbers outside (JSONB bodies and the API).
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """One category: JPM ≥ ``min`` (``min: null`` on the last band means "everything else")."""

    min: Number | None = Field(ge=0)
    code: str = Field(min_length=1, max_length=64)
    label_id: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)


class WeightPart(_Strict):
    """A share of the combined score: the JPM over the competencies of these kinds."""

    name: str = Field(min_length=1, max_length=64)
    kinds: list[str] = Field(min_length=1)
    weight: Number = Field(gt=0)


class NineBox(_Strict):
    potential_high: Number = Field(default=Decimal(90), ge=0)
    potential_medium: Number = Field(default=Decimal(78), ge=0)
    boxes: dict[Rating, dict[Potential, int]]

    @model_validator(mode="after")
    def _complete(self) -> NineBox:
        if self.potential_medium > self.potential_high:
            raise ValueError("potential_medium must not exceed potential_high")
        cells = [self.boxes.get(r, {}).get(p) for r in RATINGS for p in POTENTIALS]
        if sorted(c or 0 for c in cells) != list(range(1, 10)):
            raise ValueError("boxes must give every rating × potential a different box 1–9")
        return self


class TerminatedPolicy(_Strict):
    """Attempts the proctor terminated: by default scored for the record (and marked), left out
    of distributions. ``scored: false`` gives them no result at all."""

    scored: bool = True
    in_distributions: bool = False

    @model_validator(mode="after")
    def _counted_only_when_scored(self) -> TerminatedPolicy:
        if self.in_distributions and not self.scored:
            raise ValueError("terminated: in_distributions needs scored: true")
        return self


class PolicyBody(_Strict):
    title: str = Field(default="", max_length=200)
    level_cutoffs: list[Number] = Field(min_length=4, max_length=4)
    cap: CapPolicy = "per_competency"
    category_scale: str = "pemetaan"
    category_from: Literal["jpm", "combined"] = "jpm"
    category_scales: dict[str, list[Band]]
    weightings: dict[str, list[WeightPart]] = Field(default_factory=dict)
    nine_box: NineBox
    terminated: TerminatedPolicy = Field(default_factory=TerminatedPolicy)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyBody:
        cut = self.level_cutoffs
        if not all(Decimal(0) < c <= Decimal(1) for c in cut) or sorted(set(cut)) != cut:
            raise ValueError("level_cutoffs must be four increasing numbers in (0, 1]")
        if self.category_scale not in self.category_scales:
            raise ValueError(f"category_scale {self.category_scale!r} is not in category_scales")
        for name, bands in self.category_scales.items():
            _check_bands(name, bands)
        for group, parts in self.weightings.items():
            kinds = [kind for part in parts for kind in part.kinds]
            if len(parts) < 2 or len(kinds) != len(set(kinds)):
                raise ValueError(f"weighting {group!r}: two or more parts, each kind in one part")
        return self


def _check_bands(name: str, bands: list[Band]) -> None:
    mins = [b.min for b in bands]
    if not bands or mins[-1] is not None or None in mins[:-1]:
        raise ValueError(f"scale {name!r}: the last band (and only it) has min: null")
    bounded = [m for m in mins if m is not None]
    if sorted(set(bounded), reverse=True) != bounded:
        raise ValueError(f"scale {name!r}: band minimums must decrease")


class PolicyFile(PolicyBody):
    """The YAML file: a body with its code and version."""

    code: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)

    def body(self) -> PolicyBody:
        return PolicyBody.model_validate(
            self.model_dump(exclude={"code", "version"}, mode="python")
        )


@cache
def default_policy() -> PolicyFile:
    return PolicyFile.model_validate(yaml.safe_load(DEFAULT_POLICY_FILE.read_text("utf-8")))


def body_json(body: PolicyBody) -> dict[str, Any]:
    return body.model_dump(mode="json")
