"""Observe modes: `graph` (Resource Graph relist and change feed) against `per-resource`.

Real CLI, desired state, engine and SDK clients against the embedded emulator; out-of-band
changes are sent to the emulator as another client (a portal user's token) would send them.
Resource Graph's lag is the emulator's `graph_staleness_seconds`: 2 s here instead of the issue's
30 s, with the cycles spaced by the same scale (the logic does not depend on the figure).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desired_state import build
from emulator import Emulator, FaultConfig
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.changes import ChangeFeedConfig
from emulator.request_log import read_request_log
from reconciler.cli.main import main
from reconciler.engine.graph_observe import AUTO_GRAPH_ABOVE, ChildPolicy, GraphObserver, choose_mode
from reconciler.engine.graph_query import GraphQuery, kql_list, kql_string
from reconciler.engine.session import Session, open_session
from reconciler.engine.write_log import WriteLog
from tests.estates import AppliedEstates, copy_state

BASE = "https://management.azure.com"
PORTAL = {"Authorization": "Bearer portal-user", "Content-Type": "application/json"}
STALENESS_S = 2.0


pytestmark = pytest.mark.usefixtures("cli_isolated")  # tests/engine/conftest.py


def _applied(estates: AppliedEstates, env: str) -> Path:
    """The session's template of `env` applied from empty (tests/estates.py: per-resource, as
    `--observe auto` is below 350 resources); tests copy it."""
    assert choose_mode("auto", len(build(env).resources)) == "per-resource"
    estate = estates[env]
    assert estate.exit_code == 0, estate.output
    return estate.template


@pytest.fixture
def applied_prod(applied_estates: AppliedEstates) -> Path:
    return _applied(applied_estates, "prod")


@pytest.fixture
def applied_dev(applied_estates: AppliedEstates) -> Path:
    return _applied(applied_estates, "dev")


class Portal:
    """Another client changing the estate out of band, through the emulator itself."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def _url(self, rid: str, arm_type: str) -> str:
        return f"{BASE}{rid}?api-version={max(KNOWN_API_VERSIONS[arm_type.lower()])}"

    def get(self, rid: str, arm_type: str) -> dict[str, Any]:
        answer = self.emulator.handle("GET", self._url(rid, arm_type), PORTAL, b"")
        assert answer.status == 200, answer.body
        body: dict[str, Any] = json.loads(answer.body)
        return body

    def put(self, rid: str, arm_type: str, body: dict[str, Any]) -> None:
        answer = self.emulator.handle("PUT", self._url(rid, arm_type), PORTAL, json.dumps(body).encode())
        assert answer.status in (200, 201, 202), answer.body

    def delete(self, rid: str, arm_type: str) -> None:
        answer = self.emulator.handle("DELETE", self._url(rid, arm_type), PORTAL, b"")
        assert answer.status in (200, 202, 204), answer.body

    def edit(self, rid: str, arm_type: str, change: Callable[[dict[str, Any]], None]) -> None:
        body = self.get(rid, arm_type)
        change(body)
        self.put(rid, arm_type, body)


def _r(env: str, address: str) -> Any:
    return build(env).by_address(address)


# -- the scenarios of tests/engine/test_e2e.py, on prod -------------------------------------
def _property(portal: Portal, env: str) -> None:
    queue = _r(env, "messaging.queue.orders")
    portal.edit(queue.id, queue.type, lambda b: b["properties"].update(maxDeliveryCount=41))


def _deleted(portal: Portal, env: str) -> None:
    identity = _r(env, "security.identity.functions")
    portal.delete(identity.id, identity.type)


def _tag(portal: Portal, env: str) -> None:
    vnet = _r(env, "networking.vnet")
    portal.edit(vnet.id, vnet.type, lambda b: b["tags"].update({"environment": "dev", "added-by-hand": "yes"}))


def _nsg_rule(portal: Portal, env: str) -> None:
    nsg = _r(env, "networking.nsg.data")
    rule = {"name": "allow-rdp-from-anywhere", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "3389"}}
    portal.edit(nsg.id, nsg.type, lambda b: b["properties"]["securityRules"].append(rule))


def _deleted_child(portal: Portal, env: str) -> None:
    queue = _r(env, "messaging.queue.etl")
    portal.delete(queue.id, queue.type)


