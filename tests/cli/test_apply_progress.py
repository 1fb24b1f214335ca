"""Apply progress reaches a pipe (a CI log), not only a terminal: a line when
each write starts and ends, and "still creating... [Ns elapsed]" while a long
operation runs (every 30 s; RECONCILER_PROGRESS_INTERVAL here, so a 3 s
emulator LRO shows it)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from reconciler.cli.apply_progress import INTERVAL_ENV, ApplyProgress, duration, interval_from_env
from tests.cli.cli_process import on_pipe

APPLY = ("--yes", "--env", "dev", "--target-resource", "networking.vnet", "--emulator-state", "state.db")


def test_progress_lines_on_a_pipe_with_still_creating_for_a_long_operation(tmp_path: Path) -> None:
    done = on_pipe(
        tmp_path, *APPLY,
        RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE="Microsoft.Network/virtualNetworks=3",
        **{INTERVAL_ENV: "1"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # The resource group is written first (the VNet depends on it), and fast.
    assert lines.index("core.resource_group: creating...") < lines.index("networking.vnet: creating...")
    assert "core.resource_group: creation complete after 0s" in lines
    assert not any(line.startswith("core.resource_group: still") for line in lines)
    start = lines.index("networking.vnet: creating...")
    end = next(i for i, line in enumerate(lines) if line.startswith("networking.vnet: creation complete after "))
    still = [line for line in lines[start:end] if line.startswith("networking.vnet: still creating... [")]
    assert still[:2] == ["networking.vnet: still creating... [1s elapsed]", "networking.vnet: still creating... [2s elapsed]"]
    assert re.fullmatch(r"networking\.vnet: creation complete after [3-9]s", lines[end])
    assert "Apply complete: 2 applied, 0 failed, 0 skipped." in done.stdout


def test_default_interval_prints_no_still_lines_for_quick_writes(tmp_path: Path) -> None:
    done = on_pipe(tmp_path, *APPLY)
    assert done.returncode == 0, done.stderr
    assert "networking.vnet: creating..." in done.stderr
    # a quick write (no injected LRO) on a machine busy with parallel test workers may take a second or two
    assert re.search(r"^networking\.vnet: creation complete after [0-9]s$", done.stderr, re.MULTILINE)
    assert "still" not in done.stderr


def test_a_bad_interval_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"{INTERVAL_ENV}='soon': must be a positive number of seconds"):
        interval_from_env({INTERVAL_ENV: "soon"})
    with pytest.raises(ValueError, match=INTERVAL_ENV):
        interval_from_env({INTERVAL_ENV: "0"})
    assert interval_from_env({}) == 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_still_lines_once_per_interval_and_per_operation() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = ApplyProgress(out, interval=30, clock=clock)
    progress.started("api.apim", "create")
    progress.started("db.server", "delete")
    clock.now += 29
    progress.tick()
    clock.now += 1
    progress.tick()
    progress.tick()  # the same interval is reported once
    clock.now += 45  # 75 s: the 60 s mark, once
    progress.tick()
    progress("db.server", "delete", None)
    progress("api.apim", "create", RuntimeError("Failed"))
    progress("never.started", "update", RuntimeError("skipped"))
    assert out.getvalue().splitlines() == [
        "api.apim: creating...",
        "db.server: deleting...",
        "api.apim: still creating... [30s elapsed]",
        "db.server: still deleting... [30s elapsed]",
        "api.apim: still creating... [1m0s elapsed]",
        "db.server: still deleting... [1m0s elapsed]",
        "db.server: deletion complete after 1m15s",
        "api.apim: creation failed after 1m15s",
    ]


def test_duration_is_spelt_like_terraform() -> None:
    assert [duration(s) for s in (0, 12.7, 60, 61, 3725)] == ["0s", "12s", "1m0s", "1m1s", "1h2m5s"]
