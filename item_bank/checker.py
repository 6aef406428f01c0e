"""Validate a parsed item-set document and build the models, reporting every problem found.

Every reader (native, spreadsheet, QTI) turns its file into the native structure as plain data
and lets this module judge it, so the same input gets the same problem codes in every format.
"""

import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from item_bank.media import MediaRef
from item_bank.models import (
    COMPETENCY_CODE_PATTERN,
    COMPETENCY_KIND_PATTERN,
    ITEM_FORMAT,
    ITEM_ID_PATTERN,
    LANGUAGES,
    MAX_LEVEL,
    MIN_LEVEL,
    CompetencyDeclaration,
    Item,
    ItemSet,
)
from item_bank.options import OptionChecker
from item_bank.problems import Code, FieldPath, Location, Report
from item_bank.rich import rich_field
from item_bank.text import clean_plain, is_blank_rich
from item_bank.values import as_int, is_blank, is_safe_relative

SET_KEYS = frozenset({"format", "title", "language", "source", "competencies", "items"})
ITEM_KEYS = frozenset({"id", "competency", "kind", "level", "stem", "media", "points", "options"})
DECLARATION_KEYS = frozenset({"code", "kind", "name", "levels"})
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class CheckContext:
    known_competencies: frozenset[str]
    default_competency: str | None = None
    require_format: bool = True
    max_items: int = 20_000
    latex: bool = False


@dataclass(frozen=True)
class SeenId:
    item_id: str
    location: Location
    path: FieldPath


