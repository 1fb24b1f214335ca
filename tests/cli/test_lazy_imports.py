"""A command imports only the SDK modules it uses: `--help` none of azure; a
dry run reads most types by id through the generic resources client
(adapters/direct_reads.py), and imports a service's SDK package only for the
reads that need it (adapters/clients.py builds a client on first use)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from adapters.clients import SERVICES
from adapters.registry import entry_for, is_declared
from desired_state import build
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION
from tests.cli.cli_process import environment
from tests.reliability.harness import clean_secrets


def loaded(home: Path, *argv: str) -> tuple[int, set[str]]:
    """Exit code, and every azure module a fresh `reconcile ARGV` process imported."""
    out = home / "modules.txt"
    subprocess.run(
        [sys.executable, "-m", "tests.cli.loaded_modules", str(out), *argv], cwd=home, env=environment(home),
        stdin=subprocess.DEVNULL, capture_output=True, timeout=300, check=True,
    )
    first, *modules = out.read_text().splitlines()
    return int(first.removeprefix("exit ")), set(modules)


def packages(modules: set[str]) -> set[str]:
    return {".".join(m.split(".")[:3]) for m in modules if m.startswith("azure.mgmt.")}


def sdk_package(service: str) -> str:
    return ".".join(SERVICES[service].partition(":")[0].split(".")[:3])


def test_help_imports_nothing_of_azure(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, "--help")
    assert code == 0
    assert modules == set()


def test_a_targeted_dry_run_imports_only_the_sdks_of_what_it_reads(tmp_path: Path) -> None:
    code, modules = loaded(
        tmp_path, "--dry-run", "--env", "dev", "--target-resource", "networking.vnet", "--emulator-state", "s.db"
    )
    assert code == 0
    # The VNet and the resource group it depends on are both read by id: no azure-mgmt-network.
    assert packages(modules) == {"azure.mgmt.core", "azure.mgmt.resource"}


def test_a_dry_run_imports_no_sdk_of_a_type_it_does_not_manage(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, "--dry-run", "--env", "dev", "--emulator-state", "s.db")
    assert code == 0
    state = build("dev", subscription_id=EMULATOR_SUBSCRIPTION, secrets=clean_secrets())
    # Undeclared types are read by id through the generic resources client.
    managed = {sdk_package(entry_for(r.type).service if is_declared(r.type) else "resource") for r in state.resources}
    expected = managed | {"azure.mgmt.core", "azure.mgmt.resource"}
    assert packages(modules) <= expected, sorted(packages(modules) - expected)
    # Every read of dev goes through the generic resources client (seventeen
    # azure-mgmt packages were imported before).
    assert packages(modules) == {"azure.mgmt.core", "azure.mgmt.resource"}
