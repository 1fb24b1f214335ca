"""`python -m tests.engine.changed_desired_cli ARGS...`: the real CLI with the
desired state changed after a plan was saved (as a merge landing between review
and apply would): every environment's cost centre tag differs."""

from __future__ import annotations

import sys

from desired_state import settings as settings_module
from desired_state.settings import EnvironmentSettings

_original = settings_module._settings


def _changed(env: str) -> EnvironmentSettings:
    return _original(env).model_copy(update={"cost_center": "cc-changed-after-review"})


def main(argv: list[str]) -> int:
    settings_module._settings = _changed  # type: ignore[assignment]
    from reconciler.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
