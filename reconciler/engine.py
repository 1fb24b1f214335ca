"""The reconcile engine: observe, compare, plan, apply.

Level-based: every run acts on what it observes now. The dry run and the real
run take the same path; the dry run stops after `plan`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import SecretStr

from adapters.base import Adapter, LroTokenStore
from adapters.clients import OperationFailed
from adapters.compare import Comparison, compare, fingerprint
from adapters.generic import ConcurrentModification
from adapters.registry import rules_for
from desired_state.resource import Resource
from desired_state.state import DesiredState
from desired_state.tags import is_owned
from reconciler.attribution import Attributor, attach
from reconciler.bodies import has_unknown, leaves, resolve_refs
from reconciler.executor import run_dag
from reconciler.plan import SENSITIVE, Action, Change, DiffEntry, Plan
from reconciler.safety import SafetyPolicy

log = logging.getLogger("reconciler.engine")

#: Tag holding a keyed fingerprint of a resource's write-only secrets, so a
#: change of the desired secret is detected without storing or comparing it.
SECRET_FINGERPRINT_TAG = "reconciler-secret-fp"

Live = dict[str, Any] | None
_POOL_LOCK = threading.Lock()

#: Terminal provisioning states of a failed operation (ARM RPC, async operations).
FAILED_STATES = frozenset({"failed", "canceled"})


class AdapterSource(Protocol):
    """Anything that hands out the adapter of an ARM type."""

    def for_type(self, arm_type: str) -> Adapter: ...


@dataclass
class Observation:
    """Live bodies by address (None: does not exist) and read errors."""

    live: dict[str, Live] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Live resources carrying our ownership tags that are not desired:
    #: (id, type) pairs, candidates for pruning.
    strays: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    live: dict[str, Live] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def secret_fingerprint(resource: Resource, key: bytes) -> str:
    """One keyed fingerprint over all of a resource's secrets and their paths."""
    joined = "\0".join(f"{p}\0{resource.secrets[p].get_secret_value()}" for p in sorted(resource.secrets))
    return fingerprint(SecretStr(joined), key, resource.id)


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
        list_owned: Callable[[str], Iterable[tuple[str, str, Mapping[str, str] | None]]] | None = None,
        observe_workers: int = 64,
        apply_workers: int = 16,
        requeue_delay: float = 1.0,
        attributor: Attributor | None = None,
    ) -> None:
        self.state = state
        self.environment = state.environment
        self.adapters = adapters
        self.target = target
        self.safety = safety or SafetyPolicy()
        self.lro_tokens = lro_tokens
        self.fingerprint_key = fingerprint_key
        self.list_owned = list_owned
        self.observe_workers = observe_workers
        self.apply_workers = apply_workers
        self.requeue_delay = requeue_delay
        #: Looks up who changed drifted resources (None: plans carry no attribution).
        self.attributor = attributor
        self.resources: dict[str, Resource] = {
            r.address: self._with_fingerprint(r) for r in state.resources
        }

    # -- desired -----------------------------------------------------------------
    def _with_fingerprint(self, resource: Resource) -> Resource:
        tags = resource.body.get("tags")
        if not resource.secrets or not isinstance(tags, dict):
            return resource
        body = dict(resource.body)
        body["tags"] = {**tags, SECRET_FINGERPRINT_TAG: secret_fingerprint(resource, self.fingerprint_key)}
        return resource.model_copy(update={"body": body})

    def select(self, targets: Iterable[str]) -> list[str]:
        """The addresses in `targets` plus everything they depend on."""
        wanted: list[str] = []
        stack = list(targets)
        for address in stack:
            if address not in self.resources:
                known = ", ".join(sorted(self.resources)[:5])
                raise KeyError(f"--target-resource {address}: no such address (e.g. {known}; see `reconcile show`)")
        seen: set[str] = set()
        while stack:
            a = stack.pop()
            if a in seen:
                continue
            seen.add(a)
            wanted.append(a)
            stack.extend(self.resources[a].depends_on)
        return [a for a in self.resources if a in seen]

    # -- observe -------------------------------------------------------------------
    def observe(self, addresses: Iterable[str] | None = None, *, prune_scan: bool = True) -> Observation:
        """Read every selected resource in parallel (reads need no order).

        Several resources of one type under one parent are read with one list
        call when their adapter offers `list_siblings`; the prune scan runs
        alongside the reads, so a no-op run costs about one round trip.
        """
        selected = list(addresses) if addresses is not None else list(self.resources)
        obs = Observation()
        live: dict[str, Live] = {}
        errors: dict[str, str] = {}
        singles, batches = self._read_batches(selected)
        groups = self._prune_groups() if prune_scan and self.list_owned is not None else []
        pool = self._observe_pool()
        # one pool for the engine's life: new threads every run grow the process (soak)
        pending: set[Future[Any]] = {pool.submit(self._read_one, a) for a in singles}
        pending |= {pool.submit(self._read_siblings, b) for b in batches}
        desired_ids = {r.id.lower() for r in self.resources.values()}
        stray_futures = [pool.submit(self._strays_in, g, desired_ids) for g in groups]
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                found, unread = future.result()
                for address, body, error in found:
                    if error is None:
                        live[address] = body
                    else:
                        errors[address] = error
                # listed siblings the list did not show: read on their own
                pending |= {pool.submit(self._read_one, a) for a in unread}
        strays = [stray for future in stray_futures for stray in future.result()]
        obs.live = {a: live[a] for a in selected if a in live}
        obs.errors = {a: errors[a] for a in selected if a in errors}
        if prune_scan and self.list_owned is not None:
            obs.strays = strays
        return obs

    def _observe_pool(self) -> ThreadPoolExecutor:
        """The engine's read pool, made on first use and kept: threads are reused
        across runs (a controller observes every few minutes for weeks)."""
        with _POOL_LOCK:
            pool: ThreadPoolExecutor | None = getattr(self, "_reads_pool", None)
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=max(1, self.observe_workers), thread_name_prefix="observe")
                self._reads_pool = pool
            return pool

    def _read_batches(self, selected: list[str]) -> tuple[list[str], list[list[str]]]:
        """Addresses read one by one, and groups of same-type siblings read by one list."""
        by_parent: dict[tuple[str, str], list[str]] = {}
        for address in selected:
            resource = self.resources[address]
            parent = resource.id.rsplit("/", 2)[0].lower()
            by_parent.setdefault((resource.type.lower(), parent), []).append(address)
        singles: list[str] = []
        batches: list[list[str]] = []
        for members in by_parent.values():
            try:
                adapter: Any = self.adapters.for_type(self.resources[members[0]].type)
            except Exception:  # an unknown type is reported by its own read
                adapter = None
            if len(members) > 1 and callable(getattr(adapter, "list_siblings", None)):
                batches.append(members)
            else:
                singles.extend(members)
        return singles, batches

    def _read_one(self, address: str) -> tuple[list[tuple[str, Live, str | None]], list[str]]:
        resource = self.resources[address]
        try:
            return [(address, self.adapters.for_type(resource.type).read(resource.id), None)], []
        except Exception as exc:  # one unreadable resource must not hide the others
            return [(address, None, f"{type(exc).__name__}: {_one_line(exc)}")], []

    def _read_siblings(self, members: list[str]) -> tuple[list[tuple[str, Live, str | None]], list[str]]:
        """One list call for `members` (same type, same parent); those it does
        not show are returned for a GET each (a list may lag behind a create)."""
        first = self.resources[members[0]]
        try:
            listing = self.adapters.for_type(first.type).list_siblings(first.id)  # type: ignore[attr-defined]
        except Exception as exc:  # the list failing is no verdict: read each on its own
            log.info("list of %s siblings failed (%s); reading each", first.type, type(exc).__name__)
            listing = None
        if listing is None:
            return [], members
        found: list[tuple[str, Live, str | None]] = []
        unread: list[str] = []
        for address in members:
            body = listing.bodies.get(self.resources[address].id.lower())
            if body is not None or listing.complete:
                found.append((address, body, None))
            else:
                unread.append(address)
        return found, unread

    def _prune_groups(self) -> list[str]:
        groups = {
            r.resource_group for r in self.resources.values() if r.type == "Microsoft.Resources/resourceGroups"
        }
        return sorted(g for g in groups if g)

    def _strays_in(self, group: str, desired_ids: set[str]) -> list[tuple[str, str]]:
        """Owned resources of one group that are not desired."""
        assert self.list_owned is not None
        return [
            (rid, rtype)
            for rid, rtype, tags in self.list_owned(group)
            if rid.lower() not in desired_ids and is_owned(tags, self.environment)
        ]

    # -- plan ----------------------------------------------------------------------
    @staticmethod
    def _compare(resource: Resource, desired: Mapping[str, Any], live: Mapping[str, Any]) -> Comparison:
        """Desired against live with the type's rules and the resource's options."""
        return compare(
            desired,
            live,
            rules_for(resource.type),
            tolerate_foreign_tags=resource.tolerate_foreign_tags,
            secret_paths=tuple(sorted(resource.secrets)),
        )

    def owner_state(self, resource: Resource, live: Mapping[str, Live]) -> str | None:
        """Why the live resource may not be touched, or None when it is ours."""
        body = live.get(resource.address)
        if body is None or resource.address in self.safety.adopt:
            return None
        if isinstance(resource.body.get("tags"), dict):
            if not is_owned(body.get("tags"), self.environment):
                return (
                    "exists but is not owned by this controller (no ownership tags); "
                    f"adopt it explicitly with --adopt {resource.address}"
                )
            return None
        # Types without tags belong to whoever owns their nearest tagged ancestor.
        parent = self._tagged_ancestor(resource)
        return self.owner_state(parent, live) if parent is not None else None

    def _tagged_ancestor(self, resource: Resource) -> Resource | None:
        rid = resource.id.lower()
        best: Resource | None = None
        for other in self.resources.values():
            oid = other.id.lower()
            tagged = isinstance(other.body.get("tags"), dict)
            if tagged and rid.startswith(oid + "/") and (best is None or len(oid) > len(best.id)):
                best = other
        return best

    def plan_one(self, resource: Resource, live: Mapping[str, Live]) -> Change:
        current = live.get(resource.address)
        desired: dict[str, Any] = resolve_refs(resource.body, live, strict=False)
        secret_paths = tuple(sorted(resource.secrets))
        def change(action: Action, diff: tuple[DiffEntry, ...], **extra: Any) -> Change:
            return Change(
                address=resource.address, id=resource.id, type=resource.type, action=action,
                depends_on=resource.depends_on, layer=resource.layer, diff=diff, **extra,
            )

        if current is None:
            created = [DiffEntry(p, None, v) for p, v in leaves(desired)]
            created += [DiffEntry(p, None, SENSITIVE) for p in secret_paths]
            return change("create", tuple(created))
        if has_unknown(desired):
            # A reference is not known although the resource exists: compare
            # the rest; the unknown part is settled once its target exists.
            desired = _drop_unknown(desired)
        result = self._compare(resource, desired, current)
        diff = tuple(
            DiffEntry(d.path, _mask(d.path, d.live, secret_paths), _mask(d.path, d.desired, secret_paths))
            for d in result.differences
        )
        state = (current.get("properties") or {}).get("provisioningState")
        if isinstance(state, str) and state.lower() in FAILED_STATES:
            # A resource whose last operation failed is repaired by writing it
            # again (ARM PUTs are idempotent), even where its body matches.
            diff += (DiffEntry("properties.provisioningState", state, "Succeeded"),)
        action: Action = "noop"
        blocked = None
        if diff:
            replace = any(d.requires_replace for d in result.differences)
            action = "replace" if replace else "update"
            if replace:
                blocked = self.safety.destroy_block(self.environment, resource.type, replace=True)
            blocked = self.owner_state(resource, live) or blocked
        return change(action, diff, unverifiable=tuple(result.unverifiable), blocked=blocked)

    def plan(self, observation: Observation, addresses: Iterable[str] | None = None) -> Plan:
        selected = list(addresses) if addresses is not None else list(self.resources)
        changes = [
            self.plan_one(self.resources[a], observation.live)
            for a in selected
            if a not in observation.errors
        ]
        for rid, rtype in observation.strays:
            changes.append(
                Change(
                    address=f"pruned:{rid}",
                    id=rid,
                    type=rtype,
                    action="delete",
                    blocked=self.safety.destroy_block(self.environment, rtype, replace=False),
                )
            )
        if self.attributor is not None:
            secrets = {a: tuple(r.secrets) for a, r in self.resources.items()}
            changes = list(attach(changes, self.attributor.attribute(changes, secrets)))
        return Plan(self.environment, self.target, tuple(changes), dict(observation.errors))

    # -- apply ---------------------------------------------------------------------
    def apply(
        self,
        plan: Plan,
        observation: Observation,
        *,
        stop: threading.Event | None = None,
        on_progress: Callable[[str, str, BaseException | None], None] | None = None,
    ) -> ApplyResult:
        """Carry out the runnable changes of `plan` in dependency order."""
        live: dict[str, Live] = dict(observation.live)
        lock = threading.Lock()
        result = ApplyResult()
        by_address = {c.address: c for c in plan.changes}
        desired_changes = [c for c in plan.changes if c.address in self.resources]

        def work(address: str) -> None:
            change = by_address[address]
            if not change.runnable:
                return
            resource = self.resources[address]
            adapter = self.adapters.for_type(resource.type)
            with lock:
                snapshot = dict(live)
            current = snapshot.get(address)
            if change.action == "replace" and current is not None:
                adapter.delete(resource.id, lro_tokens=self.lro_tokens)
                current = None
            body = resolve_refs(resource.body, snapshot, strict=True)
            written = self._write(adapter, resource.model_copy(update={"body": body}), current)
            with lock:
                live[address] = written
                result.applied.append(address)

        def done(address: str, error: BaseException | None) -> None:
            change = by_address.get(address)
            if on_progress and change is not None and change.runnable:
                on_progress(address, change.action, error)

        outcome = run_dag(
            [c.address for c in desired_changes],
            {c.address: c.depends_on for c in desired_changes},
            work,
            max_workers=self.apply_workers,
            stop=stop,
            on_done=done,
        )
        for address, err in outcome.failed.items():
            result.failed[address] = f"{type(err).__name__}: {_one_line(err)}"
        for address, cause in outcome.skipped.items():
            if by_address[address].runnable:
                result.skipped[address] = cause
        # Prunes last, children before parents (longest ids first).
        deletes = sorted(
            (c for c in plan.changes if c.action == "delete" and c.runnable),
            key=lambda c: -c.id.count("/"),
        )
        for change in deletes:
            if stop is not None and stop.is_set():
                result.skipped[change.address] = "stop requested"
                continue
            try:
                self.adapters.for_type(change.type).delete(change.id, lro_tokens=self.lro_tokens)
                result.applied.append(change.address)
                if on_progress:
                    on_progress(change.address, "delete", None)
            except Exception as exc:
                result.failed[change.address] = f"{type(exc).__name__}: {_one_line(exc)}"
                if on_progress:
                    on_progress(change.address, "delete", exc)
        result.live = live
        return result

    def _write(self, adapter: Adapter, resource: Resource, current: Live) -> dict[str, Any]:
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
                if conflicts == 3:
                    raise
                log.info("etag changed under us; re-reading", extra={"address": resource.address, "phase": "apply"})
                time.sleep(0.05 * conflicts)
            except OperationFailed as failed:
                if requeued:
                    raise
                requeued = True
                log.warning(
                    "operation ended Failed; writing it again once",
                    extra={"address": resource.address, "phase": "apply", "error": str(failed)[:300]},
                )
                time.sleep(self.requeue_delay)
            current = adapter.read(resource.id)
            # The other writer may already have made it what we want.
            recheck = conflicts and not resource.secrets
            if current is not None and recheck and self._compare(resource, resource.body, current).in_sync:
                return current


def _mask(path: str, value: Any, secret_paths: tuple[str, ...]) -> Any:
    return SENSITIVE if value is not None and path in secret_paths else value


def _drop_unknown(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _drop_unknown(v) for k, v in body.items() if not has_unknown(v) or isinstance(v, dict)}
    return body


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
