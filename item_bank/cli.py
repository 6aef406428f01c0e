"""`cact items …`: validate item files, write the template, convert between formats. No database."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from item_bank.blueprint import load_blueprint_file
from item_bank.dictionary import DictionaryError, load_dictionary
from item_bank.docx_writer import UnwritableItem, write_docx_template
from item_bank.loader import LoadResult, load_item_files
from item_bank.moodle_writer import UnwritableAiken
from item_bank.problems import Problem
from item_bank.writers import OutputFormat, write_item_set, write_template

app = typer.Typer(help="Item files: validate, template, convert (offline).", no_args_is_help=True)

LANGUAGES = ("id", "en", "both")
Language = Annotated[
    str, typer.Option("--lang", help="Message language: id, en or both (default: both).")
]
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


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        typer.echo("--lang must be id, en or both", err=True)
        raise typer.Exit(2)


def _message(problem: Problem, language: str) -> str:
    if language == "both":
        return f"{problem.message_id} / {problem.message_en}"
    return problem.message(language)


def _print_problems(problems: list[Problem], language: str, prefix: str = "") -> None:
    for problem in problems:
        typer.echo(
            f"{prefix}{problem.where()} {problem.item_id or '-'} {problem.code} "
            f"{_message(problem, language)}"
        )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary(result: LoadResult, problems: list[Problem], files: int, language: str) -> str:
    """Plain about the all-or-nothing rule: with any problem, no item of any file is imported."""
    items = sum(len(s.items) for s in result.item_sets)
    if not problems:
        indonesian = f"{files} berkas, {items} soal sah: valid"
        english = f"{_count(files, 'file')}, {_count(items, 'valid item')}: valid"
    else:
        indonesian = (
            f"{files} berkas, {len(problems)} masalah: tidak ada soal yang diimpor "
            "sampai semua masalah diperbaiki."
        )
        english = (
            f"{_count(files, 'file')}, {_count(len(problems), 'problem')}: nothing is "
            "imported until every problem is fixed."
        )
    return {"id": indonesian, "en": english}.get(language, f"{indonesian} / {english}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Item files and blueprint files.")],
    competency: Competency = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    language: Language = "both",
    dictionary: DictionaryOption = None,
) -> None:
    """Check item files (YAML, JSON, XLSX, CSV, Word, Moodle XML, GIFT, Aiken, QTI XML or
    ZIP); exit 1 when any is invalid. Notes (a title row skipped, …) never fail a file."""
    _check_language(language)
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
            "notes": [p.model_dump() for p in result.notes],
        }
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_problems(problems, language)
        _print_problems(
            result.notes,
            language,
            "catatan / note: "
            if language == "both"
            else ("catatan: " if language == "id" else "note: "),
        )
        typer.echo(_summary(result, problems, len(files), language))
    raise typer.Exit(1 if problems else 0)


TEMPLATE_FORMATS = ("xlsx", "csv", "docx")


@app.command()
def template(
    file_format: Annotated[str, typer.Option("--format", help="xlsx, csv or docx.")] = "xlsx",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    language: Annotated[str, typer.Option("--lang", help="Header language: id or en.")] = "id",
) -> None:
    """Write the empty template: XLSX with an instructions sheet, CSV, or a Word document."""
    if file_format not in TEMPLATE_FORMATS:
        typer.echo("--format must be xlsx, csv or docx", err=True)
        raise typer.Exit(2)
    if language not in ("id", "en"):
        typer.echo("--lang must be id or en", err=True)
        raise typer.Exit(2)
    target = output or Path(f"templat-soal.{file_format}")
    if file_format == "docx":
        target.write_bytes(write_docx_template(language))
    else:
        target.write_bytes(write_template(file_format, language))
    typer.echo(str(target))


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="A valid item file.")],
    to: Annotated[OutputFormat, typer.Option("--to", help="Output format.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    competency: Competency = None,
    dictionary: DictionaryOption = None,
    language: Language = "both",
) -> None:
    """Convert a valid item file to another format (QTI formats give a zipped package)."""
    _check_language(language)
    known = _known_codes(dictionary)
    result = load_item_files([source], default_competency=competency, known_competencies=known)
    if not result.ok:
        _print_problems(result.problems, language)
        typer.echo(_summary(result, result.problems, 1, language))
        raise typer.Exit(1)
    try:
        data = write_item_set(result.item_sets[0], to)
    except (UnwritableItem, UnwritableAiken) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
