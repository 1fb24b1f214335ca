"""Observe per resource: every desired resource read from ARM (GETs, and one list call for
several same-type siblings under one parent), with the prune scan alongside (`--observe
per-resource`; `reconciler.engine.graph_observe` is the other observer, and reads through this
one whatever Resource Graph cannot show)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from adapters.base import Adapter
from adapters.errors import one_line
from desired_state.resource import Resource
from reconciler.engine.desired import DesiredResources
from reconciler.engine.live_names import is_known, sources
from reconciler.engine.live_shape import unreadable
from reconciler.engine.observation import AdapterSource, Live, Observation
from reconciler.engine.ownership import Ownership, Stray

log = logging.getLogger("reconciler.engine")

_POOL_LOCK = threading.Lock()

#: What one read task found: (address, body, error) per resource, and the addresses it leaves
#: to a GET each (siblings a list did not show).
Found = tuple[list[tuple[str, Live, str | None]], list[str]]


def _gate(body: Live, error: str | None) -> str | None:
    """The one gate for live bodies: a shape ARM does not document makes this resource
    unreadable, not the whole plan."""
    why = unreadable(body) if error is None else None
    if why is not None:
        return f"UnreadableLiveBody: {why}; nothing is planned or written for it"
    return error


class ResourceObserver:
    """Reads desired resources from ARM, in parallel (reads need no order)."""

    def __init__(
        self, desired: DesiredResources, adapters: AdapterSource, ownership: Ownership, *, workers: int = 64
    ) -> None:
        self.desired = desired
        self.adapters = adapters
        self.ownership = ownership
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def adapter(self, resource: Resource) -> Adapter:
        return self.adapters.for_type(resource.type, resource.api_version)

    def wrote(self, resource_id: str) -> None:
        """Nothing is kept between runs: every observe reads afresh."""

    def pool(self) -> ThreadPoolExecutor:
        """The read pool, made on first use and kept: threads are reused across runs (a
        controller observes every few minutes for weeks; new threads every run grow the process)."""
        with _POOL_LOCK:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(1, self.workers), thread_name_prefix="observe")
            return self._pool

    def observe(self, addresses: Iterable[str] | None = None, *, prune_scan: bool = True) -> Observation:
        """Read every selected resource (default: all) in parallel.

        Several resources of one type under one parent are read with one list
        call when their adapter offers `list_siblings`; the prune scan runs
        alongside the reads, so a no-op run costs about one round trip."""
        resources = self.desired.resources
        selected = list(addresses) if addresses is not None else list(resources)
        scan = prune_scan and self.ownership.scans
        live, errors = self._settle_names(selected)
        singles, batches = self._read_batches([a for a in selected if a not in live and a not in errors])
        groups = self.ownership.prune_groups() if scan else []
        pool = self.pool()
        pending: set[Future[Found]] = {pool.submit(self._read_one, a) for a in singles}
        pending |= {pool.submit(self._read_siblings, b) for b in batches}
        desired_ids = self.desired.ids()
        stray_futures = [pool.submit(self.ownership.strays_in, g, desired_ids) for g in groups]
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                found, unread = future.result()
                for address, body, error in found:
                    error = _gate(body, error)
                    if error is None:
                        live[address] = body
                    else:
                        errors[address] = error
                # listed siblings the list did not show: read on their own
                pending |= {pool.submit(self._read_one, a) for a in unread}
        strays: list[Stray] = []
        scan_errors: dict[str, str] = {}
        for group, stray_future in zip(groups, stray_futures, strict=True):
            try:
                strays.extend(stray_future.result())
            except Exception as exc:  # an unreadable listing is that group's error, not the plan's end
                scan_errors[f"prune-scan:{group}"] = f"{type(exc).__name__}: {one_line(exc)}"
        if prune_scan and self.ownership.list_children is not None:
            self._child_strays(selected, live, desired_ids, strays, scan_errors)
        return Observation(
            live={a: live[a] for a in selected if a in live},
            errors={a: errors[a] for a in selected if a in errors} | scan_errors,
            strays=strays if scan else [],
        )

    def _child_strays(
        self, selected: list[str], live: dict[str, Live], desired_ids: set[str], strays: list[Stray],
        scan_errors: dict[str, str],
    ) -> None:
        """Add the undesired children under owned parents to `strays` (one list per group)."""
        known = {rid.lower() for rid, _type in strays}
        child_groups = self.ownership.child_groups(selected, live)
        pool = self.pool()
        futures = [pool.submit(self.ownership.child_strays, g, desired_ids) for g in child_groups]
        for child_group, future in zip(child_groups, futures, strict=True):
            try:
                found = future.result()
            except Exception as exc:  # as above: that parent's error, not the plan's end
                scan_errors[f"prune-scan:{child_group[0]}/{child_group[2]}"] = f"{type(exc).__name__}: {one_line(exc)}"
                continue
            for rid, rtype in found:
                if rid.lower() not in known:
                    known.add(rid.lower())
                    strays.append((rid, rtype))

    def _settle_names(self, selected: list[str]) -> tuple[dict[str, Live], dict[str, str]]:
        """Give each selected resource named after a live value its id for this run.

        The sources of those names are read first (they are returned with the
        bodies read); a name whose source is not live yet shows KNOWN_AFTER_APPLY,
        and that resource is taken as absent (it cannot exist before its name does)."""
        live: dict[str, Live] = {}
        errors: dict[str, str] = {}
        for address in (a for a in selected if a in self.desired.named_later):
            for source in sources([self.desired.named_later[address]]):
                if source in self.desired.resources and source not in live and source not in errors:
                    ((_a, body, error),), _ = self._read_one(source)
                    error = _gate(body, error)
                    if error is None:
                        live[source] = body
                    else:
                        errors[source] = error
            if not is_known(self.desired.settle_name(address, live)):
                live[address] = None
        return live, errors

    def _read_batches(self, selected: list[str]) -> tuple[list[str], list[list[str]]]:
        """Addresses read one by one, and groups of same-type siblings read by one list."""
        by_parent: dict[tuple[str, str], list[str]] = {}
        for address in selected:
            resource = self.desired.resources[address]
            parent = resource.id.rsplit("/", 2)[0].lower()
            by_parent.setdefault((resource.type.lower(), parent), []).append(address)
        singles: list[str] = []
        batches: list[list[str]] = []
        for members in by_parent.values():
            if len(members) > 1 and self._knows_type(self.desired.resources[members[0]]):
                batches.append(members)
            else:
                singles.extend(members)
        return singles, batches

    def _knows_type(self, resource: Resource) -> bool:
        try:
            self.adapter(resource)
        except Exception:  # an unknown type is reported by its own read
            return False
        return True

    def _read_one(self, address: str) -> Found:
        resource = self.desired.resources[address]
        try:
            return [(address, self.adapter(resource).read(resource.id), None)], []
        except Exception as exc:  # one unreadable resource must not hide the others
            return [(address, None, f"{type(exc).__name__}: {one_line(exc)}")], []

    def _read_siblings(self, members: list[str]) -> Found:
        """One list call for `members` (same type, same parent); those it does
        not show are returned for a GET each (a list may lag behind a create)."""
        first = self.desired.resources[members[0]]
        try:
            listing = self.adapter(first).list_siblings(first.id)
        except Exception as exc:  # the list failing is no verdict: read each on its own
            log.info("list of %s siblings failed (%s); reading each", first.type, type(exc).__name__)
            listing = None
        if listing is None:
            return [], members
        found: list[tuple[str, Live, str | None]] = []
        unread: list[str] = []
        for address in members:
            body = listing.bodies.get(self.desired.resources[address].id.lower())
            if body is not None or listing.complete:
                found.append((address, body, None))
            else:
                unread.append(address)
        return found, unread
