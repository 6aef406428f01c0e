"""`cact items …`: validate item files, write the template, convert between formats. No database."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from item_bank.blueprint import load_blueprint_file
from item_bank.dictionary import DictionaryError, load_dictionary
from item_bank.loader import LoadResult, load_item_files
from item_bank.problems import Problem
from item_bank.writers import OutputFormat, write_item_set, write_template

app = typer.Typer(help="Item files: validate, template, convert (offline).", no_args_is_help=True)

Language = Annotated[str, typer.Option("--lang", help="Message language: id or en.")]
DictionaryOption = Annotated[
    Path | None, typer.Option("--dictionary", help="Competency dictionary YAML (default: bundled).")
]
Competency = Annotated[
    str | None, typer.Option("--competency", help="Competency code for items that name none.")
]


def is_blueprint(path: Path) -> bool:
    if path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
        return False
    with path.open("rb") as handle:
        return b"cact-blueprint/" in handle.read(4096)


def _known_codes(dictionary: Path | None) -> frozenset[str]:
    try:
        return load_dictionary(dictionary).codes
    except (DictionaryError, OSError) as error:
        typer.echo(f"competency dictionary: {error}", err=True)
        raise typer.Exit(2) from None


def _print_problems(problems: list[Problem], language: str) -> None:
    for problem in problems:
        typer.echo(
            f"{problem.where()} {problem.item_id or '-'} {problem.code} {problem.message(language)}"
        )


def _summary(result: LoadResult, problems: list[Problem], files: int, language: str) -> str:
    items = sum(len(s.items) for s in result.item_sets)
    if language == "en":
        verdict = "valid" if not problems else f"{len(problems)} problem(s)"
        return f"{files} file(s), {items} valid item(s): {verdict}"
    verdict = "valid" if not problems else f"{len(problems)} masalah"
    return f"{files} berkas, {items} soal sah: {verdict}"


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Item files and blueprint files.")],
    competency: Competency = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    language: Language = "id",
    dictionary: DictionaryOption = None,
) -> None:
    """Check item files (YAML, JSON, XLSX, CSV, QTI XML or ZIP); exit 1 when any is invalid."""
    known = _known_codes(dictionary)
    blueprints = [f for f in files if is_blueprint(f)]
    item_files = [f for f in files if f not in blueprints]
    result = load_item_files(item_files, default_competency=competency, known_competencies=known)
    problems = list(result.problems)
    bank = [item for item_set in result.item_sets for item in item_set.items]
    for path in blueprints:
        problems += load_blueprint_file(path, items=bank if result.ok else None).problems
    if as_json:
        report = {
            "valid": not problems,
            "files": [str(f) for f in files],
            "item_sets": [{"title": s.title, "items": len(s.items)} for s in result.item_sets],
            "problems": [p.model_dump() for p in problems],
        }
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_problems(problems, language)
        typer.echo(_summary(result, problems, len(files), language))
    raise typer.Exit(1 if problems else 0)


@app.command()
def template(
    file_format: Annotated[str, typer.Option("--format", help="xlsx or csv.")] = "xlsx",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    language: Annotated[str, typer.Option("--lang", help="Header language: id or en.")] = "id",
) -> None:
    """Write the empty spreadsheet template (XLSX with an instructions sheet, or CSV)."""
    if file_format not in ("xlsx", "csv"):
        typer.echo("--format must be xlsx or csv", err=True)
        raise typer.Exit(2)
    target = output or Path(f"templat-soal.{file_format}")
    target.write_bytes(write_template(file_format, language))
    typer.echo(str(target))


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="A valid item file.")],
    to: Annotated[OutputFormat, typer.Option("--to", help="Output format.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    competency: Competency = None,
    dictionary: DictionaryOption = None,
) -> None:
    """Convert a valid item file to another format (QTI formats give a zipped package)."""
    known = _known_codes(dictionary)
    result = load_item_files([source], default_competency=competency, known_competencies=known)
    if not result.ok:
        _print_problems(result.problems, "id")
        raise typer.Exit(1)
    data = write_item_set(result.item_sets[0], to)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
