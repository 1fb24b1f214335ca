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

from collections.abc import Iterable
from typing import Literal

from adapters.base import LroTokenStore
from desired_state.resource import Resource
from desired_state.state import DesiredState
from reconciler.engine.applier import Applier, ApplyResult
from reconciler.engine.attribution import Attributor
from reconciler.engine.convergence import FileConvergenceStore
from reconciler.engine.desired import DesiredResources, secret_fingerprint
from reconciler.engine.observation import AdapterSource, Live, Observation, Observer
from reconciler.engine.ownership import ListChildren, ListOwned, Ownership
from reconciler.engine.planner import Planner
from reconciler.engine.resource_observe import READ_WORKERS, ResourceObserver
from reconciler.engine.safety import SafetyPolicy

__all__ = ["AdapterSource", "ApplyResult", "Engine", "Live", "Observation", "Observer", "secret_fingerprint"]


class Engine:
    """Reconciles one environment's desired state against one target.

    `observe` reads through the `observer` (a whole run) or the per-resource reads; `select`,
    `plan_one`, `plan`, `preflight` and `apply` are those of `desired`, `planner` and `applier`."""

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
            self.desired, adapters, self.ownership, lro_tokens=lro_tokens, convergence=convergence, workers=apply_workers,
            requeue_delay=requeue_delay, wrote=lambda resource_id: self.observer.wrote(resource_id),
        )
        # The rest of the facade is its parts' own methods.
        self.select = self.desired.select
        self.plan_one = self.planner.plan_one
        self.plan = self.planner.plan
        self.preflight = self._preflight
        self.apply = self.applier.apply

    def _preflight(self) -> None:
        """Before the first write: every file it records to is writable (graph mode's write log too)."""
        self.applier.preflight()
        check = getattr(getattr(self.observer, "write_log", None), "preflight", None)
        if callable(check):
            check()

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

    def observe(self, addresses: Iterable[str] | None = None, *, prune_scan: bool = True) -> Observation:
        """A whole run (no `addresses`) through the `observer`; selected addresses read from ARM."""
        if addresses is None:
            return self.observer.observe(prune_scan=prune_scan)
        return self.reads.observe(addresses, prune_scan=prune_scan)
