"""Table tests of planning and applying, on the dict-backed fake adapter (`fake_adapters.py`):
`plan_one` for every kind of change (create, update, replace, blocked by each safety rule, not
owned, failed, unknown reference, not convergent), the prune deletes a fresh read condemns, and
the applier's ordering and skipping. They run in milliseconds; the same engine is tested end to
end against the emulator with the real SDK clients (test_e2e.py and the others)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.generic import ConcurrentModification
from desired_state.resource import Resource, ResourceGroupSpec, ResourceSpec
from desired_state.settings import get_environment_settings
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import SubnetSpec, VirtualNetworkSpec
from desired_state.specs.storage import StorageAccountSpec
from desired_state.state import DesiredState, assemble
from desired_state.tags import ownership_tags
from reconciler.engine.convergence import FileConvergenceStore, NotKept
from reconciler.engine.engine import Engine
from reconciler.engine.observation import Observation
from reconciler.engine.plan import KNOWN_AFTER_APPLY, Change
from reconciler.engine.safety import SafetyPolicy
from tests.engine.fake_adapters import FakeArm

SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "11111111-2222-3333-4444-555555555555"


def estate(env: str) -> DesiredState:
    tags = ownership_tags(env)
    group = ResourceGroupSpec(address="rg", name=f"rg-table-{env}", subscription_id=SUB, location="westeurope", tags=tags)
    common = {"resource_group": group, "location": "westeurope", "tags": tags}
    vnet = VirtualNetworkSpec(address="vnet", name="vnet-app", address_prefixes=["10.1.0.0/16"], **common)
    subnet = SubnetSpec(address="subnet", name="app", parent=vnet, address_prefix="10.1.0.0/24")
    account = StorageAccountSpec(address="storage", name=f"sttable{env}", **common)
    identity = UserAssignedIdentitySpec(address="identity", name="id-app", **common)
    grant = RoleAssignmentSpec.grant("grant", scope=account, identity=identity, role="Storage Blob Data Contributor",
                                     subscription_id=SUB)
    specs: list[ResourceSpec] = [group, vnet, subnet, account, identity, grant]
    return assemble(get_environment_settings(env), {"table": specs})


@dataclass
class World:
    """An engine on a fake ARM where every desired resource is live as desired and ours."""

    engine: Engine
    arm: FakeArm
    live: dict[str, Any] = field(default_factory=dict)

    def resource(self, address: str) -> Resource:
        return self.engine.resources[address]

    def plan_one(self, address: str) -> Change:
        return self.engine.plan_one(self.resource(address), self.live)

    def set_live(self, address: str, change: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Change the live body of `address` (in the observation and in ARM), or remove it (None)."""
        if change is None:
            self.live[address] = None
            self.arm.bodies.pop(self.resource(address).id.lower(), None)
            return
        body = copy.deepcopy(self.live[address])
        change(body)
        self.live[address] = body
        self.arm.put(self.resource(address).id, body)


def world(env: str = "dev", tmp_path: Path | None = None, **flags: Any) -> World:
    arm = FakeArm(server_values={"microsoft.managedidentity/userassignedidentities": {"properties": {
        "principalId": "9a2f0000-0000-4000-8000-000000000001"}}})
    state = estate(env)
    convergence = FileConvergenceStore(tmp_path / "nc.json") if tmp_path is not None else None
    strays: list[tuple[str, str]] = []
    engine = Engine(state, arm, target="emulator", safety=SafetyPolicy(**flags), convergence=convergence,
                    list_owned=lambda group: strays, apply_workers=4, requeue_delay=0.0)
    live: dict[str, Any] = {}
    for address, resource in engine.resources.items():
        body = {**copy.deepcopy(resource.body), "id": resource.id}
        if address == "grant":  # what ARM answers: the identity's principal id filled in
            body["properties"]["principalId"] = "9a2f0000-0000-4000-8000-000000000001"
        live[address] = body
        arm.put(resource.id, body)
    live["identity"]["properties"] = {"principalId": "9a2f0000-0000-4000-8000-000000000001"}
    return World(engine, arm, live)


