"""The emulator and the reconciler stay split by concern (issues 14 and 25): no module over 400
lines, no class over 250.

A module that grows past the limit is a sign that a second idea moved in: split
it (one module per concern, see emulator/README.md "Modules" and docs/architecture.md) rather
than raise the limit. There is no exception: generated tables live as JSON in emulator/data/
(written by `python -m tools.regen`), loaded by small modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("emulator", "reconciler")
MODULE_LIMIT = 400
CLASS_LIMIT = 250


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_checked_package_is_found() -> None:
    names = {_name(p) for p in _modules()}
    assert {"emulator/core.py", "emulator/routing.py", "emulator/writes.py", "emulator/server_defaults.py"} <= names
    assert {"reconciler/engine/engine.py", "reconciler/engine/graph_observe.py", "reconciler/cli/main.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_module_exceeds_the_line_limit(path: Path) -> None:
    lines = _lines(path)
    assert lines <= MODULE_LIMIT, f"{_name(path)} has {lines} lines (limit {MODULE_LIMIT}): split it by concern"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_class_exceeds_the_line_limit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    too_big = {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and (node.end_lineno or node.lineno) - node.lineno + 1 > CLASS_LIMIT
    }
    assert not too_big, f"{_name(path)}: classes over {CLASS_LIMIT} lines: {too_big}"
