"""Problems found in item files: what, where (file, sheet, row, column, line, field) and why.

Every problem carries a stable machine `code` and a message in Bahasa Indonesia and English.
Validation collects all problems of a file instead of stopping at the first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from item_bank.messages import render

FieldPath = tuple[str | int, ...]


class Code(StrEnum):
    # the file as a whole
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    UNREADABLE_FILE = "unreadable_file"
    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    BAD_ENCODING = "bad_encoding"
    MALFORMED_YAML = "malformed_yaml"
    MALFORMED_JSON = "malformed_json"
    YAML_ALIASES_FORBIDDEN = "yaml_aliases_forbidden"
    DUPLICATE_KEY = "duplicate_key"
    MALFORMED_XML = "malformed_xml"
    XML_ENTITIES_FORBIDDEN = "xml_entities_forbidden"
    BAD_ZIP = "bad_zip"
    ZIP_BOMB = "zip_bomb"
    UNSAFE_ZIP_PATH = "unsafe_zip_path"
    TOO_MANY_ZIP_MEMBERS = "too_many_zip_members"
    MALFORMED_SPREADSHEET = "malformed_spreadsheet"
    NO_ITEMS = "no_items"
    TOO_MANY_ITEMS = "too_many_items"
    # set level
    WRONG_FORMAT = "wrong_format"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"
    INVALID_LANGUAGE = "invalid_language"
    NOT_AN_INTEGER = "not_an_integer"
    INVALID_COMPETENCY_CODE = "invalid_competency_code"
    INVALID_COMPETENCY_KIND = "invalid_competency_kind"
    DUPLICATE_COMPETENCY = "duplicate_competency"
    BAD_LEVEL_DESCRIPTORS = "bad_level_descriptors"
    # items
    MISSING_ID = "missing_id"
    INVALID_ID = "invalid_id"
    DUPLICATE_ID = "duplicate_id"
    MISSING_COMPETENCY = "missing_competency"
    UNKNOWN_COMPETENCY = "unknown_competency"
    MISSING_KIND = "missing_kind"
    UNKNOWN_KIND = "unknown_kind"
    LEVEL_OUT_OF_RANGE = "level_out_of_range"
    EMPTY_STEM = "empty_stem"
    UNSAFE_MEDIA_PATH = "unsafe_media_path"
    IMAGE_IN_TEXT = "image_in_text"
    POINTS_ON_WEIGHTED = "points_on_weighted"
    INVALID_POINTS = "invalid_points"
    TOO_FEW_OPTIONS = "too_few_options"
    TOO_MANY_OPTIONS = "too_many_options"
    INVALID_OPTION_LABEL = "invalid_option_label"
    DUPLICATE_OPTION_LABEL = "duplicate_option_label"
    EMPTY_OPTION_TEXT = "empty_option_text"
    OPTION_GAP = "option_gap"
    MISSING_WEIGHT = "missing_weight"
    WEIGHT_OUT_OF_RANGE = "weight_out_of_range"
    WEIGHT_ON_KEYED = "weight_on_keyed"
    CORRECT_ON_WEIGHTED = "correct_on_weighted"
    NO_CORRECT_OPTION = "no_correct_option"
    TWO_CORRECT_OPTIONS = "two_correct_options"
    CORRECT_NOT_AN_OPTION = "correct_not_an_option"
    # item images
    MISSING_MEDIA = "missing_media"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    MEDIA_TOO_LARGE = "media_too_large"
    MEDIA_CONFLICT = "media_conflict"
    # spreadsheets
    UNKNOWN_COLUMN = "unknown_column"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    # QTI
    MISSING_MANIFEST = "missing_manifest"
    MISSING_RESOURCE = "missing_resource"
    NOT_QTI_ITEM = "not_qti_item"
    UNSUPPORTED_QTI_VERSION = "unsupported_qti_version"
    UNSUPPORTED_INTERACTION = "unsupported_interaction"
    NO_INTERACTION = "no_interaction"
    MISSING_SCORING = "missing_scoring"
    TOO_MANY_IMAGES = "too_many_images"
    # blueprints
    RULES_OR_ITEMS = "rules_or_items"
    UNKNOWN_ITEM = "unknown_item"
    NOT_ENOUGH_ITEMS = "not_enough_items"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    BREAK_OUT_OF_RANGE = "break_out_of_range"
    BREAK_AFTER_LAST_SECTION = "break_after_last_section"
    # content that would be lost, broken containers, weight maps (issue 15)
    CONTENT_LOST = "content_lost"
    BAD_LATEX = "bad_latex"
    DUPLICATE_OPTION_TEXT = "duplicate_option_text"
    DAMAGED_ZIP_MEMBER = "damaged_zip_member"
    ENCRYPTED_ZIP = "encrypted_zip"
    NUMBER_TOO_LONG = "number_too_long"
    DUPLICATE_MAP_KEY = "duplicate_map_key"
    MAP_KEY_NOT_A_CHOICE = "map_key_not_a_choice"
    DUPLICATE_CHOICE_ID = "duplicate_choice_id"
    MISSING_QTI_NAMESPACE = "missing_qti_namespace"
    LEGACY_XLS = "legacy_xls"
    UNSUPPORTED_QUESTION_TYPE = "unsupported_question_type"
    FRACTION_NOT_A_WEIGHT = "fraction_not_a_weight"
    MALFORMED_QUESTION = "malformed_question"
    MALFORMED_DOCX = "malformed_docx"
    # notes: told, never blocking
    HEADER_BELOW_TITLE = "header_below_title"
    READ_AS_CSV = "read_as_csv"
    TEXT_NOT_IMPORTED = "text_not_imported"


def render_path(path: FieldPath) -> str | None:
    """`("items", 3, "options", 1, "weight")` → `items[3].options[1].weight`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or None


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    line: int | None = None
    field: str | None = None
    item_id: str | None = None
    code: str
    message_id: str
    message_en: str

    def message(self, language: str = "id") -> str:
        return self.message_en if language == "en" else self.message_id

    def where(self) -> str:
        """`file:sheet:row:column` for spreadsheets, `file:line` for text files."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(f"{self.column} ({self.header})" if self.header else self.column)
        if self.line is not None:
            parts.append(str(self.line))
        return ":".join(parts)


MAX_PARAM_CHARS = 200


def _short(value: Any) -> Any:
    """A value quoted in a message stays readable (a 5,000-character name is cut)."""
    if isinstance(value, str) and len(value) > MAX_PARAM_CHARS:
        return value[:MAX_PARAM_CHARS] + "…"
    return value


@dataclass(frozen=True)
class Location:
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    line: int | None = None


@dataclass
class SourceMap:
    """Where each field path of a parsed document came from; unknown paths use their parent's.

    A `resolver` may compute locations instead of storing one per field (large spreadsheets).
    """

    spots: dict[FieldPath, Location] = field(default_factory=dict)
    resolver: Callable[[FieldPath], Location | None] | None = None

    def add(self, path: FieldPath, location: Location) -> None:
        self.spots[path] = location

    def locate(self, path: FieldPath) -> Location:
        computed = self.resolver(path) if self.resolver else None
        if computed is not None:
            return computed
        for end in range(len(path), -1, -1):
            found = self.spots.get(path[:end])
            if found is not None:
                return found
        return Location()


@dataclass
class Report:
    """Collects the problems of one file."""

    file: str
    source: SourceMap = field(default_factory=SourceMap)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def add(
        self,
        code: Code,
        path: FieldPath = (),
        *,
        item_id: str | None = None,
        at: Location | None = None,
        **params: Any,
    ) -> None:
        self.problems.append(self.make(code, path, item_id=item_id, at=at, **params))

    def note(self, code: Code, *, at: Location | None = None, **params: Any) -> None:
        """Something the reader did for the editor (a title row skipped): told, not refused."""
        self.notes.append(self.make(code, at=at, **params))

    def make(
        self,
        code: Code,
        path: FieldPath = (),
        *,
        item_id: str | None = None,
        at: Location | None = None,
        **params: Any,
    ) -> Problem:
        spot = at or self.source.locate(path)
        shown = {k: _short(v) for k, v in params.items()}
        message_id, message_en = render(code.value, shown)
        return Problem(
            file=spot.file or self.file,
            sheet=spot.sheet,
            row=spot.row,
            column=spot.column,
            header=spot.header,
            line=spot.line,
            field=render_path(path),
            item_id=item_id,
            code=code.value,
            message_id=message_id,
            message_en=message_en,
        )
