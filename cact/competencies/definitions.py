"""A competency as a definition (the dictionary's, or an item set's own), before it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LevelData:
    level: int
    descriptor_id: str
    descriptor_en: str = ""
    title_id: str = ""
    title_en: str = ""
    indicators_id: list[str] = field(default_factory=list)
    indicators_en: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CompetencyData:
    code: str
    kind: str
    name_id: str
    name_en: str
    definition_id: str = ""
    definition_en: str = ""
    levels: list[LevelData] = field(default_factory=list)