def _not_ours(portal: Portal, env: str) -> None:
    vnet = _r(env, "networking.vnet")
    group = vnet.id.split("/providers/")[0]
    portal.put(f"{group}/providers/Microsoft.Network/publicIPAddresses/pip-someone-else",
               "Microsoft.Network/publicIPAddresses",
               {"location": "westus2", "tags": {"owner": "another-team"}, "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"}})
    identity = _r(env, "security.identity.microservices")
    portal.delete(identity.id, identity.type)
    portal.put(identity.id, identity.type, {"location": "westus2", "tags": {"owner": "another-team"}})


def _strays(portal: Portal, env: str) -> None:
    vnet = _r(env, "networking.vnet")
    group = vnet.id.split("/providers/")[0]
    tags = dict(vnet.body["tags"])
    portal.put(f"{group}/providers/Microsoft.Network/publicIPAddresses/pip-no-longer-desired",
               "Microsoft.Network/publicIPAddresses",
               {"location": "westus2", "tags": tags, "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"}})
    portal.put(f"{group}/providers/Microsoft.Storage/storageAccounts/stnolongerdesired",
               "Microsoft.Storage/storageAccounts",
               {"location": "westus2", "tags": tags, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})


def _nothing(portal: Portal, env: str) -> None:
    return None


SCENARIOS: dict[str, Callable[[Portal, str], None]] = {
    "no-op": _nothing, "changed property": _property, "deleted resource": _deleted, "changed tag": _tag,
    "nsg rule added": _nsg_rule, "deleted child": _deleted_child, "not ours": _not_ours, "strays": _strays,
}


def _plan(capsys: pytest.CaptureFixture[str], state: Path, env: str, mode: str) -> dict[str, Any]:
    code = main(["--dry-run", "--env", env, "--output", "json", "--emulator-state", str(state), "--observe", mode])
    out = capsys.readouterr().out
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_prod_plans_the_same_in_both_observe_modes(
    scenario: str, applied_prod: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = copy_state(applied_prod, tmp_path / "prod.db")
    portal = Emulator(state, faults=FaultConfig(throttle=False))
    SCENARIOS[scenario](Portal(portal), "prod")
    portal.close()
    plans = {mode: _plan(capsys, state, "prod", mode) for mode in ("per-resource", "graph")}
    assert plans["graph"]["changes"] == plans["per-resource"]["changes"]
    assert plans["graph"].get("errors") == plans["per-resource"].get("errors")
    drift = [c for c in plans["graph"]["changes"] if c["action"] != "noop"]
    assert bool(drift) == (scenario != "no-op"), drift
    # graph mode asked Resource Graph, and read far fewer resources from ARM
    log = read_request_log(state)
    assert any(r.path.lower().endswith("/providers/microsoft.resourcegraph/resources") for r in log)


def test_auto_picks_graph_above_the_documented_threshold() -> None:
    assert choose_mode("auto", AUTO_GRAPH_ABOVE) == "per-resource"
    assert choose_mode("auto", AUTO_GRAPH_ABOVE + 1) == "graph"
    assert choose_mode("graph", 1) == "graph"
    assert choose_mode("per-resource", 10**6) == "per-resource"
    with pytest.raises(ValueError, match="--observe 'sometimes': choose per-resource, graph or auto"):
        choose_mode("sometimes", 1)


def test_a_bad_observe_mode_is_a_usage_error_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dry-run", "--env", "dev", "--observe", "sometimes"]) == 1
    assert "--observe" in capsys.readouterr().err


def test_a_bad_resync_is_a_usage_error_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--once", "--resync", "never", "--health-port", "0"]) == 1
    assert "--resync 'never': not a duration" in capsys.readouterr().err


# -- detection under staleness, with the change feed ---------------------------------------
def _graph_session(state: Path, *, children: ChildPolicy = "activity-log") -> tuple[Session, GraphObserver]:
    session = open_session(
        "dev", emulator_state=str(state), observe="per-resource",
        faults=FaultConfig(throttle=False, graph_staleness_seconds=STALENESS_S),
    )
    observer = GraphObserver(session.engine, session.target.clients, staleness_s=STALENESS_S,
                             write_log=WriteLog(), children=children)
    session.engine.observer = observer
    return session, observer


def _drifted(session: Session) -> dict[str, str]:
    plan = session.engine.plan(session.engine.observe())
    return {c.id.lower(): c.action for c in plan.changes if c.action != "noop"}


def _seed_twenty(portal: Portal) -> list[str]:
    """20 out-of-band changes: properties, tags, deleted resources and deleted children."""
    state = build("dev")
    changed: list[str] = []
    by_type: dict[str, list[Any]] = {}
    for resource in state.resources:
        by_type.setdefault(resource.type, []).append(resource)
    tagged = [r for r in state.resources if isinstance(r.body.get("tags"), dict)
              and r.type not in ("Microsoft.Resources/resourceGroups", "Microsoft.ManagedIdentity/userAssignedIdentities",
                                 "Microsoft.Network/networkSecurityGroups")]
    for resource in tagged[:10]:  # tags
        portal.edit(resource.id, resource.type, lambda b: b.setdefault("tags", {}).update({"cost-center": "stolen"}))
        changed.append(resource.id)
    for nsg in by_type["Microsoft.Network/networkSecurityGroups"][:2]:  # properties
        rule = {"name": "allow-ssh", "properties": {
            "priority": 101, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
            "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22"}}
        portal.edit(nsg.id, nsg.type, lambda b, rule=rule: b["properties"]["securityRules"].append(rule))
        changed.append(nsg.id)
    queues = by_type["Microsoft.ServiceBus/namespaces/queues"]
    portal.edit(queues[0].id, queues[0].type, lambda b: b["properties"].update(maxDeliveryCount=77))  # a child's
    children = [*queues[1:3], by_type["Microsoft.Storage/storageAccounts/blobServices/containers"][0]]
    for child in children:  # deleted children
        portal.delete(child.id, child.type)
    changed += [queues[0].id, *(c.id for c in children)]
    identities = by_type["Microsoft.ManagedIdentity/userAssignedIdentities"]
    for identity in identities[:4]:  # deleted resources
        portal.delete(identity.id, identity.type)
        changed.append(identity.id)
    assert len(set(changed)) == 20, changed
    return changed


@pytest.mark.parametrize("children", ["activity-log", "every-cycle"])
def test_twenty_out_of_band_changes_are_detected_within_two_cycles_despite_the_lag(
    children: ChildPolicy, applied_dev: Path, tmp_path: Path
) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state, children=children)
    assert _drifted(session) == {}  # cycle 0: the relist
    portal = Portal(session.target.emulator)
    changed = _seed_twenty(portal)
    seen: set[str] = set(_drifted(session))  # cycle 1, at once: rows and feed still lag
    time.sleep(STALENESS_S + 0.5)  # the cycle interval, at least the lag
    second = _drifted(session)  # cycle 2
    seen |= set(second)
    assert {rid.lower() for rid in changed} <= seen
    assert {rid.lower() for rid in changed} <= set(second), "still drifted: reported again"
    assert observer.stats.relists == 1 and observer.stats.feed_cycles == 2
    assert observer.stats.activity_log_failures == 0


