"""The JSON Schema of the native item-set format, generated from the models, and the generated
parts of docs/item-format.md. Run `python -m item_bank.schema docs` after changing either."""

import json
import sys
from pathlib import Path
from typing import Any

from item_bank.messages import problem_code_table
from item_bank.models import ITEM_FORMAT, ItemSet


def item_set_schema() -> dict[str, Any]:
    """The models' schema, adjusted to what a file may omit and must contain."""
    schema = ItemSet.model_json_schema(mode="validation")
    schema["required"] = ["format", *schema["required"]]
    schema["properties"]["format"] = {"const": ITEM_FORMAT, "title": "Format", "type": "string"}
    option = schema["$defs"]["Option"]
    option["required"] = [name for name in option["required"] if name != "label"]
    option["properties"]["label"]["description"] = "Assigned A, B, C … in order when omitted."
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    return json.dumps(item_set_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path) -> None:
    path.write_text(schema_text(), encoding="utf-8")


TABLE_START = "<!-- problem-codes:start -->"
TABLE_END = "<!-- problem-codes:end -->"


def with_problem_table(markdown: str) -> str:
    """`markdown` with the generated problem-code table between its two markers."""
    head, rest = markdown.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{problem_code_table()}\n{TABLE_END}{tail}"


def sync_docs(docs: Path) -> None:
    """Regenerate the schema file and the problem-code table of docs/item-format.md."""
    write_schema(docs / "item-format.schema.json")
    page = docs / "item-format.md"
    page.write_text(with_problem_table(page.read_text("utf-8")), "utf-8")


if __name__ == "__main__":
    sync_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
