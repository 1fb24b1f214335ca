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
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from pydantic import SecretStr

from adapters.arm_id import UnsafeName
from adapters.base import Adapter, LroTokenStore
from adapters.clients import OperationFailed
from adapters.compare import Comparison, compare, fingerprint, render
from adapters.generic import ConcurrentModification
from adapters.registry import rules_for
from desired_state.resource import Resource
from desired_state.state import DesiredState
from desired_state.tags import is_owned
from reconciler.engine.attribution import Attributor, attach
from reconciler.engine.convergence import FileConvergenceStore, NotKept
from reconciler.engine.executor import run_dag
from reconciler.engine.live_names import is_known, is_templated, resolve_id, sources
from reconciler.engine.live_shape import unreadable
from reconciler.engine.plan import SENSITIVE, Action, Change, DiffEntry, Plan
from reconciler.engine.resolve import Unresolved, has_unknown, leaves, resolve_refs
from reconciler.engine.safety import SafetyPolicy

log = logging.getLogger("reconciler.engine")

#: Tag holding a keyed fingerprint of a resource's write-only secrets, so a
#: change of the desired secret is detected without storing or comparing it.
SECRET_FINGERPRINT_TAG = "reconciler-secret-fp"

Live = dict[str, Any] | None
_POOL_LOCK = threading.Lock()

#: Children the service creates with their parent and never lets go (the API
#: Management built-in all-access subscription): never pruned.
BUILT_IN_CHILDREN = frozenset({("microsoft.apimanagement/service/subscriptions", "master")})

#: Terminal provisioning states of a failed operation (ARM RPC, async operations).
FAILED_STATES = frozenset({"failed", "canceled"})


class AdapterSource(Protocol):
    """Anything that hands out the adapter of an ARM type."""

    def for_type(self, arm_type: str, api_version: str | None = None) -> Adapter: ...


@dataclass
class Observation:
    """Live bodies by address (None: does not exist) and read errors."""

    live: dict[str, Live] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Live resources carrying our ownership tags that are not desired:
    #: (id, type) pairs, candidates for pruning.
    strays: list[tuple[str, str]] = field(default_factory=list)


