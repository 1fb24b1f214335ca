"""The per-type hook table shared by computed values and refusals."""

from __future__ import annotations

import pytest

from emulator.per_type import PerType


def test_a_hook_runs_for_its_type_in_any_case_and_other_types_are_left_alone() -> None:
    seen: list[str] = []
    hooks: PerType[[str]] = PerType({"Microsoft.Web/sites": seen.append})
    hooks.run("microsoft.web/SITES", "site")
    hooks.run("microsoft.web/serverfarms", "plan")
    assert seen == ["site"]
    assert hooks.types() == {"microsoft.web/sites"}


def test_two_hooks_for_one_type_are_refused() -> None:
    with pytest.raises(ValueError, match="two hooks"):
        PerType({"Microsoft.Web/sites": print, "microsoft.web/sites": print})
