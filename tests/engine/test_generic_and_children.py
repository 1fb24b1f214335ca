"""A type with no adapter entry (route tables and routes) managed end to end
through the generic resources API, and children no longer desired pruned:
the engine with the real SDK clients against the embedded emulator.

- A removed route is deleted with `--prune` (ownership: its route table carries
  our tags, and routes are a type the desired state manages under it) and kept
  without it.
- A child of a type the desired state does not manage under an owned parent
  (a VNet peering made by hand under our VNet) is never listed, so never touched.
"""

from __future__ import annotations

from pathlib import Path

from adapters.clients import ClientFactory
from adapters.registry import AdapterRegistry, is_declared
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.settings import get_environment_settings
from desired_state.specs.network import RouteSpec, RouteTableSpec, SubnetSpec, VirtualNetworkSpec
from desired_state.state import DesiredState, assemble
from desired_state.tags import ownership_tags
from emulator import Emulator
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.transport import EmulatorTransport
from reconciler.engine.engine import Engine
from reconciler.engine.safety import SafetyPolicy
from reconciler.engine.session import owned_lister

SUB = "00000000-0000-0000-0000-000000000000"
TAGS = ownership_tags("dev")
PEERING_API = max(KNOWN_API_VERSIONS["microsoft.network/virtualnetworks/virtualnetworkpeerings"])


def estate(routes: tuple[str, ...]) -> DesiredState:
    group = ResourceGroupSpec(address="rg", name="rg-generic-dev", subscription_id=SUB, location="westeurope", tags=TAGS)
    common = {"resource_group": group, "location": "westeurope", "tags": TAGS}
    table = RouteTableSpec(address="net.routes", name="rt-app", **common)
    vnet = VirtualNetworkSpec(address="net.vnet", name="vnet-app", address_prefixes=["10.1.0.0/16"], **common)
    specs: list[ResourceSpec] = [group, table, vnet, SubnetSpec(address="net.subnet", name="app", parent=vnet,
                                                                address_prefix="10.1.0.0/24")]
    prefixes = {"internet": ("0.0.0.0/0", "Internet"), "onprem": ("192.168.0.0/16", "VnetLocal")}
    for key in routes:
        prefix, hop = prefixes[key]
        specs.append(RouteSpec(address=f"net.route.{key}", name=key, parent=table, address_prefix=prefix,
                               next_hop_type=hop))  # type: ignore[arg-type]
    return assemble(get_environment_settings("dev"), {"networking": specs})


def engine(state: DesiredState, registry: AdapterRegistry, *, prune: bool) -> Engine:
    return Engine(state, registry, target="emulator", safety=SafetyPolicy(prune=prune),
                  list_owned=owned_lister(registry, "dev"), list_children=registry.list_children)


def converge(eng: Engine) -> list[str]:
    observation = eng.observe()
    plan = eng.plan(observation)
    result = eng.apply(plan, observation)
    assert result.ok, result.failed
    return [f"{c.action} {c.address}" for c in plan.changes if c.is_change]


def test_route_tables_converge_and_removed_routes_are_pruned_only_with_prune(tmp_path: Path) -> None:
    assert not is_declared("Microsoft.Network/routeTables")
    assert not is_declared("Microsoft.Network/routeTables/routes")
    emulator = Emulator(tmp_path / "state.db")
    registry = AdapterRegistry(ClientFactory.for_transport(SUB, EmulatorTransport(emulator)))
    full = estate(("internet", "onprem"))
    assert sorted(converge(engine(full, registry, prune=False))) == sorted(
        f"create {r.address}" for r in full.resources
    )
    assert converge(engine(full, registry, prune=True)) == []  # converged: the next plan is empty

    # Someone peers our VNet by hand: a child of a type we do not manage.
    vnet_id = full.by_address("net.vnet").id
    peering = f"{vnet_id}/virtualNetworkPeerings/by-hand"
    answer = emulator.handle("PUT", f"https://management.azure.com{peering}?api-version={PEERING_API}",
                             {"Content-Type": "application/json"},
                             b'{"properties": {"remoteVirtualNetwork": {"id": "/subscriptions/x/resourceGroups/y/'
                             b'providers/Microsoft.Network/virtualNetworks/z"}}}')
    assert answer.status in (200, 201), answer.body[:200]

    fewer = estate(("internet",))
    onprem = full.by_address("net.route.onprem").id
    kept = engine(fewer, registry, prune=False)
    plan = kept.plan(kept.observe())
    stray = plan.change(f"pruned:{onprem}")
    assert stray.action == "delete" and stray.blocked is not None and "--prune" in stray.blocked
    assert not [c for c in plan.changes if c.runnable]
    kept.apply(plan, kept.observe())
    assert registry.for_type("Microsoft.Network/routeTables/routes").read(onprem) is not None

    assert converge(engine(fewer, registry, prune=True)) == [f"delete pruned:{onprem}"]
    assert registry.for_type("Microsoft.Network/routeTables/routes").read(onprem) is None
    assert registry.for_type("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", PEERING_API).read(peering)
    assert converge(engine(fewer, registry, prune=True)) == []
