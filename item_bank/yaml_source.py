"""YAML and JSON documents as plain data plus the line of every field.

YAML anchors and aliases are refused: expanding them is how "billion laughs" documents blow up.
"""

import json
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from item_bank.problems import Code, FieldPath, Location, Report

# Python refuses to convert integers longer than this (CVE-2020-10735); so do the readers, politely.
MAX_DIGITS = 4_300


class _NumberTooLong(Exception):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


class _AliasFound(Exception):
    pass


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise _AliasFound
        node: Node | None = super().compose_node(parent, index)
        return node


def read_yaml(text: str, report: Report) -> Any:
    """The document's data, recording each field's line in `report.source`; None on failure."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        return None if node is None else _build(loader, node, (), report)
    except _AliasFound:
        report.add(Code.YAML_ALIASES_FORBIDDEN)
    except _Unconstructable as error:
        if error.digits:
            report.add(Code.NUMBER_TOO_LONG, at=error.at, digits=error.digits, limit=MAX_DIGITS)
        else:
            report.add(Code.MALFORMED_YAML, at=error.at, detail=error.detail)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        report.add(Code.MALFORMED_YAML, at=Location(line=line), detail=error.problem or str(error))
    except yaml.YAMLError as error:
        report.add(Code.MALFORMED_YAML, detail=str(error))
    except RecursionError:
        report.add(Code.MALFORMED_YAML, detail="nested too deeply")
    finally:
        if loader is not None:
            loader.dispose()
    return None


def _build(loader: _Loader, node: Node, path: FieldPath, report: Report) -> Any:
    report.source.add(path, Location(line=node.start_mark.line + 1))
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            if key in result:
                report.source.add((*path, str(key)), Location(line=key_node.start_mark.line + 1))
                report.add(Code.DUPLICATE_KEY, (*path, str(key)), key=key)
            result[key] = _build(loader, value_node, (*path, str(key)), report)
        return result
    if isinstance(node, SequenceNode):
        return [_build(loader, child, (*path, i), report) for i, child in enumerate(node.value)]
    try:
        return loader.construct_object(node)
    except (ValueError, OverflowError) as error:
        # A timestamp such as 2026-13-45 or an integer past MAX_DIGITS: the scalar, not YAML.
        at = Location(line=node.start_mark.line + 1)
        value = str(getattr(node, "value", ""))
        digits = sum(c.isdigit() for c in value) if value.lstrip("+-").isdigit() else 0
        raise _Unconstructable(at, str(error), digits if digits > MAX_DIGITS else 0) from None


class _Unconstructable(Exception):
    def __init__(self, at: Location, detail: str, digits: int) -> None:
        super().__init__(detail)
        self.at, self.detail, self.digits = at, detail, digits


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _NumberTooLong(digits)
    return int(text)


def read_json(text: str, report: Report) -> Any:
    """JSON has no line numbers per field here; syntax errors carry theirs."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                report.add(Code.DUPLICATE_KEY, key=key)
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_int=_integer)
    except _NumberTooLong as error:
        report.add(Code.NUMBER_TOO_LONG, digits=error.digits, limit=MAX_DIGITS)
    except json.JSONDecodeError as error:
        report.add(Code.MALFORMED_JSON, at=Location(line=error.lineno), detail=error.msg)
    except RecursionError:
        report.add(Code.MALFORMED_JSON, detail="nested too deeply")
    return None