class Observer(Protocol):
    """Another way to observe every desired resource (`reconciler.engine.graph_observe`), told of our writes."""

    def observe(self, *, prune_scan: bool = True) -> Observation: ...

    def wrote(self, resource_id: str) -> None: ...


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    live: dict[str, Live] = field(default_factory=dict)
    #: Fields found not kept by ARM in this apply (address -> fields), reported once.
    not_convergent: dict[str, list[NotKept]] = field(default_factory=dict)

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
        convergence: FileConvergenceStore | None = None,
        list_children: Callable[[str, str, str, str | None], Iterable[str]] | None = None,
        attributor: Attributor | None = None,
        observer: Observer | None = None,
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
        self.convergence = convergence
        self.list_children = list_children
        #: Looks up who changed drifted resources (None: plans carry no attribution).
        self.attributor = attributor
        #: Observes whole runs instead of per-resource reads (None: per-resource, `--observe`).
        self.observer = observer
        self.resources: dict[str, Resource] = {
            r.address: self._with_fingerprint(r) for r in state.resources
        }
        #: Resources named after a live value of another (reconciler/engine/live_names.py),
        #: as declared; `resources` holds them with the id resolved at the last observe.
        self.named_later: dict[str, Resource] = {a: r for a, r in self.resources.items() if is_templated(r)}

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

    def _adapter(self, resource: Resource) -> Adapter:
        return self.adapters.for_type(resource.type, resource.api_version)

    # -- observe -------------------------------------------------------------------
    def observe(self, addresses: Iterable[str] | None = None, *, prune_scan: bool = True) -> Observation:
        """Read every selected resource in parallel (reads need no order).

        Several resources of one type under one parent are read with one list
        call when their adapter offers `list_siblings`; the prune scan runs
        alongside the reads, so a no-op run costs about one round trip.
        With an `observer`, a whole run (no `addresses`) is observed by it instead.
        """
        if self.observer is not None and addresses is None:
            return self.observer.observe(prune_scan=prune_scan)
        selected = list(addresses) if addresses is not None else list(self.resources)
        obs = Observation()
        live, errors = self._settle_names(selected)
        singles, batches = self._read_batches([a for a in selected if a not in live and a not in errors])
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
                    # The one gate for live bodies: a shape ARM does not document
                    # makes this resource unreadable, not the whole plan.
                    why = unreadable(body) if error is None else None
                    if why is not None:
                        error = f"UnreadableLiveBody: {why}; nothing is planned or written for it"
                    if error is None:
                        live[address] = body
                    else:
                        errors[address] = error
                # listed siblings the list did not show: read on their own
                pending |= {pool.submit(self._read_one, a) for a in unread}
        strays: list[tuple[str, str]] = []
        scan_errors: dict[str, str] = {}
        for group, future in zip(groups, stray_futures, strict=True):
            try:
                strays.extend(future.result())
            except Exception as exc:  # an unreadable listing is that group's error, not the plan's end
                scan_errors[f"prune-scan:{group}"] = f"{type(exc).__name__}: {_one_line(exc)}"
        if prune_scan and self.list_children is not None:
            known = {rid.lower() for rid, _type in strays}
            child_groups = self._child_groups(selected, live)
            child_futures = [pool.submit(self._child_strays, g, desired_ids) for g in child_groups]
            for child_group, future in zip(child_groups, child_futures, strict=True):
                try:
                    found = future.result()
                except Exception as exc:  # as above: that parent's error, not the plan's end
                    scan_errors[f"prune-scan:{child_group[0]}/{child_group[2]}"] = f"{type(exc).__name__}: {_one_line(exc)}"
                    continue
                for rid, rtype in found:
                    if rid.lower() not in known:
                        known.add(rid.lower())
                        strays.append((rid, rtype))
        obs.live = {a: live[a] for a in selected if a in live}
        obs.errors = {a: errors[a] for a in selected if a in errors} | scan_errors
        if prune_scan and self.list_owned is not None:
            obs.strays = strays
        return obs

    def _settle_names(self, selected: list[str]) -> tuple[dict[str, Live], dict[str, str]]:
        """Give each selected resource named after a live value its id for this run.

        The sources of those names are read first (they are returned with the
        bodies read); a name whose source is not live yet shows KNOWN_AFTER_APPLY,
        and that resource is taken as absent (it cannot exist before its name does)."""
        live: dict[str, Live] = {}
        errors: dict[str, str] = {}
        for address in (a for a in selected if a in self.named_later):
            template = self.named_later[address]
            for source in sources([template]):
                if source in self.resources and source not in live and source not in errors:
                    ((_a, body, error),), _ = self._read_one(source)
                    why = unreadable(body) if error is None else None
                    if error is None and why is None:
                        live[source] = body
                    else:
                        errors[source] = error or f"UnreadableLiveBody: {why}; nothing is planned or written for it"
            try:
                resource_id = resolve_id(template.id, live, strict=False)
            except UnsafeName as exc:  # a live value that is no safe name: this resource's error
                errors[address] = f"UnsafeName: {exc}"
                continue
            self.resources[address] = template.model_copy(update={"id": resource_id})
            if not is_known(resource_id):
                live[address] = None
        return live, errors

    def _name_for_write(self, address: str, live: Mapping[str, Live]) -> str:
        """The real id of a resource named after a live value: from its source's
        body in this apply (written or read), else as the observe settled it (a
        saved plan's apply reads only what its changes refer to directly)."""
        try:
            return resolve_id(self.named_later[address].id, live, strict=True)
        except Unresolved:
            settled = self.resources[address].id
            if is_known(settled):
                return settled
            raise

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
                adapter: Any = self._adapter(self.resources[members[0]])
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
            return [(address, self._adapter(resource).read(resource.id), None)], []
        except Exception as exc:  # one unreadable resource must not hide the others
            return [(address, None, f"{type(exc).__name__}: {_one_line(exc)}")], []

    def _read_siblings(self, members: list[str]) -> tuple[list[tuple[str, Live, str | None]], list[str]]:
        """One list call for `members` (same type, same parent); those it does
        not show are returned for a GET each (a list may lag behind a create)."""
        first = self.resources[members[0]]
        try:
            listing = self._adapter(first).list_siblings(first.id)  # type: ignore[attr-defined]
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

    def _child_groups(self, selected: list[str], live: Mapping[str, Live]) -> list[tuple[str, str, str, str | None]]:
        """(parent id, child type, id segment, api-version) of each child type the
        desired state manages under a parent whose ownership is proven: the
        parent, or its nearest tagged ancestor, is live and carries our tags.
        Only those children can be strays; a child of a type the desired state
        does not manage under that parent is never listed, so never touched."""
        by_id = {r.id.lower(): r for r in self.resources.values()}
        groups: dict[tuple[str, str, str], tuple[str, str, str, str | None]] = {}
        for address in selected:
            child = self.resources[address]
            parent_id, segment = _parent_of(child.id)
            parent = by_id.get(parent_id.lower()) if parent_id else None
            if parent is None or isinstance(child.body.get("tags"), dict) or not self._ownership_proven(parent, live):
                continue  # a tagged child proves its ownership itself (the resource group scan)
            try:
                entry = getattr(self._adapter(child), "entry", None)
            except Exception:  # a type that cannot be managed here is reported by its own read
                continue
            if entry is not None and entry.deleted_with_parent:
                continue  # configuration that goes with its parent (sites/config): never deleted
            key = (parent.id.lower(), child.type.lower(), segment.lower())
            groups.setdefault(key, (parent.id, child.type, segment, child.api_version))
        return list(groups.values())

    def _ownership_proven(self, resource: Resource, live: Mapping[str, Live]) -> bool:
        tagged = resource if isinstance(resource.body.get("tags"), dict) else self._tagged_ancestor(resource)
        body = live.get(tagged.address) if tagged is not None else None
        return body is not None and is_owned(body.get("tags"), self.environment)

    def _child_strays(self, group: tuple[str, str, str, str | None], desired_ids: set[str]) -> list[tuple[str, str]]:
        """Live children of one managed type under one owned parent that are not desired."""
        assert self.list_children is not None
        parent_id, child_type, segment, api_version = group
        try:
            listed = self.list_children(parent_id, child_type, segment, api_version)
        except Exception as exc:  # no listing, no verdict: nothing is pruned
            log.info("children of %s not listed (%s); none pruned", parent_id, type(exc).__name__)
            return []
        return [
            (rid, child_type) for rid in listed
            if rid.lower() not in desired_ids and (child_type.lower(), rid.rsplit("/", 1)[-1].lower()) not in BUILT_IN_CHILDREN
        ]

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
            rules_for(resource.type, resource.name),
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
        known = self.convergence.not_kept(resource.id) if self.convergence is not None else {}
        # A field ARM did not keep when we last wrote this value is not rewritten:
        # it is reported until the desired value changes.
        stuck = tuple(
            known[d.path] for d in result.differences
            if d.path in known and _same(known[d.path].wrote, d.desired) and not d.requires_replace
        )
        stuck_paths = {n.path for n in stuck}
        diff = tuple(
            DiffEntry(d.path, _mask(d.path, d.live, secret_paths), _mask(d.path, d.desired, secret_paths))
            for d in result.differences
            if d.path not in stuck_paths
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
        return change(action, diff, unverifiable=tuple(result.unverifiable), blocked=blocked, not_convergent=stuck)

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
        check: Callable[[Change, Mapping[str, Live]], Live] | None = None,
        on_start: Callable[[str, str], None] | None = None,
    ) -> ApplyResult:
        """Carry out the runnable changes of `plan` in dependency order.

        With `check` (a saved plan, `reconciler.cli.planfile.LiveGuard`), each write
        and delete first asks it for the live body to write over; it raises to
        refuse the write (its dependents are skipped), and a 412 is not retried:
        a saved plan is applied as reviewed, never re-planned. `on_start(address,
        action)` and `on_progress(address, action, error)` bracket each write."""
        self.preflight()
        live: dict[str, Live] = dict(observation.live)
        lock = threading.Lock()
        result = ApplyResult()
        by_address = {c.address: c for c in plan.changes}
        desired_changes = [c for c in plan.changes if c.address in self.resources]

        def work(address: str) -> None:
            change = by_address[address]
            if not change.runnable:
                return
            if on_start:
                on_start(address, change.action)
            resource = self.resources[address]
            adapter = self._adapter(resource)
            self._wrote(resource.id)
            with lock:
                snapshot = dict(live)
            if address in self.named_later:  # its name's source was written before it (dependency order)
                named = self._name_for_write(address, snapshot)
                resource = self.resources[address] = resource.model_copy(update={"id": named})
                change = replace(change, id=named)  # a saved plan's guard reads it by its real id
            current = snapshot.get(address) if check is None else check(change, snapshot)
            if change.action == "replace" and current is not None:
                adapter.delete(resource.id, lro_tokens=self.lro_tokens)
                current = None
            body = resolve_refs(resource.body, snapshot, strict=True)
            written = self._write(adapter, resource.model_copy(update={"body": body}), current, replan=check is None)
            written, not_kept = self._read_back(adapter, resource, body, written)
            self._wrote(resource.id)
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
                if on_start:
                    on_start(change.address, "delete")
                if check is not None:
                    check(change, live)
                self._wrote(change.id)
                self.adapters.for_type(change.type).delete(change.id, lro_tokens=self.lro_tokens)
                self._wrote(change.id)
                result.applied.append(change.address)
                if on_progress:
                    on_progress(change.address, "delete", None)
            except Exception as exc:
                result.failed[change.address] = f"{type(exc).__name__}: {_one_line(exc)}"
                if on_progress:
                    on_progress(change.address, "delete", exc)
        result.live = live
        return result

    def _wrote(self, resource_id: str) -> None:
        if self.observer is not None:
            self.observer.wrote(resource_id)

    def preflight(self) -> None:
        """Before the first write: every file a write records to must be writable
        (the LRO token store, the not-convergent store, graph mode's write log), or no write
        is sent at all (no half-applies)."""
        for store in (self.lro_tokens, self.convergence, getattr(self.observer, "write_log", None)):
            check = getattr(store, "preflight", None)
            if callable(check):
                check()

    def _read_back(
        self, adapter: Adapter, resource: Resource, body: dict[str, Any], written: dict[str, Any]
    ) -> tuple[dict[str, Any], list[NotKept]]:
        """Fields of the body just written that ARM answers with another value
        (confirmed by a fresh read: a write's own answer may lag); recorded, and
        those not known before are returned and logged, once."""
        if self.convergence is None:
            return written, []
        differences = self._compare(resource, body, written).differences
        if differences:
            written = adapter.read(resource.id) or written
            differences = self._compare(resource, body, written).differences
        not_kept = [NotKept(d.path, d.desired, d.live) for d in differences if not d.requires_replace]
        new = self.convergence.written(resource.id, not_kept)
        for field_ in new:
            log.warning(
                "not convergent: %s %s",
                resource.address,
                field_.message,
                extra={
                    "event": "ReconcilerNotConvergent", "address": resource.address, "type": resource.type,
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
                    extra={"address": resource.address, "phase": "apply", "error": str(failed)[:300]},
                )
                time.sleep(self.requeue_delay)
            current = adapter.read(resource.id)
            # The other writer may already have made it what we want.
            recheck = conflicts and not resource.secrets
            if current is not None and recheck and self._compare(resource, resource.body, current).in_sync:
                return current


def _parent_of(resource_id: str) -> tuple[str, str]:
    """(parent id, type segment) of a child resource's id; ("", "") for a top-level
    or extension resource (whose parent is a group, a scope or a `providers` segment)."""
    head, _, _name = resource_id.rstrip("/").rpartition("/")
    parent, _, segment = head.rpartition("/")
    if "/providers/" not in parent.lower() or parent.lower().endswith("/providers") or "/" not in parent:
        return "", ""
    after = parent.lower().rsplit("/providers/", 1)[1]
    if after.count("/") < 2:  # `Namespace/type/name`: a resource, else a scope's provider segment
        return "", ""
    return parent, segment


def _same(a: Any, b: Any) -> bool:
    return render(a) == render(b)


def _mask(path: str, value: Any, secret_paths: tuple[str, ...]) -> Any:
    return SENSITIVE if value is not None and path in secret_paths else value


def _drop_unknown(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _drop_unknown(v) for k, v in body.items() if not has_unknown(v) or isinstance(v, dict)}
    return body


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
