"""The import contracts cover every package: a new subpackage cannot slip out of the
no-cycle check (issue 14), and the checker itself finds a cycle when there is one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("reconciler", "adapters", "desired_state", "emulator", "local_files")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _packages(root: Path) -> set[str]:
    return {
        ".".join(init.parent.relative_to(root).parts)
        for name in ROOTS
        for init in (root / name).rglob("__init__.py")
    }


def test_every_package_is_checked_for_cycles_between_its_modules() -> None:
    acyclic = next(c for c in _contracts() if c["type"] == "acyclic_siblings")
    ancestors = set(acyclic["ancestors"])  # type: ignore[arg-type]
    missing = sorted(_packages(REPO) - ancestors)
    assert not missing, f"add {missing} to the acyclic_siblings contract's ancestors in pyproject.toml"


def _lint_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on a copy of the packages where `module` (a path) gains `line`."""
    for name in (*ROOTS, "pyproject.toml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
        else:
            shutil.copy(source, tmp_path / name)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # noqa: E402,F401\n")
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(lint)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(tmp_path)})


def test_the_checker_reports_the_emulator_imported_outside_the_target_resolution(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "reconciler/cli/main.py", "import emulator.cli")
    assert result.returncode != 0, result.stdout
    assert "only the target resolution knows the emulator BROKEN" in result.stdout


def test_the_checker_reports_azure_imported_outside_the_adapters(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "reconciler/controller/schedule.py", "import azure.storage.blob")
    assert result.returncode != 0, result.stdout
    assert "azure.* only in the adapters BROKEN" in result.stdout


def test_the_checker_reports_a_cycle_between_sibling_modules(tmp_path: Path) -> None:
    """lint-imports on a copy where runtime/logs.py imports runtime/safe_output.py (which imports logs)."""
    result = _lint_copy(tmp_path, "reconciler/runtime/logs.py", "import reconciler.runtime.safe_output")
    assert result.returncode != 0, result.stdout
    assert "no import cycles between sibling modules BROKEN" in result.stdout
    assert "reconciler.runtime" in result.stdout and ".safe_output -> .logs" in result.stdout
