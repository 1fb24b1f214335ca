"""What `reconcile import` refuses, each with one line naming what and the fix, exit 1, and nothing
written: resources the environment already manages (declared by it, or carrying the ownership tags
of any environment), a group in another subscription than the target, a group that does not exist,
and an `--out` that is not a previous import of the same groups (unless `--force`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importing import handmade
from tests.importing.estate import copy_of, reconcile

STAGING_GROUP = "rg-platform-staging-wus2"


def refused(home: Path, state: Path, *argv: str) -> str:
    """The one error line of a refused import; the `--out` named in `argv` is checked unwritten by the caller."""
    done = reconcile(home, "import", *argv, "--emulator-state", str(state))
    assert done.returncode == 1, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("reconcile: error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    return errors[0]


@pytest.fixture
def state(handmade_state: Path, tmp_path: Path) -> Path:
    return copy_of(handmade_state, tmp_path)


def test_resources_the_environment_declares_are_refused(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "imported.py"
    line = refused(tmp_path, state, "--env", "staging", "-g", STAGING_GROUP, "--out", str(out))
    assert "already managed" in line and "declared by staging as core.resource_group" in line
    assert "nothing was written" in line and not out.exists()


def test_resources_another_environment_owns_are_refused(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "imported.py"
    line = refused(tmp_path, state, "--env", "qa", "-g", STAGING_GROUP, "--out", str(out))
    assert "owned by environment 'staging'" in line and not out.exists()


def test_a_group_in_another_subscription_is_refused(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "imported.py"
    other = "11111111-1111-1111-1111-111111111111"
    line = refused(tmp_path, state, "--env", "staging", "-g", f"/subscriptions/{other}/resourceGroups/{handmade.GROUP}",
                   "--out", str(out))
    assert other in line and "not the target's" in line and not out.exists()


def test_a_group_that_does_not_exist_is_refused(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "imported.py"
    line = refused(tmp_path, state, "--env", "staging", "-g", "rg-nowhere", "--out", str(out))
    assert "rg-nowhere: no such resource group" in line and not out.exists()


def test_an_out_that_is_not_a_previous_import_is_kept_unless_forced(state: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes.py"
    out.write_text("print('mine')\n")
    line = refused(tmp_path, state, "--env", "staging", "-g", handmade.GROUP, "--out", str(out))
    assert "not a file `reconcile import` wrote" in line and "--force" in line
    assert out.read_text() == "print('mine')\n"
    forced = reconcile(tmp_path, "import", "--env", "staging", "-g", handmade.GROUP, "--out", str(out), "--force",
                       "--emulator-state", str(state))
    assert forced.returncode == 0, forced.stderr
    assert out.read_text().startswith("# reconcile import: ")
    # A previous import of the same groups is replaced without --force; of other groups, it is not.
    again = reconcile(tmp_path, "import", "--env", "staging", "-g", handmade.GROUP, "--out", str(out),
                      "--emulator-state", str(state))
    assert again.returncode == 0, again.stderr
    previous = out.read_text()
    line = refused(tmp_path, state, "--env", "staging", "-g", handmade.GROUP, "-g", "rg-other", "--out", str(out))
    assert "an import of other resource groups" in line and out.read_text() == previous


@pytest.mark.parametrize(("argv", "says"), [
    (("--out", "imported.txt"), "not a .py file"),
    (("--out", "no/such/dir/imported.py"), "does not exist"),
    (("--out", "imported.py", "--layer", "networking"), "--layer 'networking'"),
    (("--out", "imported.py", "--layer", "Bad-Name"), "--layer 'Bad-Name'"),
])
def test_bad_options_are_refused_before_anything_is_read(tmp_path: Path, argv: tuple[str, ...], says: str) -> None:
    state = tmp_path / "never.db"
    line = refused(tmp_path, state, "--env", "staging", "-g", handmade.GROUP, *argv)
    assert says in line
    assert not state.exists() and not list(tmp_path.glob("*.py"))
