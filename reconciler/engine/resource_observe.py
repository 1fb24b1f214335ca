"""Observe per resource: every desired resource read from ARM (GETs, and one list call for
several same-type siblings under one parent), with the prune scan alongside (`--observe
per-resource`; `reconciler.engine.graph_observe` is the other observer, and reads through this
one whatever Resource Graph cannot show)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

from adapters.arm_id import UnsafeName
from adapters.base import Adapter
from adapters.errors import Failure, Reason, classify
from adapters.siblings import SiblingListing, listable, sibling_parent
from desired_state.resource import Resource
from reconciler.engine.desired import DesiredResources
from reconciler.engine.list_reads import lacked_field
from reconciler.engine.live_names import is_known, sources
from reconciler.engine.live_shape import unreadable
from reconciler.engine.observation import AdapterSource, Live, Observation
from reconciler.engine.ownership import ChildGroup, Ownership, Stray, is_built_in

log = logging.getLogger("reconciler.engine")

#: Reads in flight at once: ARM's subscription read bucket holds 250 (docs/arm-semantics.md,
#: Throttling), so a run's whole first wave fits (prod's no-op: ~150 reads) and more would be
#: throttled anyway; threads are made as reads need them and kept for the engine's life.
READ_WORKERS = 250

_POOL_LOCK = threading.Lock()

#: What one read task found: (address, body, error) per resource, and the addresses it leaves
#: to a GET each (siblings a list did not show).
Found = tuple[list[tuple[str, Live, Failure | None]], list[str]]


def _gate(body: Live, error: Failure | None, read_id: str) -> Failure | None:
    """The one gate for live bodies: a shape ARM does not document, or a body naming another
    resource than `read_id`, makes this resource unreadable, not the whole plan."""
    why = unreadable(body, read_id) if error is None else None
    if why is not None:
        return Failure(Reason.UNREADABLE_BODY, f"UnreadableLiveBody: {why}; nothing is planned or written for it")
    return error


class ResourceObserver:
    """Reads desired resources from ARM, in parallel (reads need no order)."""

    def __init__(
        self, desired: DesiredResources, adapters: AdapterSource, ownership: Ownership, *, workers: int = READ_WORKERS
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
        """Read every selected resource (default: all) in parallel, in as few waves as the data
        allows (issue 24): every read whose id is known starts at once, with the resource group
        scans and the child lists of the prune scan; a resource named after a live value is read
        as soon as its source is (reconciler/engine/live_names.py).

        Several resources of one type under one parent are read with one list call when their
        adapter can list them with full bodies; that list is also the prune scan of that parent's
        children of the type, so a parent's children are listed once, never listed and then read
        one by one. The listed children count as strays once the parent's ownership is proven."""
        return _ReadRun(self, list(addresses) if addresses is not None else list(self.desired.resources),
                        prune_scan=prune_scan).observe()

    def observe_listing(self, addresses: Iterable[str]) -> tuple[Observation, dict[GroupKey, SiblingListing]]:
        """`observe(addresses, prune_scan=False)`, but a child of a type whose siblings the prune
        scan lists is read by that list, even alone, and the lists are returned (keyed by (child
        type, parent id), lower-cased) for the caller's prune scan: graph mode's reads of what is
        named after a live value, whose collections are known only once named."""
        run = _ReadRun(self, list(addresses), prune_scan=False, child_lists=True)
        return run.observe(), dict(run.listings)

    def _read_batches(self, selected: list[str]) -> tuple[list[str], list[list[str]]]:
        """Addresses read one by one, and groups of same-type siblings read by one list."""
        by_parent: dict[tuple[str, str], list[str]] = {}
        for address in selected:
            resource = self.desired.resources[address]
            by_parent.setdefault((resource.type.lower(), sibling_parent(resource.type, resource.id)), []).append(address)
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
            return [(address, None, classify(exc))], []

    def _read_siblings(self, members: list[str]) -> tuple[Found, SiblingListing | None]:
        """One list call for `members` (same type, same parent); those it does not show, and
        those whose item lacks a field the comparison reads (reconciler/engine/list_reads.py),
        are returned for a GET each (a list may lag behind a create). The listing is returned
        too: it is the prune scan of that parent's children of the type (None: no list)."""
        first = self.desired.resources[members[0]]
        try:
            listing = self.adapter(first).list_siblings(first.id)
        except Exception as exc:  # the list failing is no verdict: read each on its own
            log.info("list of %s siblings failed (%s); reading each", first.type, type(exc).__name__)
            listing = None
        if listing is None:
            return ([], members), None
        found: list[tuple[str, Live, Failure | None]] = []
        unread: list[str] = []
        for address in members:
            resource = self.desired.resources[address]
            body = listing.bodies.get(resource.id.lower())
            if body is None and not listing.complete:
                unread.append(address)
            elif body is not None and (lacked := lacked_field(resource, body)) is not None:
                log.info("listed %s lacks %s; reading it", resource.id, lacked)
                unread.append(address)
            else:
                found.append((address, body, None))
        return (found, unread), listing


