"""Blueprint files (`cact-blueprint/1`, YAML or JSON) and their check against an item bank."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from item_bank.models import Blueprint, Item
from item_bank.problems import Code, Problem, Report
from item_bank.pydantic_problems import report_validation_error
from item_bank.safety import DEFAULT_LIMITS, Limits, decode_text
from item_bank.yaml_source import read_json, read_yaml


@dataclass
class BlueprintResult:
    blueprint: Blueprint | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.blueprint is not None and not self.problems


def load_blueprint(
    name: str, data: bytes, *, items: Iterable[Item] | None = None, limits: Limits = DEFAULT_LIMITS
) -> BlueprintResult:
    """Validate a blueprint; with `items` (the bank) also check that each section can be filled."""
    report = Report(name)
    blueprint = _parse(name, data, report, limits)
    if blueprint is not None and items is not None:
        check_against_bank(blueprint, list(items), report)
    return BlueprintResult(blueprint if not report.problems else None, report.problems)


def load_blueprint_file(
    path: str | Path, *, items: Iterable[Item] | None = None
) -> BlueprintResult:
    return load_blueprint(str(path), Path(path).read_bytes(), items=items)


def _parse(name: str, data: bytes, report: Report, limits: Limits) -> Blueprint | None:
    if len(data) > limits.max_file_bytes:
        report.add(Code.FILE_TOO_LARGE, size=len(data), limit=limits.max_file_bytes)
        return None
    text = decode_text(data, report)
    if text is None:
        return None
    is_json = PurePosixPath(name).suffix.lower() == ".json"
    document = read_json(text, report) if is_json else read_yaml(text, report)
    if report.problems:
        return None
    try:
        blueprint = Blueprint.model_validate(document)
    except ValidationError as error:
        report_validation_error(error, report)
        return None
    last = len(blueprint.sections) - 1
    if blueprint.sections[last].break_after_seconds is not None:
        report.add(Code.BREAK_AFTER_LAST_SECTION, ("sections", last, "break_after_seconds"))
        return None
    return blueprint


def check_against_bank(blueprint: Blueprint, items: list[Item], report: Report) -> None:
    """Fixed items must exist; each rule must find enough items of its competency and level."""
    ids = {item.id for item in items}
    for s, section in enumerate(blueprint.sections):
        for i, item_id in enumerate(section.items):
            if item_id not in ids:
                report.add(Code.UNKNOWN_ITEM, ("sections", s, "items", i), value=item_id)
        for r, rule in enumerate(section.rules):
            pool = [
                item
                for item in items
                if item.competency == rule.competency and rule.level in (None, item.level)
            ]
            if len(pool) < rule.count:
                level = f" level {rule.level}" if rule.level is not None else ""
                report.add(
                    Code.NOT_ENOUGH_ITEMS,
                    ("sections", s, "rules", r),
                    wanted=rule.count,
                    competency=rule.competency,
                    level=level,
                    available=len(pool),
                )
