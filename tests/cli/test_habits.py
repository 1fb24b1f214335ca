"""What an experienced Terraform or az user types works, or says what was meant: `reconcile plan`,
`reconcile apply` with and without a plan file, `--auto-approve`, `version`/`--version`,
did-you-mean for commands, flags, choices, environments and addresses, and a bare `reconcile`
that prints help and reads nothing. The real CLI against the embedded emulator, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import Emulator
from emulator.request_log import clear_request_log, read_request_log
from reconciler.cli.common import tool_version
from reconciler.cli.main import _plan_parser, main
from reconciler.cli.plan_commands import names_a_plan_file
from tests.cli.cli_process import on_pipe
from tests.cli.test_lazy_imports import loaded

#: One resource keeps a plan short (and cheap on a shared machine).
ONE = ("--env", "dev", "--target-resource", "core.resource_group")


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


def writes(state: Path) -> list[str]:
    return [f"{r.method} {r.path}" for r in read_request_log(state) if r.method != "GET"]


def test_a_bare_reconcile_prints_help_exits_0_and_reads_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "estate.db"
    Emulator(state).close()
    clear_request_log(state)
    before = state.read_bytes()
    monkeypatch.setenv("RECONCILER_EMULATOR_STATE", str(state))
    code, out, err = run(capsys)
    assert code == 0, err
    assert out.startswith("usage: reconcile [COMMAND] [options]")
    assert "  plan       show what would change" in out and "  version    print the version" in out
    assert err == ""
    assert read_request_log(state) == []  # no request reached the emulator
    assert state.read_bytes() == before
    assert not (tmp_path / ".reconciler").exists()  # not even the default state was opened


def test_reconcile_plan_is_a_dry_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "plan", *ONE, "--emulator-state", "s.db")
    assert code == 0, err
    assert "  + core.resource_group (Microsoft.Resources/resourceGroups)" in out
    assert "Plan: 1 to create" in out and "Apply complete" not in out
    assert writes(tmp_path / "s.db") == []
    code, _, err = run(capsys, "plan", *ONE, "--emulator-state", "s.db", "--detailed-exitcode")
    assert code == 2, err


@pytest.mark.parametrize("flag", ["--yes", "--auto-approve", "-y"])
def test_reconcile_plan_refuses_to_apply(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    code, out, err = run(capsys, "plan", *ONE, "--emulator-state", "s.db", flag)
    assert code == 1 and out == ""
    assert "reconcile plan never applies: drop --yes/--auto-approve, or run `reconcile apply`" in err
    assert not Path("s.db").exists()


def test_reconcile_apply_without_a_plan_file_plans_and_applies_with_auto_approve(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "apply", *ONE, "--emulator-state", "s.db", "--auto-approve")
    assert code == 0, err
    assert "Plan: 1 to create" in out and "Apply complete: 1 applied, 0 failed, 0 skipped." in out
    assert any(w.startswith("PUT ") and w.lower().endswith("/resourcegroups/rg-platform-dev-wus2")
               for w in writes(tmp_path / "s.db"))


def test_reconcile_apply_asks_as_before_and_names_auto_approve_without_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "apply", *ONE, "--emulator-state", "s.db")
    assert code == 1 and out == ""
    assert "refusing to apply without confirmation: no terminal to ask on; pass --yes (--auto-approve)" in err
    code, out, err = run(capsys, "apply", *ONE, "--emulator-state", "s.db", "--dry-run")
    assert code == 1 and "reconcile apply applies: drop --dry-run, or run `reconcile plan`" in err


def test_auto_approve_is_yes_in_the_flag_form_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, *ONE, "--emulator-state", "s.db", "--auto-approve")
    assert code == 0, err
    assert "Apply complete: 1 applied" in out


def test_apply_tells_a_plan_file_from_option_values() -> None:
    parser = _plan_parser("apply")
    assert names_a_plan_file(["prod.plan.json"], parser)
    assert names_a_plan_file(["--env", "prod", "prod.plan.json"], parser)
    assert names_a_plan_file(["--max-age", "2h", "p.json", "--env", "prod"], parser)
    assert not names_a_plan_file(["--env", "prod", "--auto-approve", "--target-resource", "core.resource_group"], parser)
    assert not names_a_plan_file(["--emulator-state", "s.db", "--prune"], parser)


@pytest.mark.parametrize("argv", [("version",), ("--version",)])
def test_version(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's version action exits
        code = int(stop.code or 0)
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"reconcile {tool_version()} (azure-reconciler; Python ")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("--dryrun", "--env", "dev"), "reconcile: unrecognized arguments: --dryrun; did you mean --dry-run?"),
        (("plna",), "reconcile: unknown command 'plna'; did you mean plan?"),
        (("shwo", "--env", "dev"), "unknown command 'shwo'; did you mean show?"),
        (("plan", "--auto-aprove"), "unrecognized arguments: --auto-aprove; did you mean --auto-approve?"),
        (("plan", "--target-resorce", "x"), "did you mean --target-resource?"),
        (("plan", "--output", "jsn"), "argument --output: invalid choice: 'jsn' (choose from 'text', 'json', "
                                      "'markdown'); did you mean json?"),
        (("plan", "--env", "prd"), "unknown environment 'prd' (from --env or $RECONCILER_ENV); valid environments "
                                   "are dev, qa, staging, prod; did you mean prod?"),
        (("graph", "--env", "stagign"), "did you mean staging?"),
        (("emulator", "serv"), "invalid choice: 'serv' (choose from 'serve', 'reset'); did you mean serve?"),
        (("plan", "--env", "dev", "--target-resource", "networking.nsg.ap", "--emulator-state", "s.db"),
         "--target-resource networking.nsg.ap: no such address in dev; did you mean networking.nsg.app?"),
        (("plan", "--env", "dev", "--adopt", "messaging.queue.order", "--emulator-state", "s.db"),
         "--adopt messaging.queue.order: no such address in dev; did you mean messaging.queue.orders?"),
        (("show", "networking.nsg.ap", "--env", "dev"),
         "networking.nsg.ap: no such address in dev; did you mean networking.nsg.app?"),
        (("history", "messaging.queue.order", "--env", "dev"), "did you mean messaging.queue.orders?"),
        (("graph", "--target-resource", "networking.vnt"), "did you mean networking.vnet?"),
    ],
)
def test_a_typo_gets_the_closest_spelling(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("reconcile: error: ") and expected in line
    assert not (tmp_path / "s.db").exists()  # refused before anything was opened


def test_no_suggestion_when_nothing_is_close(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "frobnicate")
    assert code == 1
    assert "unknown command 'frobnicate' (commands: plan, apply, show," in err and "did you mean" not in err
    code, _, err = run(capsys, "--xyzzy-quux")
    assert code == 1 and "unrecognized arguments: --xyzzy-quux (see `reconcile --help`)" in err


def test_a_typo_in_reconciler_env_is_named_with_its_fix(tmp_path: Path) -> None:
    done = on_pipe(tmp_path, "plan", "--emulator-state", "s.db", RECONCILER_ENV="prd")
    assert done.returncode == 1 and done.stdout == ""
    assert "unknown environment 'prd' (from --env or $RECONCILER_ENV)" in done.stderr
    assert "did you mean prod?" in done.stderr
    assert not (tmp_path / "s.db").exists()


def test_a_bare_reconcile_imports_nothing_of_azure(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path)
    assert code == 0
    assert modules == set()


def test_apply_without_a_plan_file_refuses_out_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "apply", *ONE, "--out", "p.json", "--auto-approve")
    assert code == 1
    assert "--out saves a plan for review and needs --dry-run (or `reconcile plan --out PLANFILE`)" in err