_GROUP_TYPE = "microsoft.resources/resourcegroups"
#: The resource group part of an id.
_GROUP = re.compile(r"^(/subscriptions/[^/]+/resourcegroups/[^/]+)(?:/|$)", re.IGNORECASE)

#: A child group's key: (child type, parent id), lower-cased.
GroupKey = tuple[str, str]


def _key(group: ChildGroup) -> GroupKey:
    return group[1].lower(), group[0].lower()


class _ReadRun:
    """One observe: the reads in flight, what they found, and what starts when they answer."""

    def __init__(
        self, observer: ResourceObserver, selected: list[str], *, prune_scan: bool, child_lists: bool = False
    ) -> None:
        self.observer = observer
        self.desired = observer.desired
        self.ownership = observer.ownership
        self.selected = selected
        self.scan = prune_scan and self.ownership.scans
        self.scan_children = prune_scan and self.ownership.list_children is not None
        #: Children of the prune scan's groups are read by their group's list (that list is the scan).
        self.child_lists = (prune_scan or child_lists) and self.ownership.list_children is not None
        self.pool = observer.pool()
        self.desired_ids = self.desired.ids()
        self.live: dict[str, Live] = {}
        self.errors: dict[str, Failure] = {}
        self.pending: dict[Future[Any], Callable[[Any], None]] = {}
        #: Child lists of the prune scan, by group: the read list (bodies) or an id list (strays).
        self.listings: dict[GroupKey, SiblingListing] = {}
        self.id_lists: dict[GroupKey, Future[list[Stray]]] = {}
        self.groups: dict[GroupKey, ChildGroup] = {}
        named = self.desired.named_later
        #: Named after a live value: read once their sources are (address -> its sources).
        self.later = [a for a in selected if a in named]
        self.sources = {a: [s for s in sources([named[a]]) if s in self.desired.resources] for a in self.later}
        #: Resource groups (lower-cased ids) a read found missing: nothing under them exists (ARM
        #: answers 404 ResourceGroupNotFound for it all), so reads not sent yet are not sent.
        self.absent_groups: set[str] = set()
        #: Sibling lists of this run by (type, where listed), None while in flight; addresses
        #: named meanwhile that such a list may show wait for it.
        self.sibling_lists: dict[GroupKey, SiblingListing | None] = {}
        self.awaiting: dict[GroupKey, list[str]] = {}

    def observe(self) -> Observation:
        scan_errors: dict[str, Failure] = {}
        first = [a for a in self.selected if a not in self.desired.named_later]
        # a targeted run's sources (one named after a live value itself is read once named)
        extra = [s for a in self.later for s in self.sources[a] if s not in first and s not in self.desired.named_later]
        # groups first: a missing one spares the reads under it that have not left yet (an apply from empty)
        order = sorted(first + list(dict.fromkeys(extra)), key=lambda a: self.desired.resources[a].type.lower() != _GROUP_TYPE)
        self._start(order)
        group_scans = [(g, self.pool.submit(self._strays_in, g)) for g in (self.ownership.prune_groups() if self.scan else [])]
        self._settle_ready()
        while self.pending or self.later:
            if not self.pending:  # a source nobody reads (named after a live value itself): name with what is known
                self._settle_ready(force=True)
                continue
            done, _ = wait(list(self.pending), return_when=FIRST_COMPLETED)
            for future in done:
                self.pending.pop(future)(future.result())
            self._settle_ready()
        strays: list[Stray] = []
        for group, future in group_scans:
            try:
                strays.extend(future.result())
            except Exception as exc:  # an unreadable listing is that group's error, not the plan's end
                scan_errors[f"prune-scan:{group}"] = classify(exc)
        if self.scan_children:
            self._child_strays(strays, scan_errors)
        # ids settled during the run (named after live values) are desired, not strays
        desired_ids = self.desired.ids()
        strays = [stray for stray in strays if stray[0].lower() not in desired_ids]
        selected = self.selected
        return Observation(
            live={a: self.live[a] for a in selected if a in self.live},
            errors={a: self.errors[a] for a in selected if a in self.errors} | scan_errors,
            strays=strays if self.scan else [],
        )

    # -- starting reads ------------------------------------------------------------------
    def _start(self, addresses: list[str]) -> None:
        """Start the reads of `addresses` (ids known), and the prune scan's lists of their groups.
        One a list of its siblings has shown (or is about to: it was sent before the name was
        known) is taken from that list, not read again."""
        addresses = [a for a in addresses if not self._from_listing(a)]
        if not addresses:
            return
        groups = {_key(g): g for g in self.ownership.child_groups(addresses, None)} if self.child_lists else {}
        self.groups.update(groups)
        singles, batches = self.observer._read_batches(addresses)
        for address in singles:
            resource = self.desired.resources[address]
            key = (resource.type.lower(), resource.id.rsplit("/", 2)[0].lower())
            if key in groups and listable(resource.type):
                batches.append([address])  # the prune scan lists this parent's children anyway
            else:
                self._submit(self._read_one, address, then=self._found)
        listed = set()
        for members in batches:
            resource = self.desired.resources[members[0]]
            key = (resource.type.lower(), resource.id.rsplit("/", 2)[0].lower())
            listed.add(key)
            siblings = (resource.type.lower(), sibling_parent(resource.type, resource.id))
            self.sibling_lists.setdefault(siblings, None)  # in flight
            self._submit(self._read_siblings, members, then=partial(self._listed, key, siblings))
        for key, group in groups.items():
            if key not in listed:
                self._start_id_list(key, group)

    def _submit(self, task: Callable[..., Any], argument: Any, *, then: Callable[[Any], None]) -> None:
        self.pending[self.pool.submit(task, argument)] = then

    def _start_id_list(self, key: GroupKey, group: ChildGroup) -> None:
        if key not in self.id_lists and self.scan_children:
            self.id_lists[key] = self.pool.submit(self._child_strays_of, group)

    # -- reads, in the pool's threads: nothing is sent under a group found missing -------------
    def _in_absent_group(self, resource_id: str) -> bool:
        group = _GROUP.match(resource_id)
        return group is not None and group.group(1).lower() in self.absent_groups

    def _read_one(self, address: str) -> Found:
        resource = self.desired.resources[address]
        if self._in_absent_group(resource.id):
            return [(address, None, None)], []
        found = self.observer._read_one(address)
        if resource.type.lower() == _GROUP_TYPE and found[0][0][1:] == (None, None):  # 404: the group is missing
            self.absent_groups.add(resource.id.lower())
        return found

    def _read_siblings(self, members: list[str]) -> tuple[Found, SiblingListing | None]:
        if self._in_absent_group(self.desired.resources[members[0]].id):
            return ([(a, None, None) for a in members], []), SiblingListing(complete=True)
        return self.observer._read_siblings(members)

    def _strays_in(self, group: str) -> list[Stray]:
        if any(g.rsplit("/", 1)[-1] == group.lower() for g in self.absent_groups):
            return []
        return self.ownership.strays_in(group, self.desired_ids)

    def _child_strays_of(self, group: ChildGroup) -> list[Stray]:
        if self._in_absent_group(group[0]):
            return []
        return self.ownership.child_strays(group, self.desired_ids)

    # -- answers ---------------------------------------------------------------------------
    def _found(self, result: Found) -> None:
        found, unread = result
        for address, body, error in found:
            error = _gate(body, error, self.desired.resources[address].id)
            if error is None:
                self.live[address] = body
                self.errors.pop(address, None)
            else:
                self.errors[address] = error
        for address in unread:  # listed siblings the list did not show: read on their own
            self._submit(self.observer._read_one, address, then=self._found)

    def _listed(self, key: GroupKey, siblings: GroupKey, result: tuple[Found, SiblingListing | None]) -> None:
        found, listing = result
        if listing is not None:
            self.listings[key] = listing
        elif key in self.groups:
            self._start_id_list(key, self.groups[key])  # no list of bodies: the scan lists ids
        self.sibling_lists[siblings] = listing or SiblingListing()
        self._found(found)
        self._start(self.awaiting.pop(siblings, []))

    def _from_listing(self, address: str) -> bool:
        """Whether `address` is served by a sibling list of this run: read from it when it shows
        a body the comparison can use (or rules it out), or waiting for it when still in flight."""
        resource = self.desired.resources[address]
        siblings = (resource.type.lower(), sibling_parent(resource.type, resource.id))
        if siblings not in self.sibling_lists:
            return False
        listing = self.sibling_lists[siblings]
        if listing is None:
            self.awaiting.setdefault(siblings, []).append(address)
            return True
        body = listing.bodies.get(resource.id.lower())
        if body is None and not listing.complete:
            return False
        if body is not None and lacked_field(resource, body) is not None:
            return False
        self._found(([(address, body, None)], []))
        return True

    def _settle_ready(self, *, force: bool = False) -> None:
        """Name, then start, every resource named after a live value whose sources are read."""
        ready = [a for a in self.later if force or all(s in self.live or s in self.errors for s in self.sources[a])]
        if not ready:
            return
        self.later = [a for a in self.later if a not in ready]
        known = []
        for address in ready:
            try:
                settled = self.desired.settle_name(address, self.live)
            except UnsafeName as exc:  # a live value that is no safe name (adapters/arm_id.py): this resource's error
                self.errors[address] = classify(exc)
                continue
            if is_known(settled):
                known.append(address)
            else:
                self.live[address] = None  # it cannot exist before its name does
        self._start(known)

    # -- the child prune scan ---------------------------------------------------------------
    def _child_strays(self, strays: list[Stray], scan_errors: dict[str, Failure]) -> None:
        """Undesired children under owned parents, from the lists already made (one list per
        group; a group first known now, e.g. under a parent just named, is listed now)."""
        known = {rid.lower() for rid, _type in strays}
        for group in self.ownership.child_groups(self.selected, self.live):
            key = _key(group)
            listing = self.listings.get(key)
            try:
                if listing is not None:
                    found = [(str(body.get("id", rid)), group[1]) for rid, body in listing.bodies.items()
                             if rid not in self.desired_ids and not is_built_in(group[1], rid)]
                else:
                    self._start_id_list(key, group)
                    found = self.id_lists[key].result()
            except Exception as exc:  # as above: that parent's error, not the plan's end
                scan_errors[f"prune-scan:{group[0]}/{group[2]}"] = classify(exc)
                continue
            for rid, rtype in found:
                if rid.lower() not in known:
                    known.add(rid.lower())
                    strays.append((rid, rtype))
