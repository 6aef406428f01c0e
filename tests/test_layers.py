"""The layers of docs/development.md hold: the import contract passes, fails for an upward import,
no package imports another in a cycle, and no status set or query is written where it must not."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
STATUS_WORDS = (
    "scheduled|open|running|paused|closed|not_started|in_progress|submitted|expired|terminated"
    "|pending|registered|present|absent"
)
# Two or more status words side by side: a set written out by hand.
STATUS_SET = re.compile(rf"""(["'])({STATUS_WORDS})\1\s*,\s*(["'])({STATUS_WORDS})\3""")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text("utf-8"))) for path in (ROOT / "cact").rglob("*.py")]


def _package(path: Path) -> str:
    return path.relative_to(ROOT / "cact").parts[0].removesuffix(".py")


def test_the_layer_contract_is_kept() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    for name in ("cact", "item_bank"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    low = tmp_path / "cact" / "rooms" / "service.py"
    low.write_text("from cact.proctoring import service as proctoring\n" + low.read_text("utf-8"))
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "cact.rooms is not allowed to import cact.proctoring" in done.stdout


def test_no_package_imports_another_in_a_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cact."):
                target = node.module.split(".")[1]
                if target != _package(path):
                    graph[_package(path)].add(target)
    seen: set[str] = set()
    path: list[str] = []

    def visit(package: str) -> None:
        assert package not in path, " → ".join([*path[path.index(package) :], package])
        if package in seen:
            return
        path.append(package)
        for target in sorted(graph[package]):
            visit(target)
        path.pop()
        seen.add(package)

    for package in sorted(graph):
        visit(package)


def test_no_import_inside_a_function_outside_the_command_line() -> None:
    """The CLI loads a command's code when the command runs; nothing else imports late."""
    late = [
        f"{path.relative_to(ROOT)}:{sub.lineno}"
        for path, tree in _modules()
        if path.name != "cli.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for sub in ast.walk(node)
        if isinstance(sub, ast.Import | ast.ImportFrom)
    ]
    assert late == []


def test_status_sets_are_written_once() -> None:
    written = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "cact").rglob("*.py"))
        if path.name not in {"statuses.py"}
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if STATUS_SET.search(line) and "Literal[" not in line  # a vocabulary's one definition
    ]
    assert written == []


def test_the_pages_hold_the_closed_statuses_once_and_as_the_server_does() -> None:
    from cact.exam.statuses import CLOSED_ATTEMPT

    static = ROOT / "kiosk_ui" / "static"
    written = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(static.rglob("*.js"))
        if "vendor" not in path.parts
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if STATUS_SET.search(line)
    ]
    assert written == ["kiosk_ui/static/kiosk/constants.js:10"]
    line = (static / "kiosk" / "constants.js").read_text("utf-8").splitlines()[9]
    assert set(re.findall(r"'([a-z_]+)'", line)) == set(CLOSED_ATTEMPT)


@pytest.mark.parametrize("kind", ["router.py", "pages.py", "service.py"])
def test_routers_pages_and_services_run_no_query_of_their_own(kind: str) -> None:
    """Queries live in repositories (and the named statements of the hot path and exports)."""
    query = re.compile(
        r"(?<![.\w])(select|insert|update|delete)\(|\.(execute|scalars?)\(|\bdb\.get\("
    )
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "cact").rglob(kind))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if query.search(line)
        and not line.lstrip().startswith(("@router.", "#", "def ", "async def "))
    ]
    # The read side streams the named statements of exports/queries.py; health asks the server.
    allowed = ("cact/exports/service.py", "cact/analysis/service.py", "cact/health/router.py")
    assert [f for f in found if not f.startswith(allowed)] == []
