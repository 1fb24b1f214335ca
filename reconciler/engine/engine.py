"""The reconcile engine: observe, plan, apply, as one small facade over its parts.

Level-based: every run acts on what it observes now. The dry run and the real
run take the same path; the dry run stops after `plan`.

    DesiredResources  reconciler/engine/desired.py           the desired resources, ids settled per run
    Ownership         reconciler/engine/ownership.py         who owns a live resource; prune scans
    ResourceObserver  reconciler/engine/resource_observe.py  ARM reads per resource (`--observe per-resource`)
    GraphObserver     reconciler/engine/graph_observe.py     Resource Graph and its change feed (`graph`)
    Planner           reconciler/engine/planner.py           desired against live: the plan
    Applier           reconciler/engine/applier.py           the plan in dependency order
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from adapters.base import LroTokenStore
from desired_state.resource import Resource
from desired_state.state import DesiredState
from reconciler.engine.applier import Applier, ApplyResult, Check
from reconciler.engine.attribution import Attributor
from reconciler.engine.convergence import FileConvergenceStore
from reconciler.engine.desired import DesiredResources, secret_fingerprint
from reconciler.engine.observation import AdapterSource, Live, Observation, Observer
from reconciler.engine.ownership import ListChildren, ListOwned, Ownership
from reconciler.engine.plan import Change, Plan
from reconciler.engine.planner import Planner
from reconciler.engine.resource_observe import READ_WORKERS, ResourceObserver
from reconciler.engine.safety import SafetyPolicy

__all__ = ["AdapterSource", "ApplyResult", "Engine", "Live", "Observation", "Observer", "secret_fingerprint"]


class Engine:
    """Reconciles one environment's desired state against one target."""

    def __init__(
        self,
        state: DesiredState,
        adapters: AdapterSource,
        *,
        target: Literal["emulator", "azure"],
        safety: SafetyPolicy | None = None,
        lro_tokens: LroTokenStore | None = None,
        fingerprint_key: bytes = b"azure-reconciler",
        list_owned: ListOwned | None = None,
        list_children: ListChildren | None = None,
        observe_workers: int = READ_WORKERS,
        apply_workers: int = 16,
        requeue_delay: float = 1.0,
        convergence: FileConvergenceStore | None = None,
        attributor: Attributor | None = None,
    ) -> None:
        self.state = state
        self.environment = state.environment
        self.adapters = adapters
        self.target = target
        self.safety = safety or SafetyPolicy()
        self.fingerprint_key = fingerprint_key
        self.desired = DesiredResources(state, fingerprint_key)
        self.ownership = Ownership(
            self.desired, adapters, adopt=self.safety.adopt, list_owned=list_owned, list_children=list_children
        )
        self.reads = ResourceObserver(self.desired, adapters, self.ownership, workers=observe_workers)
        #: Observes whole runs: per resource by default; `reconciler.engine.session` puts a
        #: `GraphObserver` here for `--observe graph`.
        self.observer: Observer = self.reads
        self.planner = Planner(
            self.desired, self.ownership, target=target, safety=self.safety, convergence=convergence,
            attributor=attributor,
        )
        self.applier = Applier(
            self.desired, adapters, lro_tokens=lro_tokens, convergence=convergence, workers=apply_workers,
            requeue_delay=requeue_delay, wrote=lambda resource_id: self.observer.wrote(resource_id),
        )

    @property
    def resources(self) -> dict[str, Resource]:
        """Desired resources by address, with the ids settled at the last observe."""
        return self.desired.resources

    @property
    def named_later(self) -> dict[str, Resource]:
        return self.desired.named_later

    @property
    def lro_tokens(self) -> LroTokenStore | None:
        """Where writes keep their continuation tokens (the controller swaps in its document store)."""
        return self.applier.lro_tokens

    @lro_tokens.setter
    def lro_tokens(self, store: LroTokenStore | None) -> None:
        self.applier.lro_tokens = store

    def select(self, targets: Iterable[str]) -> list[str]:
        """The addresses in `targets` plus everything they depend on."""
        return self.desired.select(targets)

    def observe(self, addresses: Iterable[str] | None = None, *, prune_scan: bool = True) -> Observation:
        """A whole run (no `addresses`) through the `observer`; selected addresses read from ARM."""
        if addresses is None:
            return self.observer.observe(prune_scan=prune_scan)
        return self.reads.observe(addresses, prune_scan=prune_scan)

    def plan_one(self, resource: Resource, live: Mapping[str, Live]) -> Change:
        return self.planner.plan_one(resource, live)

    def plan(self, observation: Observation, addresses: Iterable[str] | None = None) -> Plan:
        return self.planner.plan(observation, addresses)

    def preflight(self) -> None:
        self.applier.preflight()

    def apply(
        self,
        plan: Plan,
        observation: Observation,
        *,
        stop: threading.Event | None = None,
        on_progress: Callable[[str, str, BaseException | None], None] | None = None,
        check: Check | None = None,
        on_start: Callable[[str, str], None] | None = None,
    ) -> ApplyResult:
        """Carry out the runnable changes of `plan` (`Applier.apply`)."""
        return self.applier.apply(
            plan, observation, stop=stop, on_progress=on_progress, check=check, on_start=on_start
        )
