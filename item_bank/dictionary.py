"""The competency dictionary (PermenPANRB 38/2017) in `item_bank/data/competencies.yaml`."""

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from item_bank.models import (
    COMPETENCY_CODE_PATTERN,
    COMPETENCY_KIND_PATTERN,
    MAX_LEVEL,
    MIN_LEVEL,
    Level,
    PlainText,
)
from item_bank.problems import Problem, Report
from item_bank.pydantic_problems import report_validation_error
from item_bank.safety import decode_text
from item_bank.yaml_source import read_yaml

MIN_INDICATORS, MAX_INDICATORS = 2, 4


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BilingualText(_Model):
    id: PlainText
    en: PlainText


class BilingualList(_Model):
    id: list[PlainText] = Field(min_length=MIN_INDICATORS, max_length=MAX_INDICATORS)
    en: list[PlainText] = Field(min_length=MIN_INDICATORS, max_length=MAX_INDICATORS)


class DictionaryLevel(_Model):
    level: Level
    title: BilingualText
    descriptor: BilingualText
    indicators: BilingualList


class DictionaryCompetency(_Model):
    code: Annotated[str, Field(pattern=COMPETENCY_CODE_PATTERN)]
    kind: Annotated[str, Field(pattern=COMPETENCY_KIND_PATTERN)]
    name: BilingualText
    definition: BilingualText
    levels: list[DictionaryLevel]

    @model_validator(mode="after")
    def _five_levels(self) -> "DictionaryCompetency":
        if [level.level for level in self.levels] != list(range(MIN_LEVEL, MAX_LEVEL + 1)):
            raise ValueError("a competency has levels 1 to 5 in order")
        return self

    def level(self, level: int) -> DictionaryLevel:
        return self.levels[level - MIN_LEVEL]


class CompetencyDictionary(_Model):
    source: PlainText
    competencies: list[DictionaryCompetency] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> "CompetencyDictionary":
        if len(self.codes) != len(self.competencies):
            raise ValueError("competency codes are unique")
        return self

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.competencies)

    def get(self, code: str) -> DictionaryCompetency | None:
        return next((c for c in self.competencies if c.code == code), None)


class DictionaryError(ValueError):
    """The dictionary file is invalid; `problems` says where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.where()} {p.code} {p.message_en}" for p in problems))
        self.problems = problems


def bundled_dictionary_path() -> Path:
    return Path(str(files("item_bank") / "data" / "competencies.yaml"))


def parse_dictionary(name: str, data: bytes) -> CompetencyDictionary:
    """Validate a dictionary file's content; raises DictionaryError listing every problem."""
    report = Report(name)
    text = decode_text(data, report)
    document = read_yaml(text, report) if text is not None else None
    if report.problems:
        raise DictionaryError(report.problems)
    try:
        return CompetencyDictionary.model_validate(document)
    except ValidationError as error:
        report_validation_error(error, report)
        raise DictionaryError(report.problems) from None


def load_dictionary(path: str | Path | None = None) -> CompetencyDictionary:
    """The bundled dictionary, or the one at `path`."""
    if path is None:
        return _bundled()
    return parse_dictionary(str(path), Path(path).read_bytes())


@cache
def _bundled() -> CompetencyDictionary:
    path = bundled_dictionary_path()
    return parse_dictionary(str(path), path.read_bytes())


def dictionary_codes() -> frozenset[str]:
    return load_dictionary().codes
