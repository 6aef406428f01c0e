"""Validated item sets and blueprints (the native format `cact-items/1`, `cact-blueprint/1`).

An instance of these models is always a valid, sanitised set: the loaders report problems with
codes and locations, and only then build models. The constraints here are the backstop.
"""

from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from item_bank.text import clean_plain, clean_rich, is_blank_rich
from item_bank.values import is_safe_relative

ITEM_FORMAT: Final = "cact-items/1"
BLUEPRINT_FORMAT: Final = "cact-blueprint/1"
DEFAULT_BREAK_SECONDS: Final = 60
MAX_BREAK_SECONDS: Final = 4 * 3600  # a long programme's lunch break fits
COMPETENCY_CODE_PATTERN = r"^[A-Z]{1,3}(\.[A-Z0-9]{1,6}){1,3}$"
ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
COMPETENCY_KIND_PATTERN = r"^[a-z]+(_[a-z]+)*$"
OPTION_LABELS = "ABCDEF"
MIN_OPTIONS, MAX_OPTIONS = 2, 6
MIN_WEIGHT, MAX_WEIGHT = 0, 10
MIN_LEVEL, MAX_LEVEL = 1, 5
LANGUAGES = ("id", "en")


def _rich(value: str) -> str:
    cleaned = clean_rich(value)
    if is_blank_rich(cleaned):
        raise ValueError("rich text is empty after sanitising")
    return cleaned


def _plain(value: str) -> str:
    cleaned = clean_plain(value)
    if not cleaned:
        raise ValueError("text is empty")
    return cleaned


def _relative_path(value: str) -> str:
    if not is_safe_relative(value):
        raise ValueError("media src must be a relative path inside the file or package")
    return value


RichText = Annotated[str, AfterValidator(_rich)]
PlainText = Annotated[str, AfterValidator(_plain)]
CompetencyCode = Annotated[str, Field(pattern=COMPETENCY_CODE_PATTERN)]
ItemId = Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
Level = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL)]
OptionLabel = Literal["A", "B", "C", "D", "E", "F"]
ItemKind = Literal["weighted", "keyed"]
Language = Literal["id", "en"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Model):
    """Text in Bahasa Indonesia (`id`, required) and English (`en`, optional)."""

    id: PlainText
    en: PlainText | None = None

    def text(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.id


class LevelDescriptor(_Model):
    level: Level
    descriptor: LocalizedText


class CompetencyDeclaration(_Model):
    """An organisation-defined (usually technical) competency declared by an item set."""

    code: CompetencyCode
    kind: Annotated[str, Field(pattern=COMPETENCY_KIND_PATTERN)]
    name: LocalizedText
    levels: list[LevelDescriptor] = Field(default_factory=list)

    @model_validator(mode="after")
    def _five_levels(self) -> "CompetencyDeclaration":
        if self.levels and [d.level for d in self.levels] != list(range(MIN_LEVEL, MAX_LEVEL + 1)):
            raise ValueError("levels, when given, are exactly levels 1 to 5 in order")
        return self


class Media(_Model):
    src: Annotated[str, AfterValidator(_relative_path)]
    alt: Annotated[str, AfterValidator(clean_plain)] = ""


class Option(_Model):
    label: OptionLabel
    text: RichText
    weight: Annotated[int, Field(ge=MIN_WEIGHT, le=MAX_WEIGHT)] | None = None
    correct: bool = False


class Item(_Model):
    id: ItemId
    competency: CompetencyCode
    kind: ItemKind
    level: Level | None = None
    stem: RichText
    media: Media | None = None
    points: Annotated[int, Field(ge=1)] | None = None
    options: list[Option] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)

    @model_validator(mode="before")
    @classmethod
    def _label_in_order(cls, data: Any) -> Any:
        """Options without a label get A, B, C … by position, as in the file format."""
        if isinstance(data, dict) and isinstance(data.get("options"), list):
            options = [
                {"label": OPTION_LABELS[i], **o} if isinstance(o, dict) and i < 6 else o
                for i, o in enumerate(data["options"])
            ]
            data = {**data, "options": options}
        return data

    @model_validator(mode="after")
    def _scoring_is_consistent(self) -> "Item":
        if [o.label for o in self.options] != list(OPTION_LABELS[: len(self.options)]):
            raise ValueError("options are labelled A, B, C ... in order")
        if self.kind == "weighted":
            if self.points is not None or any(o.correct or o.weight is None for o in self.options):
                raise ValueError("a weighted item has a weight on every option and no key")
        elif self.points is None or sum(o.correct for o in self.options) != 1:
            raise ValueError("a keyed item has points and exactly one correct option")
        elif any(o.weight is not None for o in self.options):
            raise ValueError("a keyed item has no weights")
        return self

    @property
    def max_score(self) -> int:
        if self.kind == "keyed":
            return self.points or 0
        return max(o.weight or 0 for o in self.options)

    def score(self, label: str | None) -> int:
        """Score of an answer given as an option label; `None` (blank) scores 0."""
        for option in self.options:
            if option.label == label:
                if self.kind == "weighted":
                    return option.weight or 0
                return (self.points or 0) if option.correct else 0
        return 0


class ItemSet(_Model):
    format: Literal["cact-items/1"] = ITEM_FORMAT
    title: PlainText
    language: Language
    source: PlainText | None = None
    competencies: list[CompetencyDeclaration] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes_and_ids(self) -> "ItemSet":
        ids = [i.id for i in self.items]
        codes = [c.code for c in self.competencies]
        if len(set(ids)) != len(ids) or len(set(codes)) != len(codes):
            raise ValueError("item ids and declared competency codes are unique in a set")
        return self


class SelectionRule(_Model):
    """Draw `count` items of one competency (and optionally one level) from the bank."""

    competency: CompetencyCode
    count: Annotated[int, Field(ge=1)]
    level: Level | None = None


class BlueprintSection(_Model):
    title: PlainText
    time_limit_minutes: Annotated[int, Field(ge=1, le=24 * 60)]
    shuffle_items: bool = True
    shuffle_options: bool = True
    rules: list[SelectionRule] = Field(default_factory=list)
    items: list[ItemId] = Field(default_factory=list)
    # The break after this section, overriding the blueprint's `break_seconds` (never after the
    # last section: there is nothing to wait for).
    break_after_seconds: Annotated[StrictInt, Field(ge=0, le=MAX_BREAK_SECONDS)] | None = None

    @model_validator(mode="after")
    def _rules_or_items(self) -> "BlueprintSection":
        if bool(self.rules) == bool(self.items):
            raise PydanticCustomError("rules_or_items", "a section has either rules or items")
        return self


class Blueprint(_Model):
    format: Literal["cact-blueprint/1"] = BLUEPRINT_FORMAT
    code: ItemId
    title: PlainText
    # The break between two sections, at most this long: the next section's clock starts when
    # the participant asks for it or when the break ends (0 = no break).
    break_seconds: Annotated[StrictInt, Field(ge=0, le=MAX_BREAK_SECONDS)] = DEFAULT_BREAK_SECONDS
    sections: list[BlueprintSection] = Field(min_length=1)

    def break_before(self, index: int) -> int:
        """Seconds of break before the section at this 0-based index (none before the first)."""
        if index == 0:
            return 0
        chosen = self.sections[index - 1].break_after_seconds
        return self.break_seconds if chosen is None else chosen