@dataclass
class ItemSetChecker:
    report: Report
    context: CheckContext
    seen_ids: list[SeenId] = field(default_factory=list)
    media_refs: list[MediaRef] = field(default_factory=list)
    _first_seen: dict[str, SeenId] = field(default_factory=dict)
    _item_id: str | None = None

    def add(self, code: Code, path: FieldPath, **params: Any) -> None:
        self.report.add(code, path, item_id=self._item_id, **params)

    def check(self, data: Any) -> ItemSet | None:
        if not isinstance(data, dict):
            self.add(Code.WRONG_TYPE, (), expected="mapping")
            return None
        self.unknown_keys(data, SET_KEYS, ())
        if self.context.require_format:
            self.check_format(data.get("format"))
        title = self.plain(data.get("title"), ("title",), required=True)
        language = data.get("language")
        if language not in LANGUAGES:
            self.add(Code.INVALID_LANGUAGE, ("language",), value=language)
        source = self.plain(data.get("source"), ("source",), required=False)
        declarations = self.declarations(data.get("competencies"))
        items = self.items(data.get("items"), self.declared_codes(data.get("competencies")))
        if self.report.problems:
            return None
        values = {"title": title, "language": language, "source": source}
        return self.build(ItemSet, {**values, "competencies": declarations, "items": items}, ())

    def check_format(self, value: Any) -> None:
        if value is None:
            self.add(Code.MISSING_FIELD, ("format",), name="format")
        elif value != ITEM_FORMAT:
            self.add(Code.WRONG_FORMAT, ("format",), value=value, expected=ITEM_FORMAT)

    def items(self, raw: Any, declared: frozenset[str]) -> list[Item]:
        if raw is None or raw == []:
            if not self.report.problems:
                self.add(Code.NO_ITEMS, ("items",))
            return []
        if not isinstance(raw, list):
            self.add(Code.WRONG_TYPE, ("items",), expected="list")
            return []
        if len(raw) > self.context.max_items:
            self.add(Code.TOO_MANY_ITEMS, ("items",), limit=self.context.max_items)
            return []
        known = self.context.known_competencies | declared
        checked = [self.item(entry, ("items", i), known) for i, entry in enumerate(raw)]
        return [item for item in checked if item is not None]

    def item(self, raw: Any, path: FieldPath, known: frozenset[str]) -> Item | None:
        self._item_id = None
        if not isinstance(raw, dict):
            self.add(Code.WRONG_TYPE, path, expected="mapping")
            return None
        start = len(self.report.problems)
        self._item_id = self.item_id(raw.get("id"), (*path, "id"))
        self.unknown_keys(raw, ITEM_KEYS, path)
        kind = self.kind(raw.get("kind"), (*path, "kind"))
        values = {
            "id": self._item_id,
            "competency": self.competency(raw.get("competency"), (*path, "competency"), known),
            "kind": kind,
            "level": self.level(raw.get("level"), (*path, "level")),
            "stem": self.rich(raw.get("stem"), (*path, "stem"), Code.EMPTY_STEM),
            "media": self.media(raw.get("media"), (*path, "media")),
            "points": self.points(raw.get("points"), (*path, "points"), kind),
            "options": OptionChecker(self.report, self._item_id, self.context.latex).options(
                raw.get("options"), (*path, "options"), kind
            ),
        }
        if len(self.report.problems) > start:
            return None
        return self.build(Item, values, path)

    def item_id(self, value: Any, path: FieldPath) -> str | None:
        if is_blank(value):
            self.report.add(Code.MISSING_ID, path)
            return None
        if not isinstance(value, str):
            self.report.add(Code.WRONG_TYPE, path, expected="text")
            return None
        item_id = value.strip()
        if not re.match(ITEM_ID_PATTERN, item_id):
            self.report.add(Code.INVALID_ID, path, item_id=item_id, value=item_id)
            return None
        seen = SeenId(item_id, self.report.source.locate(path), path)
        first = self._first_seen.setdefault(item_id, seen)
        if first is not seen:
            where = describe(self.report.file, first.location)
            self.report.add(Code.DUPLICATE_ID, path, item_id=item_id, value=item_id, first=where)
        self.seen_ids.append(seen)
        return item_id

    def competency(self, value: Any, path: FieldPath, known: frozenset[str]) -> str | None:
        if is_blank(value) and self.context.default_competency is None:
            self.add(Code.MISSING_COMPETENCY, path)
            return None
        if not is_blank(value) and not isinstance(value, str):
            self.add(Code.WRONG_TYPE, path, expected="text")
            return None
        code = str(value if not is_blank(value) else self.context.default_competency).strip()
        if code not in known:
            self.add(Code.UNKNOWN_COMPETENCY, path, value=code)
        return code

    def kind(self, value: Any, path: FieldPath) -> str | None:
        if is_blank(value):
            self.add(Code.MISSING_KIND, path)
            return None
        if value not in ("weighted", "keyed"):
            self.add(Code.UNKNOWN_KIND, path, value=value)
            return None
        return str(value)

    def level(self, value: Any, path: FieldPath) -> int | None:
        if is_blank(value):
            return None
        level = as_int(value)
        if level is None or not MIN_LEVEL <= level <= MAX_LEVEL:
            self.add(Code.LEVEL_OUT_OF_RANGE, path, value=value)
        return level

    def points(self, value: Any, path: FieldPath, kind: str | None) -> int | None:
        if kind == "weighted":
            if not is_blank(value):
                self.add(Code.POINTS_ON_WEIGHTED, path)
            return None
        if is_blank(value):
            return 1
        points = as_int(value)
        if points is None or points < 1:
            self.add(Code.INVALID_POINTS, path, value=value)
        return points

    def rich(self, value: Any, path: FieldPath, empty: Code) -> str | None:
        if value is not None and not isinstance(value, str):
            self.add(Code.WRONG_TYPE, path, expected="text")
            return None
        text = rich_field(self.report, value, path, self._item_id, latex=self.context.latex)
        if text is None:
            return None
        if is_blank_rich(text):
            self.add(empty, path)
        return text

    def plain(self, value: Any, path: FieldPath, *, required: bool) -> str | None:
        if is_blank(value):
            if required:
                self.add(Code.MISSING_FIELD, path, name=path[-1])
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.add(Code.WRONG_TYPE, path, expected="text")
            return None
        return clean_plain(str(value))

    def media(self, value: Any, path: FieldPath) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(Code.WRONG_TYPE, path, expected="mapping")
            return None
        self.unknown_keys(value, frozenset({"src", "alt"}), path)
        src = self.plain(value.get("src"), (*path, "src"), required=True)
        if src is not None and not is_safe_relative(src):
            self.add(Code.UNSAFE_MEDIA_PATH, (*path, "src"), value=src)
        elif src is not None:
            self.media_refs.append(MediaRef(self._item_id, src, (*path, "src")))
        alt = self.plain(value.get("alt"), (*path, "alt"), required=False)
        return {"src": src, "alt": alt or ""}

    def declared_codes(self, raw: Any) -> frozenset[str]:
        entries = raw if isinstance(raw, list) else []
        codes = (e.get("code") for e in entries if isinstance(e, dict))
        return frozenset(c.strip() for c in codes if isinstance(c, str))

    def declarations(self, raw: Any) -> list[CompetencyDeclaration]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(Code.WRONG_TYPE, ("competencies",), expected="list")
            return []
        seen: set[str] = set()
        found = [self.declaration(e, ("competencies", i), seen) for i, e in enumerate(raw)]
        return [d for d in found if d is not None]

    def declaration(
        self, raw: Any, path: FieldPath, seen: set[str]
    ) -> CompetencyDeclaration | None:
        if not isinstance(raw, dict):
            self.add(Code.WRONG_TYPE, path, expected="mapping")
            return None
        start = len(self.report.problems)
        self.unknown_keys(raw, DECLARATION_KEYS, path)
        code = self.plain(raw.get("code"), (*path, "code"), required=True)
        if code is not None and not re.match(COMPETENCY_CODE_PATTERN, code):
            self.add(Code.INVALID_COMPETENCY_CODE, (*path, "code"), value=code)
        elif code in seen:
            self.add(Code.DUPLICATE_COMPETENCY, (*path, "code"), value=code)
        seen.add(code or "")
        kind = self.plain(raw.get("kind"), (*path, "kind"), required=True)
        if kind is not None and not re.match(COMPETENCY_KIND_PATTERN, kind):
            self.add(Code.INVALID_COMPETENCY_KIND, (*path, "kind"), value=kind)
        name = self.localized(raw.get("name"), (*path, "name"))
        levels = self.level_descriptors(raw.get("levels"), (*path, "levels"))
        if len(self.report.problems) > start:
            return None
        values = {"code": code, "kind": kind, "name": name, "levels": levels}
        return self.build(CompetencyDeclaration, values, path)

    def level_descriptors(self, raw: Any, path: FieldPath) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(Code.WRONG_TYPE, path, expected="list")
            return []
        result = []
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict):
                self.add(Code.WRONG_TYPE, (*path, i), expected="mapping")
                continue
            self.unknown_keys(entry, frozenset({"level", "descriptor"}), (*path, i))
            descriptor = self.localized(entry.get("descriptor"), (*path, i, "descriptor"))
            result.append({"level": as_int(entry.get("level")), "descriptor": descriptor})
        if [d["level"] for d in result] != list(range(MIN_LEVEL, MAX_LEVEL + 1)):
            self.add(Code.BAD_LEVEL_DESCRIPTORS, path)
        return result

    def localized(self, raw: Any, path: FieldPath) -> dict[str, str | None] | None:
        if raw is None:
            self.add(Code.MISSING_FIELD, path, name=path[-1])
            return None
        if not isinstance(raw, dict):
            self.add(Code.WRONG_TYPE, path, expected="mapping")
            return None
        self.unknown_keys(raw, frozenset({"id", "en"}), path)
        text_id = self.plain(raw.get("id"), (*path, "id"), required=True)
        return {"id": text_id, "en": self.plain(raw.get("en"), (*path, "en"), required=False)}

    def unknown_keys(self, raw: dict[Any, Any], allowed: frozenset[str], path: FieldPath) -> None:
        for key in raw:
            if key not in allowed:
                self.add(Code.UNKNOWN_FIELD, (*path, str(key)), name=key)

    def build(self, model: type[ModelT], values: dict[str, Any], path: FieldPath) -> ModelT | None:
        """Construct the model; its own constraints catch anything the checks above let through."""
        try:
            return model.model_validate(values)
        except ValidationError as error:
            for detail in error.errors():
                self.add(Code.INVALID_VALUE, (*path, *detail["loc"]), detail=detail["msg"])
            return None


def describe(file: str, location: Location) -> str:
    """A short human reference to a location: `file:12`, `file:items:5`."""
    parts = [location.file or file]
    parts += [str(p) for p in (location.sheet, location.row, location.line) if p is not None]
    return ":".join(parts)
