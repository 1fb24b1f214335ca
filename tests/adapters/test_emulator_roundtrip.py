"""The adapters against the embedded ARM emulator, through its azure-core
transport: every resource of an environment is created, reads back in sync,
and is deleted again (children before parents)."""

from __future__ import annotations

from pathlib import Path

from adapters.clients import ClientFactory
from adapters.compare import compare
from adapters.registry import AdapterRegistry, rules_for
from desired_state import DesiredState, build
from desired_state.references import placeholders
from desired_state.resource import Resource
from emulator import Emulator
from emulator.faults import FaultConfig
from emulator.transport import EmulatorTransport

#: Emulator and client buckets scaled alike, so the test neither waits long nor sees 429s.
SCALE = 10.0


def registry(tmp_path: Path, faults: FaultConfig) -> AdapterRegistry:
    state = build("dev")
    emulator = Emulator(tmp_path / "state.db", faults=faults)
    return AdapterRegistry(ClientFactory.for_transport(
        state.resources[0].subscription_id, EmulatorTransport(emulator), rate_limit_scale=SCALE))


def named_now(state: DesiredState) -> list[Resource]:
    """The resources whose ids are known before anything exists: an id with a live
    name in it (a zone named after an environment's generated domain) is only known
    after apply, which the engine resolves (tests/engine/test_live_names.py)."""
    return [r for r in state.resources if not any(True for _ in placeholders(r.id))]


def test_every_resource_round_trips_through_the_emulator(tmp_path: Path) -> None:
    state = build("dev")
    reg = registry(tmp_path, FaultConfig(throttle_scale=SCALE))
    resources = named_now(state)
    assert len(resources) < len(state.resources)  # dev has such a zone since issue 28
    for resource in resources:  # dependency order
        adapter = reg.for_type(resource.type)
        adapter.write(resource, adapter.read(resource.id))
        live = adapter.read(resource.id)
        assert live is not None, resource.address
        result = compare(resource.body, live, rules_for(resource.type), secret_paths=resource.secrets,
                         tolerate_foreign_tags=resource.tolerate_foreign_tags)
        assert result.differences == [], resource.address
    for resource in reversed(resources):
        adapter = reg.for_type(resource.type)
        adapter.delete(resource.id)
        if not adapter.entry.deleted_with_parent:  # a site's config goes with the site
            assert adapter.read(resource.id) is None, resource.address
    for resource in resources:
        assert reg.for_type(resource.type).read(resource.id) is None, resource.address
    stats = reg.clients.stats()
    # POST: app settings are read with the `list` action
    assert set(stats["requests"]) == {"GET", "PUT", "DELETE", "POST"}
