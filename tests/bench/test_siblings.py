"""Sibling listing (one list call for same-type siblings), which the no-op
figures of the benchmark rest on: every page, the same bodies as GET."""

from __future__ import annotations

from pathlib import Path

from adapters.clients import ClientFactory
from adapters.registry import AdapterRegistry
from bench.estates import dense, put_in_place
from emulator import Emulator, FaultConfig
from emulator.transport import EmulatorTransport
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION


def _registry(emulator: Emulator) -> tuple[AdapterRegistry, ClientFactory]:
    clients = ClientFactory.for_transport(EMULATOR_SUBSCRIPTION, EmulatorTransport(emulator), rate_limit_scale=1e6)
    return AdapterRegistry(clients), clients


def test_siblings_over_several_pages_equal_their_gets(tmp_path: Path) -> None:
    state = dense(30)  # 9 queues, 9 containers, 9 NSGs
    emulator = Emulator(tmp_path / "e.db", faults=FaultConfig(throttle=False), page_size=2)
    put_in_place(emulator, state)
    registry, clients = _registry(emulator)
    for arm_type in ("Microsoft.ServiceBus/namespaces/queues", "Microsoft.Network/networkSecurityGroups"):
        members = [r for r in state.resources if r.type == arm_type]
        adapter = registry.for_type(arm_type)
        listing = adapter.list_siblings(members[0].id)
        assert listing is not None and not listing.complete
        assert set(listing.bodies) == {r.id.lower() for r in members}
        for resource in members:
            assert listing.bodies[resource.id.lower()] == adapter.read(resource.id)
    # 5 pages each (page size 2), one request per page
    assert clients.stats()["requests"]["GET"]["200"] == 5 + 9 + 5 + 9
    emulator.close()


def test_a_missing_parent_means_no_siblings_and_unlisted_types_say_so(tmp_path: Path) -> None:
    state = dense(9)
    emulator = Emulator(tmp_path / "e.db", faults=FaultConfig(throttle=False))
    registry, _ = _registry(emulator)
    queue = next(r for r in state.resources if r.type == "Microsoft.ServiceBus/namespaces/queues")
    listing = registry.for_type(queue.type).list_siblings(queue.id)
    assert listing is not None and listing.complete and not listing.bodies
    group = state.resources[0]
    assert registry.for_type(group.type).list_siblings(group.id) is None
    emulator.close()
