"""One benchmark target: an embedded emulator with injected faults and the
real `Engine` over it, wired as `reconciler.engine.session.open_session` does, but
for any `DesiredState` (synthetic estates) and with a client-side limiter
scaled like the emulator's throttling."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from adapters.clients import SERVICES, ClientFactory
from adapters.registry import AdapterRegistry
from desired_state.state import DesiredState
from emulator import Emulator, FaultConfig
from emulator.transport import EmulatorTransport
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION
from reconciler.engine.engine import Engine
from reconciler.engine.lro_tokens import FileLroTokenStore
from reconciler.engine.resource_observe import READ_WORKERS
from reconciler.engine.session import owned_lister

#: A client-side limiter scale that never waits: items that are not about
#: throttling must not be paced by ARM's 25 reads/s refill.
UNLIMITED = 1e6


def import_sdks() -> None:
    """Import every SDK module up front: the figures exclude import time."""
    for target in SERVICES.values():
        importlib.import_module(target.partition(":")[0])


@dataclass
class BenchTarget:
    """The emulator, its client factory and the engine of one measurement."""

    emulator: Emulator
    clients: ClientFactory
    engine: Engine

    def requests(self) -> dict[str, dict[str, int]]:
        """Requests sent so far, by method and status (the client's counter)."""
        counts: dict[str, dict[str, int]] = self.clients.stats()["requests"]
        return counts

    def total_requests(self) -> int:
        return sum(n for statuses in self.requests().values() for n in statuses.values())

    def count(self, status: str) -> int:
        return sum(statuses.get(status, 0) for statuses in self.requests().values())

    def close(self) -> None:
        self.emulator.close()


def open_target(
    state: DesiredState,
    state_path: Path,
    faults: FaultConfig,
    *,
    rate_limit_scale: float = 1.0,
    observe_workers: int = READ_WORKERS,
    apply_workers: int = 16,
) -> BenchTarget:
    """A fresh engine (fresh clients, fresh rate limiter) over the emulator state at `state_path`."""
    emulator = Emulator(state_path, faults=faults)
    clients = ClientFactory.for_transport(
        EMULATOR_SUBSCRIPTION, EmulatorTransport(emulator), rate_limit_scale=rate_limit_scale
    )
    registry = AdapterRegistry(clients)
    engine = Engine(
        state,
        registry,
        target="emulator",
        lro_tokens=FileLroTokenStore(state_path.parent / f"lro-tokens-{state.environment}.json"),
        fingerprint_key=EMULATOR_SUBSCRIPTION.encode(),
        list_owned=owned_lister(registry, state.environment),
        list_children=registry.list_children,  # the child prune scan, as a CLI run has it
        observe_workers=observe_workers,
        apply_workers=apply_workers,
    )
    return BenchTarget(emulator, clients, engine)