def _prefixes(body: dict[str, Any]) -> None:
    body["properties"]["addressSpace"]["addressPrefixes"] = ["10.9.0.0/16"]


def _location(body: dict[str, Any]) -> None:
    body["location"] = "northeurope"


def _untagged(body: dict[str, Any]) -> None:
    body["tags"] = {"owner": "another-team"}
    _prefixes(body)


def _failed(body: dict[str, Any]) -> None:
    body.setdefault("properties", {})["provisioningState"] = "Failed"


#: name: (environment, flags, address changed, how its live body changed (None: absent), other
#: live changes, expected action, expected reason)
PLAN_ONE: dict[str, tuple[str, dict[str, Any], str, Any, dict[str, Any], str, str | None]] = {
    "create": ("dev", {}, "vnet", None, {}, "create", None),
    "no change": ("dev", {}, "vnet", lambda b: None, {}, "noop", None),
    "update": ("dev", {}, "vnet", _prefixes, {}, "update", None),
    "replace needs --allow-replace": ("dev", {}, "vnet", _location, {}, "replace", "needs-allow-replace"),
    "replace allowed": ("dev", {"allow_replace": True}, "vnet", _location, {}, "replace", None),
    "replace of data needs --allow-data-loss": ("dev", {"allow_replace": True}, "storage", _location, {}, "replace",
                                                "needs-allow-data-loss"),
    "replace of data allowed": ("dev", {"allow_replace": True, "allow_data_loss": True}, "storage", _location, {},
                                "replace", None),
    "replace in prod needs --allow-prod-destroy": ("prod", {"allow_replace": True}, "vnet", _location, {}, "replace",
                                                   "needs-allow-prod-destroy"),
    "replace in prod allowed": ("prod", {"allow_replace": True, "allow_prod_destroy": True}, "vnet", _location, {},
                                "replace", None),
    "not owned": ("dev", {}, "vnet", _untagged, {}, "update", "not-owned"),
    "not owned, adopted": ("dev", {"adopt": frozenset({"vnet"})}, "vnet", _untagged, {}, "update", None),
    "a child whose owner is not ours": ("dev", {}, "subnet", lambda b: b["properties"].update(addressPrefix="10.1.9.0/24"),
                                        {"vnet": _untagged}, "update", "not-owned"),
    "failed provisioning is repaired": ("dev", {}, "vnet", _failed, {}, "update", None),
    "unknown reference is left out": ("dev", {}, "grant", lambda b: None, {"identity": None}, "noop", None),
    "unknown reference of a new resource": ("dev", {}, "grant", None, {"identity": None}, "create", None),
}


@pytest.mark.parametrize("name", list(PLAN_ONE))
def test_plan_one(name: str) -> None:
    env, flags, address, live_change, others, action, reason = PLAN_ONE[name]
    w = world(env, **flags)
    for other, change in others.items():
        w.set_live(other, change)
    w.set_live(address, live_change)
    planned = w.plan_one(address)
    assert (planned.action, planned.reason) == (action, reason), planned
    assert (planned.blocked is None) == (reason is None), planned.blocked
    assert planned.runnable == (action != "noop" and reason is None)


def test_plan_one_shows_what_it_would_change() -> None:
    w = world()
    w.set_live("vnet", _failed)
    assert [d.path for d in w.plan_one("vnet").diff] == ["properties.provisioningState"]
    w.set_live("identity", None)
    w.set_live("grant", None)
    created = {d.path: d.after for d in w.plan_one("grant").diff}
    assert created["properties.principalId"] == KNOWN_AFTER_APPLY


def test_a_field_arm_does_not_keep_is_not_rewritten_but_reported(tmp_path: Path) -> None:
    w = world(tmp_path=tmp_path)
    assert w.engine.planner.convergence is not None
    w.engine.planner.convergence.written(w.resource("vnet").id, [
        NotKept("properties.addressSpace.addressPrefixes", ["10.1.0.0/16"], ["10.9.0.0/16"])])
    w.set_live("vnet", _prefixes)
    planned = w.plan_one("vnet")
    assert (planned.action, planned.reason, planned.diff) == ("noop", "not-convergent", ())
    assert [n.path for n in planned.not_convergent] == ["properties.addressSpace.addressPrefixes"]