def test_without_the_activity_log_a_feed_cycle_relists_every_child(applied_dev: Path, tmp_path: Path) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state)
    assert _drifted(session) == {}
    emulator = session.target.emulator
    emulator.change_feed = ChangeFeedConfig(forbidden=frozenset({"activitylog"}))
    queue = _r("dev", "messaging.queue.etl")
    Portal(emulator).delete(queue.id, queue.type)
    assert _drifted(session) == {queue.id.lower(): "create"}  # the children were listed instead
    assert observer.stats.activity_log_failures == 1 and observer.stats.feed_cycles == 1


def test_a_child_policy_set_after_construction_reaches_every_read(applied_dev: Path, tmp_path: Path) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state)  # activity-log
    observer.children = "every-cycle"
    assert _drifted(session) == {}
    queue = _r("dev", "messaging.queue.etl")
    Portal(session.target.emulator).delete(queue.id, queue.type)
    assert _drifted(session) == {queue.id.lower(): "create"}
    assert observer.stats.feed_cycles == 1 and observer.stats.activity_log_queries == 0  # re-listed, not asked
    with pytest.raises(ValueError, match="children='sometimes'"):
        observer.children = "sometimes"  # type: ignore[assignment]


def test_our_own_writes_within_the_lag_never_read_as_drift(applied_dev: Path, tmp_path: Path) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state)
    portal = Portal(session.target.emulator)
    changed = _seed_twenty(portal)
    time.sleep(STALENESS_S + 0.5)
    engine = session.engine
    observation = engine.observe()
    plan = engine.plan(observation)
    assert {rid.lower() for rid in changed} <= {c.id.lower() for c in plan.changes if c.action != "noop"}
    result = engine.apply(plan, observation)
    assert result.ok, result.failed
    # Right after our writes Resource Graph still shows the drifted bodies and the deleted
    # resources missing: nothing of that may be planned again, in a feed cycle or a relist.
    assert _drifted(session) == {}
    observer.resync_s = 0.0
    assert _drifted(session) == {}
    assert observer.stats.relists == 2
    time.sleep(STALENESS_S + 0.5)
    assert _drifted(session) == {}


