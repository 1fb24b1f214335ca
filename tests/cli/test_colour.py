"""The text plan is coloured on a terminal only: not with --no-color, not with
NO_COLOR set (https://no-color.org), not on a pipe, never as JSON. Colour is
added outside the safe-output escaping: an ESC inside Azure data stays escaped."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from reconciler.cli.colour import colour_wanted, write_plan
from reconciler.cli.render import render_styled, render_text
from reconciler.engine.plan import Change, DiffEntry, Plan
from reconciler.runtime.safe_output import SafeStream
from tests.cli.cli_process import on_pipe, on_terminal

GREEN_CREATE = "\x1b[32m  + core.resource_group (Microsoft.Resources/resourceGroups)\x1b[0m\n"
#: One resource keeps the plan short; an empty emulator state makes it a create.
PLAN = ("--dry-run", "--env", "dev", "--target-resource", "core.resource_group", "--emulator-state", "state.db")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_plan_on_a_terminal_is_coloured(tmp_path: Path) -> None:
    code, text = on_terminal(tmp_path, *PLAN)
    assert code == 0, text
    assert GREEN_CREATE in text
    assert "\x1b[32m      + location = " in text
    # The banner and the summary stay plain.
    assert "\nPlan: 1 to create" in text


@pytest.mark.parametrize(
    ("extra", "env"),
    [(("--no-color",), {}), ((), {"NO_COLOR": "1"})],
    ids=["--no-color", "NO_COLOR"],
)
def test_no_colour_on_a_terminal_when_asked(tmp_path: Path, extra: tuple[str, ...], env: dict[str, str]) -> None:
    code, text = on_terminal(tmp_path, *PLAN, *extra, **env)
    assert code == 0, text
    assert "  + core.resource_group (Microsoft.Resources/resourceGroups)\n" in text
    assert "\x1b" not in text


def test_no_colour_on_a_pipe_unless_forced(tmp_path: Path) -> None:
    plain = on_pipe(tmp_path, *PLAN)
    assert plain.returncode == 0, plain.stderr
    assert "  + core.resource_group (" in plain.stdout
    assert "\x1b" not in plain.stdout + plain.stderr
    forced = on_pipe(tmp_path, *PLAN, "--color")
    assert GREEN_CREATE in forced.stdout


def test_json_is_never_coloured(tmp_path: Path) -> None:
    done = on_pipe(tmp_path, *PLAN, "--output", "json", "--color")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert json.loads(done.stdout)["changes"][0]["action"] == "create"


def test_colour_flags_conflict_with_a_clear_error(tmp_path: Path) -> None:
    done = on_pipe(tmp_path, *PLAN, "--color", "--no-color")
    assert done.returncode == 1
    assert "--no-color" in done.stderr and "not allowed with argument" in done.stderr


HOSTILE = "\x1b]0;owned\x07\x1b[2J"  # set the window title, clear the screen


def hostile_plan() -> Plan:
    sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
    return Plan(
        environment="dev",
        target="emulator",
        changes=(
            Change(
                address=f"app.site{HOSTILE}",
                id=f"{sub}/providers/Microsoft.Web/sites/site{HOSTILE}",
                type="Microsoft.Web/sites",
                action="update",
                diff=(DiffEntry(f"tags.{HOSTILE}", "a", "b"),),
            ),
        ),
        errors={"app.other": f"HttpResponseError: {HOSTILE}"},
    )


def test_colour_never_lets_control_characters_from_data_through() -> None:
    raw = io.StringIO()
    write_plan(render_styled(hostile_plan()), SafeStream(raw), colour=True)
    written = raw.getvalue()
    assert "\x1b[33m  ~ app.site\\u001b]0;owned\\u0007\\u001b[2J (Microsoft.Web/sites)\x1b[0m" in written
    assert "\x1b[1;31m  ! app.other: could not be read: HttpResponseError: \\u001b]0;owned" in written
    # The only escape sequences left are our own SGR codes.
    assert "\x1b" not in SGR.sub("", written)
    assert "\x07" not in written


def test_coloured_plan_reads_as_the_plain_plan_without_its_sgr_codes() -> None:
    raw = io.StringIO()
    write_plan(render_styled(hostile_plan()), SafeStream(raw), colour=True)
    plain = io.StringIO()
    SafeStream(plain).write(render_text(hostile_plan()))
    assert SGR.sub("", raw.getvalue()) == plain.getvalue()


def test_the_funnel_emits_sgr_parameters_only() -> None:
    with pytest.raises(ValueError, match="SGR parameters"):
        SafeStream(io.StringIO()).write_styled("text", "0m\x1b]0;x")


def test_colour_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_wanted(Terminal()) is True
    assert colour_wanted(io.StringIO()) is False
    assert colour_wanted(io.StringIO(), "always") is True
    assert colour_wanted(Terminal(), "never") is False
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no-color.org says colour stays
    assert colour_wanted(Terminal()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert colour_wanted(Terminal()) is False
