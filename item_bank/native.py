"""The native format `cact-items/1` in YAML or JSON: reading into raw data, writing from models."""

import json
from typing import Any

import yaml

from item_bank.models import ITEM_FORMAT, ItemSet
from item_bank.problems import Report
from item_bank.safety import decode_text
from item_bank.yaml_source import read_json, read_yaml


def read_native(data: bytes, report: Report, *, is_json: bool) -> Any:
    """The document as plain data (None when unreadable); field lines go to `report.source`."""
    text = decode_text(data, report)
    if text is None:
        return None
    return read_json(text, report) if is_json else read_yaml(text, report)


def to_native(item_set: ItemSet) -> dict[str, Any]:
    """The set as the native structure, leaving out empty and default values."""
    data = item_set.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"format": ITEM_FORMAT, **data}


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_yaml(item_set: ItemSet) -> bytes:
    text = yaml.dump(
        to_native(item_set), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return text.encode("utf-8")


def write_json(item_set: ItemSet) -> bytes:
    return (json.dumps(to_native(item_set), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