# -- prune candidates: only a fresh read condemns ------------------------------------------------
def _stray(w: World, name: str, *, tags: dict[str, str] | None, sub: str = SUB, live: bool = True) -> str:
    group = w.resource("rg").id.replace(SUB, sub)
    rid = f"{group}/providers/Microsoft.Network/publicIPAddresses/{name}"
    if live:
        w.arm.put(rid, {"location": "westeurope", "tags": tags or {}})
    return rid


PRUNE: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = {
    # name: (flags, stray, expected reason; "gone" when no delete is planned at all)
    "owned, no --prune": ({}, {"tags": ownership_tags("dev")}, "needs-prune"),
    "owned, --prune": ({"prune": True}, {"tags": ownership_tags("dev")}, None),
    "tags removed since it was listed": ({"prune": True}, {"tags": {"owner": "another-team"}}, "gone"),
    "another environment's": ({"prune": True}, {"tags": ownership_tags("qa")}, "gone"),
    "deleted since it was listed": ({"prune": True}, {"tags": ownership_tags("dev"), "live": False}, "gone"),
    "in another subscription": ({"prune": True}, {"tags": ownership_tags("dev"), "sub": OTHER_SUB}, "gone"),
}


@pytest.mark.parametrize("name", list(PRUNE))
def test_a_prune_candidate_becomes_a_delete_only_when_a_fresh_read_shows_it_ours(name: str) -> None:
    flags, stray, reason = PRUNE[name]
    w = world(**flags)
    rid = _stray(w, "pip-old", **stray)
    plan = w.engine.plan(Observation(live=w.live, strays=[(rid, "Microsoft.Network/publicIPAddresses")]))
    deletes = [c for c in plan.changes if c.action == "delete"]
    if reason == "gone":
        assert deletes == []
    else:
        assert [(c.id, c.reason) for c in deletes] == [(rid, reason)]
    if "sub" in stray:
        assert ("read", rid) not in w.arm.calls, "an id outside the scope is not even read"


def test_a_data_holding_stray_needs_allow_data_loss() -> None:
    w = world(prune=True)
    rid = w.resource("rg").id + "/providers/Microsoft.Storage/storageAccounts/stold"
    w.arm.put(rid, {"location": "westeurope", "tags": ownership_tags("dev")})
    plan = w.engine.plan(Observation(live=w.live, strays=[(rid, "Microsoft.Storage/storageAccounts")]))
    assert [c.reason for c in plan.changes if c.action == "delete"] == ["needs-allow-data-loss"]


# -- applying: order and skipping ------------------------------------------------------------------
def _apply_from_empty(w: World, **options: Any) -> Any:
    for address in list(w.live):
        w.set_live(address, None)
    plan = w.engine.plan(Observation(live=dict(w.live)))
    return plan, w.engine.apply(plan, Observation(live=dict(w.live)), **options)


def test_writes_follow_the_dependencies() -> None:
    w = world()
    plan, result = _apply_from_empty(w)
    assert result.ok and sorted(result.applied) == sorted(w.engine.resources)
    order = {rid.lower(): n for n, rid in enumerate(w.arm.writes())}
    for change in plan.changes:
        for dependency in change.depends_on:
            assert order[w.resource(dependency).id.lower()] < order[change.id.lower()], (dependency, change.address)


def test_a_reference_still_unknown_at_write_time_fails_that_write_only() -> None:
    w = world()
    w.arm.server_values.clear()  # the identity comes back without its principal id
    _plan, result = _apply_from_empty(w)
    assert {a: f.reason for a, f in result.failed.items()} == {"grant": "unknown-reference"}
    assert set(result.applied) == set(w.engine.resources) - {"grant"}


