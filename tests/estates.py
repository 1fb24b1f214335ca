"""Applied emulator states shared by the whole test session.

Applying an environment from empty is the most expensive thing a test does (prod:
162 resources through the real CLI, SDK clients and emulator). Each environment is
applied once per test session (per worker with pytest-xdist) into a template state
file that no test writes; tests get copies (`AppliedEstate.copy`), so they stay
independent of each other and of their order.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from emulator.request_log import clear_request_log

#: Variables that would point a run at Azure or at another state file.
FOREIGN = ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE")


def copy_state(source: Path, target: Path) -> Path:
    """A copy of an emulator state file (with its WAL), its request log cleared."""
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(source) + suffix)
        if src.exists():
            shutil.copy(src, str(target) + suffix)
    clear_request_log(target)
    return target


@contextlib.contextmanager
def emulator_environment(directory: Path, **variables: str) -> Iterator[None]:
    """The process environment of a run against the embedded emulator: no Azure settings,
    ARM's throttling off, `variables` set, `directory` as the working directory; restored after."""
    saved = {name: os.environ.get(name) for name in (*FOREIGN, "RECONCILER_EMULATOR_THROTTLE", *variables)}
    cwd = Path.cwd()
    try:
        for name in FOREIGN:
            os.environ.pop(name, None)
        os.environ.update({"RECONCILER_EMULATOR_THROTTLE": "0", **variables})
        os.chdir(directory)
        yield
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class AppliedEstate:
    """An environment applied from empty by `reconcile --yes --env ENV`: its template state and what the apply said."""

    environment: str
    template: Path
    exit_code: int
    output: str

    def copy(self, target: Path) -> Path:
        """A state file of this estate for one test (`target`), its request log empty."""
        return copy_state(self.template, target)


def apply_estate(environment: str, directory: Path) -> AppliedEstate:
    """Apply `environment` from empty into `directory/ENV.db` through the real CLI."""
    from reconciler.cli.main import main

    state = directory / f"{environment}.db"
    out, progress = io.StringIO(), io.StringIO()
    with emulator_environment(directory), contextlib.redirect_stdout(out), contextlib.redirect_stderr(progress):
        code = main(["--yes", "--env", environment, "--emulator-state", str(state)])
    return AppliedEstate(environment, state, code, out.getvalue())


class AppliedEstates:
    """Every environment applied at most once, on first use (`estates["prod"]`)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._applied: dict[str, AppliedEstate] = {}

    def __getitem__(self, environment: str) -> AppliedEstate:
        if environment not in self._applied:
            directory = self._root / environment
            directory.mkdir(parents=True, exist_ok=True)
            self._applied[environment] = apply_estate(environment, directory)
        return self._applied[environment]
