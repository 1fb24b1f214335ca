"""Applying a plan: its runnable changes in dependency order (`reconciler.engine.executor`),
each write idempotent (read-merge-write with If-Match), then the prune deletes, children first.

Every DELETE, a prune's or a replace's, is sent only after `Ownership.check_delete` has read the
resource afresh by id and found it ours, in the environment's scope: whatever planned it (a saved
plan, a Resource Graph row), nothing else may condemn a resource.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.base import Adapter, LroTokenStore
from adapters.clients import OperationFailed
from adapters.errors import Failure, Reason, classify, one_line
from adapters.generic import ConcurrentModification
from desired_state.controller_telemetry import NOT_CONVERGENT_EVENT
from desired_state.resource import Resource
from reconciler.engine.convergence import FileConvergenceStore, NotKept
from reconciler.engine.desired import DesiredResources
from reconciler.engine.executor import run_dag
from reconciler.engine.observation import AdapterSource, Live, Observation
from reconciler.engine.ownership import Ownership
from reconciler.engine.plan import Change, Plan
from reconciler.engine.planner import compare_resource
from reconciler.engine.resolve import resolve_refs

log = logging.getLogger("reconciler.engine")

#: Asked before each write of a saved plan: the live body to write over (raises to refuse it).
Check = Callable[[Change, Mapping[str, Live]], Live]


#: The executor's cause of a skip that is not a failed dependency's address.
STOP_CAUSE = "stop requested"


@dataclass(frozen=True)
class Skip:
    """A change not attempted: because a dependency failed (`cause` is its address) or a stop was
    requested."""

    reason: Reason
    cause: str

    def __str__(self) -> str:
        return self.cause

    @classmethod
    def of(cls, cause: str) -> Skip:
        return cls(Reason.STOP_REQUESTED if cause == STOP_CAUSE else Reason.DEPENDENCY_FAILED, cause)

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason.value, "cause": self.cause}


@dataclass
class ApplyResult:
    """What an apply did: addresses applied; failed (why, from `adapters.errors.classify`); skipped."""

    applied: list[str] = field(default_factory=list)
    failed: dict[str, Failure] = field(default_factory=dict)
    skipped: dict[str, Skip] = field(default_factory=dict)
    live: dict[str, Live] = field(default_factory=dict)
    #: Fields found not kept by ARM in this apply (address -> fields), reported once.
    not_convergent: dict[str, list[NotKept]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": list(self.applied),
            "failed": {address: failure.to_json() for address, failure in self.failed.items()},
            "skipped": {address: skip.to_json() for address, skip in self.skipped.items()},
            "not_convergent": {address: [n.to_json() for n in fields] for address, fields in self.not_convergent.items()},
        }


class Applier:
    """Carries out plans against the target, telling `wrote` of every write and delete."""

    def __init__(
        self,
        desired: DesiredResources,
        adapters: AdapterSource,
        ownership: Ownership,
        *,
        lro_tokens: LroTokenStore | None = None,
        convergence: FileConvergenceStore | None = None,
        workers: int = 16,
        requeue_delay: float = 1.0,
        wrote: Callable[[str], None] = lambda _id: None,
    ) -> None:
        self.desired = desired
        self.adapters = adapters
        self.ownership = ownership
        self.lro_tokens = lro_tokens
        self.convergence = convergence
        self.workers = workers
        self.requeue_delay = requeue_delay
        self.wrote = wrote

    def preflight(self) -> None:
        """Before the first write: every file a write records to must be writable
        (the LRO token store, the not-convergent store), or no write is sent at all (no half-applies)."""
        for store in (self.lro_tokens, self.convergence):
            check = getattr(store, "preflight", None)
            if callable(check):
                check()

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
        """Carry out the runnable changes of `plan` in dependency order.

        With `check` (a saved plan, `reconciler.cli.plan_guard.LiveGuard`), each write
        and delete first asks it for the live body to write over; it raises to
        refuse the write (its dependents are skipped), and a 412 is not retried:
        a saved plan is applied as reviewed, never re-planned. `on_start(address,
        action)` and `on_progress(address, action, error)` bracket each write."""
        self.preflight()
        live: dict[str, Live] = dict(observation.live)
        lock = threading.Lock()
        result = ApplyResult()
        by_address = {c.address: c for c in plan.changes}
        resources = self.desired.resources
        desired_changes = [c for c in plan.changes if c.address in resources]

        def work(address: str) -> None:
            change = by_address[address]
            if not change.runnable:
                return
            if on_start:
                on_start(address, change.action)
            with lock:
                snapshot = dict(live)
            written, not_kept = self._write_change(change, snapshot, check)
            with lock:
                live[address] = written
                result.applied.append(address)
                if not_kept:
                    result.not_convergent[address] = not_kept

        def done(address: str, error: BaseException | None) -> None:
            change = by_address.get(address)
            if on_progress and change is not None and change.runnable:
                on_progress(address, change.action, error)

        outcome = run_dag(
            [c.address for c in desired_changes],
            {c.address: c.depends_on for c in desired_changes},
            work,
            max_workers=self.workers,
            stop=stop,
            on_done=done,
        )
        for address, err in outcome.failed.items():
            result.failed[address] = classify(err)
        for address, cause in outcome.skipped.items():
            if by_address[address].runnable:
                result.skipped[address] = Skip.of(cause)
        self._prune(plan, live, result, stop=stop, check=check, on_start=on_start, on_progress=on_progress)
        result.live = live
        return result

    def _write_change(
        self, change: Change, snapshot: Mapping[str, Live], check: Check | None
    ) -> tuple[dict[str, Any], list[NotKept]]:
        """Create, update or replace one desired resource; its live body after, and the fields
        ARM did not keep."""
        address = change.address
        resource = self.desired.resources[address]
        adapter = self.adapters.for_type(resource.type, resource.api_version)
        self.wrote(resource.id)
        if address in self.desired.named_later:  # its name's source was written before it (dependency order)
            named = self.desired.name_for_write(address, snapshot)
            resource = self.desired.resources[address] = resource.model_copy(update={"id": named})
            change = replace(change, id=named)  # a saved plan's guard reads it by its real id
        current = snapshot.get(address) if check is None else check(change, snapshot)
        if change.action == "replace" and current is not None:
            adopted = address in self.ownership.adopt
            if self.ownership.check_delete(resource.id, resource.type, adopted=adopted):
                adapter.delete(resource.id, lro_tokens=self.lro_tokens)
            current = None
        body = resolve_refs(resource.body, snapshot, strict=True)
        written = self._write(adapter, resource.model_copy(update={"body": body}), current, replan=check is None)
        written, not_kept = self._read_back(adapter, resource, body, written)
        self.wrote(resource.id)
        return written, not_kept

    def _prune(
        self,
        plan: Plan,
        live: Mapping[str, Live],
        result: ApplyResult,
        *,
        stop: threading.Event | None,
        check: Check | None,
        on_start: Callable[[str, str], None] | None,
        on_progress: Callable[[str, str, BaseException | None], None] | None,
    ) -> None:
        """Prunes last, children before parents (longest ids first)."""
        deletes = sorted(
            (c for c in plan.changes if c.action == "delete" and c.runnable),
            key=lambda c: -c.id.count("/"),
        )
        for change in deletes:
            if stop is not None and stop.is_set():
                result.skipped[change.address] = Skip(Reason.STOP_REQUESTED, STOP_CAUSE)
                continue
            try:
                if on_start:
                    on_start(change.address, "delete")
                if check is not None:
                    check(change, live)
                if self.ownership.check_delete(change.id, change.type):  # else already gone: done
                    self.wrote(change.id)
                    self.adapters.for_type(change.type).delete(change.id, lro_tokens=self.lro_tokens)
                    self.wrote(change.id)
                result.applied.append(change.address)
                if on_progress:
                    on_progress(change.address, "delete", None)
            except Exception as exc:
                result.failed[change.address] = classify(exc)
                if on_progress:
                    on_progress(change.address, "delete", exc)

    def _read_back(
        self, adapter: Adapter, resource: Resource, body: dict[str, Any], written: dict[str, Any]
    ) -> tuple[dict[str, Any], list[NotKept]]:
        """Fields of the body just written that ARM answers with another value
        (confirmed by a fresh read: a write's own answer may lag); recorded, and
        those not known before are returned and logged, once."""
        if self.convergence is None:
            return written, []
        differences = compare_resource(resource, body, written).differences
        if differences:
            written = adapter.read(resource.id) or written
            differences = compare_resource(resource, body, written).differences
        not_kept = [NotKept(d.path, d.desired, d.live) for d in differences if not d.requires_replace]
        new = self.convergence.written(resource.id, not_kept)
        for field_ in new:
            log.warning(
                "not convergent: %s %s",
                resource.address,
                field_.message,
                extra={
                    "event": NOT_CONVERGENT_EVENT, "address": resource.address, "type": resource.type,
                    "id": resource.id, "path": field_.path, "phase": "apply",
                },
            )
        return written, new

    def _write(self, adapter: Adapter, resource: Resource, current: Live, *, replan: bool = True) -> dict[str, Any]:
        """Write, re-planning rather than overwriting when someone else wrote
        in between (412 on If-Match), and requeueing once, after a pause, an
        operation that ARM accepted but whose provisioning ended Failed (as
        Azure Service Operator requeues): a second failure fails the resource
        and skips its dependents."""
        conflicts = 0
        requeued = False
        while True:
            try:
                return adapter.write(resource, current, lro_tokens=self.lro_tokens)
            except ConcurrentModification:
                conflicts += 1
                if conflicts == 3 or not replan:
                    raise
                log.info("etag changed under us; re-reading", extra={"address": resource.address, "phase": "apply"})
                time.sleep(0.05 * conflicts)
            except OperationFailed as failed:
                if requeued:
                    raise
                requeued = True
                log.warning(
                    "operation ended Failed; writing it again once",
                    extra={"address": resource.address, "phase": "apply", "error": one_line(failed)},
                )
                time.sleep(self.requeue_delay)
            current = adapter.read(resource.id)
            # The other writer may already have made it what we want.
            recheck = conflicts and not resource.secrets
            if current is not None and recheck and compare_resource(resource, resource.body, current).in_sync:
                return current
