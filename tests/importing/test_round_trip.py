"""Issue 26's contract, end to end with the real CLI in fresh processes against the embedded emulator:

1. `staging` applied, a resource group made by hand over HTTP (`reconcile emulator serve`, as a portal
   user would: tests/importing/handmade.py), `reconcile import` of it; the dry run with the layer file
   plans nothing but the ownership tags of the imported resources; the adopting apply writes those tags
   and nothing else; the next dry run is a no-op. No secret value in the file or in any output.
2. `dev`'s own group, as another tool would have left it (our ownership tags taken off), imported for
   `qa`: every resource of dev is imported, each type dev uses among them, and each generated spec's
   body is dev's own (a typed spec's exactly; a generic one declares all dev declares, as it is).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from adapters.compare import compare
from adapters.registry import rules_for
from desired_state import build
from desired_state.layer_file import load
from desired_state.specs.generic import GenericSpec
from desired_state.state import build_layers
from desired_state.tags import ENVIRONMENT_TAG, OWNER_TAG
from emulator import read_request_log
from reconciler.engine.resolve import resolve_refs
from tests.estates import AppliedEstates
from tests.importing import handmade
from tests.importing.estate import copy_of, read, reconcile, settled_ids, strip_ownership_tags

OWNERSHIP = {f"tags.{OWNER_TAG}", f"tags.{ENVIRONMENT_TAG}"}
#: What the server changes on any write (not a property a user set).
SERVER_BOOKKEEPING = re.compile(r"^(etag|systemData\..*|properties\.(updatedAt|lastModified\w*|modifiedDate|changedTime))$")


def imported_changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["address"]: c for c in plan["changes"] if c["address"].startswith("imported.")}


def flat(body: Any, path: str = "") -> dict[str, Any]:
    if isinstance(body, dict):
        out: dict[str, Any] = {}
        for key, value in body.items():
            out.update(flat(value, f"{path}.{key}" if path else key))
        return out
    return {path: json.dumps(body, sort_keys=True)}


def test_a_hand_made_group_imports_and_is_adopted_writing_only_ownership_tags(handmade_state: Path, tmp_path: Path) -> None:
    state = copy_of(handmade_state, tmp_path)
    out = tmp_path / "imported.py"
    outputs: list[str] = []

    done = reconcile(tmp_path, "import", "--env", "staging", "--resource-group", handmade.GROUP, "--out", str(out),
                     "--emulator-state", str(state))
    outputs += [done.stdout, done.stderr]
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    layer = load(out)
    assert layer.layer == "imported"

    # What was generated: every hand-made resource, typed where the estate has a spec, references by name.
    state_with = build("staging", layer_files=[layer])
    imported = [r for r in state_with.resources if r.layer == "imported"]
    ids = {r.id.lower() for r in imported}
    inline = {rid.lower() for rid, _v, _b in handmade.REQUESTS if "/securityRules/" in rid}
    assert {rid.lower() for rid, _v, _b in handmade.REQUESTS} - inline <= ids
    assert len(imported) >= 12 and len({r.type for r in imported}) >= 8, [r.type for r in imported]
    for typed in ("VirtualNetworkSpec(", "SubnetSpec(", "NetworkSecurityGroupSpec(", "SecurityRule(", "RouteTableSpec(",
                  "RouteSpec(", "PublicIpAddressSpec("):
        assert typed in text, typed
    assert "GenericSpec(" in text
    assert "network_security_group=nsg_handmade" in text and "route_table=rt_handmade" in text
    assert '"id": app' in text  # the vault's network rule refers to the subnet, not to its pasted id
    assert "/subnets/app" not in text.split("def build", 1)[1].split("# Read but held inline", 1)[0]
    assert handmade.SECRET_CANARY not in text
    assert 'secret_setting("IMPORTED_DB_PASSWORD_VALUE")' in text
    assert "IMPORTED_DB_PASSWORD_VALUE" in done.stdout  # the setting is named in the command's output

    # The dry run with the layer file: the ownership tags of the imported resources, nothing else.
    plan = reconcile(tmp_path, "plan", "--env", "staging", "--layer-file", str(out), "--emulator-state", str(state),
                     "--output", "json")
    outputs += [plan.stdout, plan.stderr]
    assert plan.returncode == 0, plan.stderr
    document = json.loads(plan.stdout)
    changes = imported_changes(document)
    assert set(changes) == {r.address for r in imported}
    for address, change in changes.items():
        assert {d["path"] for d in change["diff"]} <= OWNERSHIP, (address, change["diff"])
        assert change["action"] in ("update", "noop")
        # not ours yet: nobody "drifted" it (alice made it; the differences are the adoption)
        assert change["attribution"] is None, (address, change["attribution"])
    tagged = {a for a, c in changes.items() if c["action"] == "update"}
    assert len(tagged) >= 9
    assert not [c for c in document["changes"] if not c["address"].startswith("imported.") and c["action"] != "noop"]
    secret = changes["imported.vaults.kv_handmade_01.secrets.db_password"]
    assert "properties.value" in secret["unverifiable"] and secret["action"] == "noop"

    # The adopting apply writes the ownership tags, and nothing else.
    before = {r.id: read(state, r.id, r.type) for r in imported}
    logged = len(read_request_log(state))
    apply = reconcile(tmp_path, "apply", "--env", "staging", "--layer-file", str(out), "--adopt", "imported.*",
                      "--auto-approve", "--emulator-state", str(state))
    outputs += [apply.stdout, apply.stderr]
    assert apply.returncode == 0, apply.stderr
    # (a POST is a read here: App Service's `config/appsettings/list`)
    writes = [r for r in read_request_log(state)[logged:] if r.method in ("PUT", "PATCH", "DELETE")]
    assert {r.path.lower().rstrip("/") for r in writes} == {changes[a]["id"].lower() for a in tagged}
    assert {r.method for r in writes} <= {"PUT", "PATCH"}
    for resource in imported:
        after = read(state, resource.id, resource.type)
        assert after is not None
        old, new = flat(before[resource.id]), flat(after)
        changed = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p) and not SERVER_BOOKKEEPING.match(p)}
        expected = OWNERSHIP if resource.address in tagged else set()
        assert changed == expected, (resource.address, changed)
        if resource.address in tagged:
            assert after["tags"][OWNER_TAG] == "azure-reconciler" and after["tags"][ENVIRONMENT_TAG] == "staging"

    # The next dry run is a no-op.
    again = reconcile(tmp_path, "plan", "--env", "staging", "--layer-file", str(out), "--emulator-state", str(state),
                      "--detailed-exitcode")
    outputs += [again.stdout, again.stderr]
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    # The secret, once its setting is set, is written and never shown: not in the plan, the apply, the file.
    canary = "canary-second-5a1d-DO-NOT-PRINT"
    plan = reconcile(tmp_path, "plan", "--env", "staging", "--layer-file", str(out), "--emulator-state", str(state),
                     "--verbose", IMPORTED_DB_PASSWORD_VALUE=canary)
    # (its first write takes it over: until its value was set it carried no tags of ours)
    apply = reconcile(tmp_path, "apply", "--env", "staging", "--layer-file", str(out), "--auto-approve",
                      "--adopt", "imported.vaults.*", "--emulator-state", str(state), "--log-level", "DEBUG",
                      IMPORTED_DB_PASSWORD_VALUE=canary)
    outputs += [plan.stdout, plan.stderr, apply.stdout, apply.stderr]
    assert plan.returncode == 0 and apply.returncode == 0, plan.stderr + apply.stderr
    assert "imported.vaults.kv_handmade_01.secrets.db_password" in plan.stdout
    assert "Apply complete: 1 applied" in apply.stdout
    for output in outputs:
        assert handmade.SECRET_CANARY not in output and canary not in output
    assert canary not in out.read_text() and handmade.SECRET_CANARY not in out.read_text()


def test_every_resource_as_the_generic_spec_round_trips_too(handmade_state: Path, tmp_path: Path) -> None:
    state = copy_of(handmade_state, tmp_path)
    out = tmp_path / "imported.py"
    done = reconcile(tmp_path, "import", "--env", "staging", "-g", handmade.GROUP, "--out", str(out), "--generic", "all",
                     "--emulator-state", str(state))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "VirtualNetworkSpec(" not in text and "SecurityRule(" not in text
    assert '"domainNameLabel": "handmade-lbl"' in text  # what a typed public IP leaves to Azure is declared
    plan = reconcile(tmp_path, "plan", "--env", "staging", "--layer-file", str(out), "--emulator-state", str(state),
                     "--output", "json")
    assert plan.returncode == 0, plan.stderr
    changes = imported_changes(json.loads(plan.stdout))
    assert len(changes) >= 17  # the NSG's rules are resources of their own now
    for address, change in changes.items():
        assert {d["path"] for d in change["diff"]} <= OWNERSHIP, (address, change["diff"])


def test_dev_imported_for_another_environment_is_dev_own_bodies(applied_estates: AppliedEstates, tmp_path: Path) -> None:
    assert applied_estates["dev"].exit_code == 0
    state = applied_estates["dev"].copy(tmp_path / "emulator.db")
    dev = build("dev")
    settled = settled_ids(state, dev)
    assert strip_ownership_tags(state, settled) > 40
    id_of = {r.address: rid.lower() for r, (rid, _type) in zip(dev.resources, settled, strict=True)}
    out = tmp_path / "imported.py"
    # dev's own group, and Network Watcher's, which every environment shares (qa declares it, and the watcher)
    groups = [arg for r in dev.resources if r.type == "Microsoft.Resources/resourceGroups" for arg in ("-g", r.name)]
    assert len(groups) >= 4
    done = reconcile(tmp_path, "import", "--env", "qa", *groups, "--out", str(out), "--emulator-state", str(state))
    assert done.returncode == 0, done.stderr

    qa = build("qa", layer_files=[load(out)])
    imported = {r.id.lower(): r for r in qa.resources if r.layer == "imported"}
    shared = {r.id.lower() for r in qa.resources if r.layer != "imported"} & set(id_of.values())
    assert len(shared) == 2 and "refers to, not written" not in done.stdout and "shared resources" in done.stdout
    missing = [r.address for r in dev.resources if id_of[r.address] not in imported | dict.fromkeys(shared)]
    assert not missing, missing
    assert {r.type for r in dev.resources} <= {r.type for r in qa.resources if r.id.lower() in imported | dict.fromkeys(shared)}
    assert 'parent=declared["observability.network_watcher"]' in out.read_text()

    from adapters.clients import ClientFactory
    from adapters.registry import AdapterRegistry
    from emulator import Emulator
    from emulator.transport import EmulatorTransport

    emulator = Emulator(state)
    registry = AdapterRegistry(ClientFactory.for_transport(qa.resources[0].subscription_id, EmulatorTransport(emulator)))
    live_dev = {r.address: registry.for_type(r.type, r.api_version).read(id_of[r.address]) for r in dev.resources}
    live_imported = {r.address: registry.for_type(r.type, r.api_version).read(r.id) for r in imported.values()}
    emulator.close()
    typed = 0
    ctx = _context("qa")
    declared = {spec.address: spec for specs in build_layers(ctx).values() for spec in specs}
    layer_specs = {s.id.lower(): s for s in load(out).specs(ctx, declared)}
    for resource in dev.resources:
        if id_of[resource.address] in shared:
            continue  # declared by qa as by dev: the same spec
        twin = imported[id_of[resource.address]]
        ours = resolve_refs(resource.body, live_dev, strict=False)
        theirs = resolve_refs(twin.body, live_imported, strict=False)
        ours.pop("tags", None)
        theirs.pop("tags", None)
        rules = rules_for(resource.type, resource.name)
        # The generated spec declares everything dev's does, as dev's says it.
        assert not compare(ours, theirs, rules).differences, resource.address
        if not isinstance(layer_specs[id_of[resource.address]], GenericSpec):
            typed += 1  # a typed spec declares nothing more either: it is dev's body
            assert not compare(theirs, ours, rules).differences, resource.address
    assert typed >= 60

    plan = reconcile(tmp_path, "plan", "--env", "qa", "--layer-file", str(out), "--emulator-state", str(state),
                     "--output", "json")
    assert plan.returncode == 0, plan.stderr
    for address, change in imported_changes(json.loads(plan.stdout)).items():
        assert {d["path"] for d in change["diff"]} <= OWNERSHIP, (address, change["diff"])


def _context(env: str) -> Any:
    from desired_state.layers.context import LayerContext
    from desired_state.settings import AppSecrets, get_environment_settings

    return LayerContext(settings=get_environment_settings(env), secrets=AppSecrets())
