"""A typo in an emulator state path must not start an empty estate: a path given explicitly
(`--emulator-state`, `--state`, `$RECONCILER_EMULATOR_STATE`) in a directory that does not exist is
refused with the fix, and nothing is created; a new state file is announced in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.main import main
from tests.cli.cli_process import environment

ONE = ("--env", "dev", "--target-resource", "core.resource_group")
MISSING = "nonexistent/dir/x.db"


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE", "RECONCILER_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (("plan", *ONE, "--emulator-state", MISSING), "--emulator-state"),
        (("--dry-run", *ONE, "--emulator-state", MISSING), "--emulator-state"),
        (("apply", *ONE, "--auto-approve", "--emulator-state", MISSING), "--emulator-state"),
        (("show", "core.resource_group", "--live", "--env", "dev", "--emulator-state", MISSING), "--emulator-state"),
        (("history", "--env", "dev", "--since", "1h", "--emulator-state", MISSING), "--emulator-state"),
        (("run", "--once", "--env", "dev", "--health-port", "-1", "--emulator-state", MISSING), "--emulator-state"),
        (("emulator", "reset", "--state", MISSING), "--state"),
    ],
    ids=["plan", "flag-form", "apply", "show-live", "history", "run", "emulator-reset"],
)
def test_a_state_path_in_a_missing_directory_is_refused_with_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...], option: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1, out + err
    (line,) = err.splitlines()
    assert line == (
        f"reconcile: error: emulator state file {MISSING} is unusable (its directory nonexistent/dir does not "
        f"exist); check the path given to {option}, or create the directory first (mkdir -p nonexistent/dir)"
    )
    assert not (tmp_path / "nonexistent").exists()  # the typo created nothing
    assert "Plan:" not in out


def test_the_environment_variable_is_checked_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR_STATE", str(tmp_path / MISSING))
    code, _, err = run(capsys, "plan", *ONE)
    assert code == 1
    assert "check the path given to RECONCILER_EMULATOR_STATE" in err
    assert not (tmp_path / "nonexistent").exists()


def test_a_file_where_the_directory_should_be_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("not a directory\n")
    code, _, err = run(capsys, "plan", *ONE, "--emulator-state", "notes/x.db")
    assert code == 1 and "(its directory notes is not a directory)" in err
    assert (tmp_path / "notes").read_text() == "not a directory\n"


def test_serve_refuses_before_listening(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--state", MISSING, "--port", "0"],
        cwd=tmp_path, env=environment(tmp_path), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 1 and "emulator serving" not in done.stdout
    assert "check the path given to --state, or create the directory first" in done.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_a_new_state_is_announced_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "plan", *ONE, "--emulator-state", "s.db")
    assert code == 0, err
    first, second = out.splitlines()[:2]
    assert first.startswith("Target: local ARM emulator (embedded), state file s.db")
    assert second == "new, empty emulator state at s.db"
    code, out, err = run(capsys, "plan", *ONE, "--emulator-state", "s.db", "--output", "json")
    assert code == 0, err
    assert "new, empty" not in out + err  # the file exists now
    assert json.loads(out)["changes"][0]["action"] == "create"


def test_json_keeps_the_announcement_off_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", *ONE, "--emulator-state", "fresh.db", "--output", "json")
    assert code == 0, err
    assert "new, empty emulator state at fresh.db" in err
    json.loads(out)  # stdout is the plan and nothing else


def test_the_default_state_directory_is_still_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "plan", *ONE)
    assert code == 0, err
    assert (tmp_path / ".reconciler" / "emulator.db").is_file()
    assert f"new, empty emulator state at {tmp_path / '.reconciler' / 'emulator.db'}" in out


def test_serve_announces_a_new_state_after_its_url(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--state", "fresh.db", "--port", "0"],
        cwd=tmp_path, env=environment(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("emulator serving fresh.db at http://127.0.0.1:")  # tools read it
        assert server.stdout.readline() == "new, empty emulator state at fresh.db\n"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