def test_a_deleted_resource_is_noticed_at_the_next_relist_without_the_feed(applied_dev: Path, tmp_path: Path) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state, children="relist")
    assert _drifted(session) == {}
    identity = _r("dev", "security.identity.functions")
    Portal(session.target.emulator).delete(identity.id, identity.type)
    time.sleep(STALENESS_S + 0.5)
    observer.resync_s = 0.0  # the resync is due
    assert _drifted(session)[identity.id.lower()] == "create"  # (its dependents' references with it)
    assert observer.stats.relists == 2


def test_when_resource_graph_is_refused_the_cycle_falls_back_and_never_fails(
    applied_dev: Path, tmp_path: Path
) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session, observer = _graph_session(state)
    assert _drifted(session) == {}
    vnet = _r("dev", "networking.vnet")
    emulator = session.target.emulator
    Portal(emulator).edit(vnet.id, vnet.type, lambda b: b["tags"].update(environment="qa"))
    emulator.change_feed = ChangeFeedConfig(forbidden=frozenset({"resourcegraph"}))  # 403 from now on
    assert _drifted(session) == {vnet.id.lower(): "update"}  # feed refused -> relist refused -> ARM reads
    assert (observer.stats.feed_failures, observer.stats.fallbacks) == (1, 1)
    emulator.change_feed = ChangeFeedConfig()
    time.sleep(STALENESS_S + 0.5)  # the tag change is visible to Resource Graph by now
    assert _drifted(session) == {vnet.id.lower(): "update"}  # Resource Graph back: a relist
    assert observer.stats.relists == 2


def test_queries_wait_for_the_per_user_quota_instead_of_being_refused(applied_dev: Path, tmp_path: Path) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    session = open_session(
        "dev", emulator_state=str(state), observe="per-resource",
        faults=FaultConfig(throttle=True, graph_quota=2, graph_quota_window_seconds=1.0),
    )
    graph = GraphQuery(session.target.clients, [session.target.subscription_id])
    group = _r("dev", "networking.vnet").resource_group
    query = (f"resources\n| where subscriptionId =~ {kql_string(session.target.subscription_id)}"
             f" and resourceGroup in~ {kql_list([group])}\n| project id, name, type\n| order by id asc")
    counts = [len(graph.rows(query)) for _ in range(5)]
    assert counts[0] > 0 and len(set(counts)) == 1
    assert graph.sent == 5 and graph.waited_s > 0
    statuses = [r.status for r in read_request_log(state) if r.path.lower().endswith("microsoft.resourcegraph/resources")]
    assert statuses == [200] * 5


def test_the_write_log_outlives_the_process_for_the_staleness_window_only(tmp_path: Path) -> None:
    now = [1000.0]
    path = tmp_path / "graph-writes-dev.json"
    log = WriteLog(path, keep_s=60.0, clock=lambda: now[0])
    log.wrote("/subscriptions/s/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/V")
    now[0] = 1030.0
    again = WriteLog(path, keep_s=60.0, clock=lambda: now[0])  # another process, 30 s later
    assert again.since(1000.0) == {"/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v"}
    assert again.since(1000.1) == set()
    now[0] = 1100.0
    assert WriteLog(path, keep_s=60.0, clock=lambda: now[0]).since(0.0) == set()  # older than kept
    path.write_text("{not json")
    assert WriteLog(path, keep_s=60.0, clock=lambda: now[0]).since(0.0) == set()  # damaged: starts empty


def test_the_controller_observes_through_resource_graph_and_remediates(applied_dev: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.controller.controller_process import controller_env

    state = copy_state(applied_dev, tmp_path / "dev.db")
    vnet = _r("dev", "networking.vnet")
    portal = Emulator(state, faults=FaultConfig(throttle=False))
    Portal(portal).edit(vnet.id, vnet.type, lambda b: b["tags"].update(environment="qa"))
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "run", "--env", "dev", "--once", "--emulator-state", str(state),
         "--health-port", "-1", "--lease", "none", "--observe", "graph", "--resync", "10m",
         "--log-format", "json", "--log-level", "INFO"],
        cwd=tmp_path, env=controller_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line).get("event") for line in done.stderr.splitlines() if line.startswith("{")]
    assert "ReconcilerGraphRelist" in events
    assert Portal(portal).get(vnet.id, vnet.type)["tags"]["environment"] == "dev"  # remediated
    portal.close()
