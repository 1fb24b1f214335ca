"""`docs/adding-a-resource.md` is exact: applying its code blocks to a copy of the
repository adds `Microsoft.Network/publicIPPrefixes`, and the registry, the naming
rules and the emulator (through a real SDK client) accept it. The copy holds only
the three packages; a child interpreter imports them from there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-a-resource.md"
NEW_TYPE = "Microsoft.Network/publicIPPrefixes"
_BLOCK = re.compile(r"<!-- (append to|insert into TYPES of) (\S+) -->\n```python\n(.*?)```", re.DOTALL)

CHECK = f'''
import pathlib, sys
import adapters, desired_state, emulator
copy = pathlib.Path.cwd()
assert all(pathlib.Path(m.__file__).is_relative_to(copy) for m in (adapters, desired_state, emulator))

from adapters.bodies import resolve_model
from adapters.clients import ClientFactory
from adapters.registry import AdapterRegistry, entry_for
from desired_state.catalog import spec_types
from desired_state.errors import DesiredStateError
from desired_state.naming import check_name, name_rule
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.network import PublicIpPrefixSpec
from emulator import Emulator, FaultConfig
from emulator.transport import EmulatorTransport

# The registry: declared, and its model resolves.
entry = entry_for("{NEW_TYPE}")
assert isinstance(resolve_model(entry.model), type)
assert "{NEW_TYPE}" in spec_types()

# Naming: the spec's rule is the type's rule.
assert name_rule("{NEW_TYPE}").max_length == 80
try:
    check_name("networking.prefix", "{NEW_TYPE}", "bad/name")
except DesiredStateError as error:
    assert "name" in str(error)
else:
    raise AssertionError("a bad name passed")

# The emulator, through our adapter and the real SDK client.
sub = "00000000-0000-0000-0000-0000000000aa"
emu = Emulator(copy / "emulator.db", faults=FaultConfig(throttle=False))
registry = AdapterRegistry(ClientFactory.for_transport(sub, EmulatorTransport(emu)))
group = ResourceGroupSpec(address="rg", name="rg-doc", subscription_id=sub, location="westus2")
prefix = PublicIpPrefixSpec(address="networking.prefix", name="ippre-doc", resource_group=group, location="westus2")
for spec in (group, prefix):
    resource = spec.to_resource("networking")
    registry.for_type(resource.type).write(resource, None)
live = registry.for_type("{NEW_TYPE}").read(prefix.id)
assert live is not None and live["properties"]["prefixLength"] == 28, live
emu.close()
print("accepted")
'''


def doc_blocks() -> list[tuple[str, str, str]]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def apply_block(copy: Path, how: str, target: str, code: str) -> None:
    path = copy / target
    text = path.read_text(encoding="utf-8")
    if how == "append to":
        text = text.rstrip("\n") + "\n\n\n" + code
    else:
        start = text.index("\nTYPES = (")
        end = text.index("\n)\n", start)
        text = text[: end + 1] + code + text[end + 1 :]
    path.write_text(text, encoding="utf-8")


def test_the_doc_names_one_spec_and_one_adapter_entry() -> None:
    targets = [target for _, target, _ in doc_blocks()]
    assert targets == ["desired_state/specs/network.py", "adapters/services/network.py"]


def test_following_the_doc_adds_a_type_the_registry_naming_and_emulator_accept(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for package in ("desired_state", "adapters", "emulator"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(copy)}

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", CHECK], cwd=copy, env=env, capture_output=True, text=True, timeout=300)

    before = check()
    assert before.returncode != 0 and "PublicIpPrefixSpec" in before.stderr  # the copy does not know it yet
    for how, target, code in doc_blocks():
        apply_block(copy, how, target, code)
    after = check()
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "accepted"