def test_a_failed_write_skips_only_its_dependents_with_reasons() -> None:
    w = world()
    w.arm.fail_writes[w.resource("vnet").id.lower()] = ConcurrentModification(w.resource("vnet").id)
    _plan, result = _apply_from_empty(w)
    assert list(result.failed) == ["vnet"]
    assert (result.failed["vnet"].reason, result.failed["vnet"].retryable) == ("stale", False)
    assert {a: (s.reason, s.cause) for a, s in result.skipped.items()} == {"subnet": ("dependency-failed", "vnet")}
    assert {"rg", "storage", "identity", "grant"} <= set(result.applied)


def test_a_blocked_change_is_not_written_and_a_stop_skips_what_has_not_started() -> None:
    w = world()
    w.set_live("vnet", _location)  # a replace without --allow-replace
    plan = w.engine.plan(Observation(live=dict(w.live)))
    result = w.engine.apply(plan, Observation(live=dict(w.live)))
    assert result.ok and result.applied == [] and w.arm.writes() == []

    w = world()
    stop = threading.Event()
    stop.set()
    _plan, result = _apply_from_empty(w, stop=stop)
    assert result.applied == [] and w.arm.writes() == []
    assert {s.reason for s in result.skipped.values()} == {"stop-requested"}


def test_prunes_run_last_children_before_parents() -> None:
    w = world(prune=True)
    vnet = w.resource("vnet").id
    strays = [(f"{vnet}-old", "Microsoft.Network/virtualNetworks"),
              (f"{vnet}-old/subnets/a", "Microsoft.Network/virtualNetworks/subnets")]
    w.arm.put(strays[0][0], {"location": "westeurope", "tags": ownership_tags("dev")})
    w.arm.put(strays[1][0], {"properties": {}})  # a child without tags: ours through its parent's
    w.set_live("vnet", None)  # and a desired VNet to create
    plan = w.engine.plan(Observation(live=dict(w.live), strays=strays))
    assert [c.id for c in plan.changes if c.action == "delete"] == [rid for rid, _type in strays]
    result = w.engine.apply(plan, Observation(live=dict(w.live)))
    assert result.ok
    assert w.arm.writes() == [vnet] and w.arm.deletes() == [strays[1][0], strays[0][0]]
    assert w.arm.calls.index(("write", vnet)) < w.arm.calls.index(("delete", strays[1][0]))


def test_a_child_whose_parent_is_not_ours_is_not_condemned() -> None:
    w = world(prune=True)
    parent = w.resource("vnet").id + "-theirs"
    child = f"{parent}/subnets/a"
    w.arm.put(parent, {"location": "westeurope", "tags": {"owner": "another-team"}})
    w.arm.put(child, {"properties": {}})
    plan = w.engine.plan(Observation(live=dict(w.live), strays=[(child, "Microsoft.Network/virtualNetworks/subnets")]))
    assert [c for c in plan.changes if c.action == "delete"] == []


def test_a_delete_is_refused_when_the_resource_stopped_being_ours_after_the_plan() -> None:
    w = world(prune=True, allow_replace=True)
    rid = _stray(w, "pip-old", tags=ownership_tags("dev"))
    w.set_live("vnet", _location)
    plan = w.engine.plan(Observation(live=dict(w.live), strays=[(rid, "Microsoft.Network/publicIPAddresses")]))
    assert {c.address: c.runnable for c in plan.changes if c.is_change} == {"vnet": True, f"pruned:{rid}": True}
    # Between the plan and the apply, someone takes both over.
    for key in (rid.lower(), w.resource("vnet").id.lower()):
        w.arm.bodies[key]["tags"] = {"owner": "another-team"}
    result = w.engine.apply(plan, Observation(live=dict(w.live)))
    assert {a: f.reason for a, f in result.failed.items()} == {"vnet": "not-owned", f"pruned:{rid}": "not-owned"}
    assert w.arm.deletes() == [] and w.arm.writes() == []
    assert result.skipped == {}  # the subnet had nothing to change
