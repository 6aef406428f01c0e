"""`cact items validate | template | convert` through typer's CliRunner, no database."""

import json
from pathlib import Path

import pytest
from bank_fixtures import rich_set, write_dictionary
from typer.testing import CliRunner

from item_bank import write_item_set
from item_bank.cli import app

runner = CliRunner()
VALID = """\
format: cact-items/1
title: Integritas
language: id
items:
  - id: M01-001
    competency: M.01
    kind: weighted
    stem: Anda ditawari hadiah.
    options:
      - {text: Menolak, weight: 4}
      - {text: Menerima, weight: 1}
"""


@pytest.fixture
def dictionary(tmp_path: Path) -> Path:
    return write_dictionary(tmp_path / "competencies.yaml")


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_valid_file_exits_zero(tmp_path: Path, dictionary: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID, "utf-8")
    code, output = run("validate", path, "--dictionary", dictionary)
    assert code == 0
    assert "1 berkas, 1 soal sah: valid" in output


def test_invalid_file_exits_one_and_lists_every_problem_in_indonesian(
    tmp_path: Path, dictionary: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace("M.01", "M.99").replace(", weight: 1}", "}"), "utf-8")
    code, output = run("validate", path, "--dictionary", dictionary, "--lang", "id")
    assert code == 1
    lines = output.splitlines()
    assert f"{path}:6 M01-001 unknown_competency Kompetensi" in lines[0]
    assert f"{path}:11 M01-001 missing_weight Opsi B tidak berbobot" in lines[1]
    assert lines[2] == (
        "1 berkas, 2 masalah: tidak ada soal yang diimpor sampai semua masalah diperbaiki."
    )


def test_without_lang_both_languages_are_printed(tmp_path: Path, dictionary: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace(", weight: 1}", "}"), "utf-8")
    code, output = run("validate", path, "--dictionary", dictionary)
    first, summary = output.splitlines()
    assert code == 1
    assert "Opsi B tidak berbobot" in first and "Option B has no weight" in first
    assert summary.endswith("1 file, 1 problem: nothing is imported until every problem is fixed.")
    assert run("validate", path, "--dictionary", dictionary, "--lang", "fr")[0] == 2


def test_english_messages_with_lang_en(tmp_path: Path, dictionary: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace("M.01", "M.99"), "utf-8")
    code, output = run("validate", path, "--dictionary", dictionary, "--lang", "en")
    assert code == 1 and "is not in the competency dictionary" in output


def test_json_report_is_machine_readable(tmp_path: Path, dictionary: Path) -> None:
    good, bad = tmp_path / "ok.yaml", tmp_path / "bank.xlsx"
    good.write_text(VALID, "utf-8")
    bad.write_bytes(b"PK\x03\x04 broken")
    code, output = run("validate", good, bad, "--dictionary", dictionary, "--json")
    report = json.loads(output)
    assert code == 1 and report["valid"] is False
    assert report["item_sets"] == [{"title": "Integritas", "items": 1}]
    (problem,) = report["problems"]
    assert problem["code"] == "bad_zip" and problem["file"] == str(bad)
    assert {"sheet", "row", "column", "field", "item_id", "message_id", "message_en"} <= set(
        problem
    )


def test_competency_option_fills_items_without_one(tmp_path: Path, dictionary: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID.replace("    competency: M.01\n", ""), "utf-8")
    assert run("validate", path, "--dictionary", dictionary)[0] == 1
    assert run("validate", path, "--dictionary", dictionary, "--competency", "M.02")[0] == 0


def test_blueprint_is_checked_against_the_items_given_with_it(
    tmp_path: Path, dictionary: Path
) -> None:
    items, blueprint = tmp_path / "ok.yaml", tmp_path / "blueprint.yaml"
    items.write_text(VALID, "utf-8")
    blueprint.write_text(
        "format: cact-blueprint/1\ncode: DEMO\ntitle: Demo\nsections:\n"
        "  - {title: M, time_limit_minutes: 10, rules: [{competency: M.01, count: 2}]}\n",
        "utf-8",
    )
    code, output = run("validate", items, blueprint, "--dictionary", dictionary)
    assert code == 1 and "not_enough_items" in output and f"{blueprint}:5" in output


def test_broken_dictionary_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "dictionary.yaml"
    path.write_text("source: x\ncompetencies: []\n", "utf-8")
    assert run("validate", tmp_path / "none.yaml", "--dictionary", path)[0] == 2


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_template_command_writes_the_template(
    tmp_path: Path, dictionary: Path, file_format: str
) -> None:
    target = tmp_path / f"templat.{file_format}"
    code, _ = run("template", "--format", file_format, "-o", target)
    assert code == 0 and target.stat().st_size > 0
    code, output = run("validate", target, "--dictionary", dictionary)
    assert code == 1 and "no_items" in output


def test_template_refuses_other_formats(tmp_path: Path) -> None:
    assert run("template", "--format", "ods", "-o", tmp_path / "x.ods")[0] == 2


def test_convert_writes_another_format(tmp_path: Path, dictionary: Path) -> None:
    source, target = tmp_path / "ok.yaml", tmp_path / "bank.zip"
    source.write_text(VALID, "utf-8")
    code, _ = run("convert", source, "--to", "qti30", "-o", target, "--dictionary", dictionary)
    assert code == 0
    assert run("validate", target, "--dictionary", dictionary)[0] == 0


def test_convert_refuses_an_invalid_file(tmp_path: Path, dictionary: Path) -> None:
    source, target = tmp_path / "bank.yaml", tmp_path / "bank.csv"
    source.write_text(VALID.replace("M.01", "M.99"), "utf-8")
    code, output = run("convert", source, "--to", "csv", "-o", target, "--dictionary", dictionary)
    assert code == 1 and "unknown_competency" in output and not target.exists()


def test_convert_to_standard_output(tmp_path: Path, dictionary: Path) -> None:
    source = tmp_path / "bank.yaml"
    source.write_bytes(write_item_set(rich_set(), "yaml"))
    code, output = run("convert", source, "--to", "json", "--dictionary", dictionary)
    assert code == 0 and json.loads(output)["items"][2]["id"] == "T-ADM-001"
