"""Graph mode's reads of what Resource Graph has no row for: children (subnets, queues, blob
containers, ...) read with one list call per (child type, parent), and the rest (extension
resources, children with no list, resources named after a live value) read one by one from ARM
through the per-resource observer. Between relists, the Activity Log says which of them changed
(`ChildPolicy`, docs/observe-modes.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from adapters.activity_log import activity_events
from adapters.errors import Failure, describe
from adapters.field_flags import newest_stable_version
from adapters.registry import is_declared
from adapters.siblings import SiblingListing, listable, sibling_parent
from desired_state import controller_telemetry as names
from desired_state.resource import Resource
from reconciler.engine.list_reads import lacked_field
from reconciler.engine.live_names import is_known
from reconciler.engine.live_shape import unreadable
from reconciler.engine.observation import Live, Observation
from reconciler.engine.ownership import Stray
from reconciler.engine.resource_observe import ResourceObserver

log = logging.getLogger("reconciler.graph_observe")

#: How a change-feed cycle finds changed children, which `resourcechanges` does not report:
#: `activity-log` asks the subscription's Activity Log for the cycle's writes (one request; it
#: records every control-plane write, children included) and re-reads only those; when it cannot
#: be read, every child is re-listed that cycle. `every-cycle` always re-lists every parent's
#: children (one list per parent). `relist` leaves them to the next full relist.
ChildPolicy = Literal["activity-log", "every-cycle", "relist"]
CHILD_POLICIES: tuple[str, ...] = ("activity-log", "every-cycle", "relist")
#: A resource group, or a top-level resource in one: the ids that are Resource Graph rows.
ROW_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)(/providers/[^/]+/[^/]+/[^/]+)?$", re.IGNORECASE)

_IN_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/", re.IGNORECASE)

#: Child lists by (child type, parent id), lower-cased: the members each list reads, and the list.
Listings = dict[tuple[str, str], tuple[list[str], Future[SiblingListing | None]]]
#: Children by (child type, parent id), lower-cased, and the other non-row addresses.
NonRows = tuple[dict[tuple[str, str], list[str]], list[str]]


@dataclass
class GraphStats:
    """What the observer did, cumulative (benchmarks, logs)."""

    relists: int = 0
    feed_cycles: int = 0
    feed_failures: int = 0
    fallbacks: int = 0
    rows_trusted: int = 0
    activity_log_queries: int = 0
    activity_log_failures: int = 0
    arm_reads_asked: int = 0
    last: str = ""


class NonRowReads:
    """Reads the desired resources that are not Resource Graph rows, for one graph observer."""

    def __init__(self, reads: ResourceObserver, clients: Any, stats: GraphStats, children: ChildPolicy) -> None:
        self.reads = reads
        self.desired = reads.desired
        self.clients = clients
        self.stats = stats
        self.children = children
        #: Activity Log records already handled (id -> when), so an overlapping query skips them.
        self.seen: dict[str, float] = {}
        self._split: NonRows | None = None

    def split(self) -> NonRows:
        """Desired resources that are not Resource Graph rows: children of a listable type by
        (type, parent), read with one list each; the rest (extension resources, children with no
        list), read one by one."""
        if self._split is None:
            children: dict[tuple[str, str], list[str]] = {}
            others: list[str] = []
            for address, resource in self.desired.resources.items():
                if address in self.desired.named_later:
                    # named after a live value (reconciler/engine/live_names.py): the engine
                    # settles its name from its source, then reads it (GET)
                    others.append(address)
                    continue
                if self.in_rows(resource):
                    continue
                parent = sibling_parent(resource.type, resource.id)
                if listable(resource.type) and "/providers/" in resource.id.lower().rsplit("/", 2)[0]:
                    children.setdefault((resource.type.lower(), parent), []).append(address)
                else:
                    others.append(address)
            self._split = (children, others)
        return self._split

    def addresses(self) -> set[str]:
        children, others = self.split()
        return set(others) | {a for members in children.values() for a in members}

    def read(
        self,
        children: Mapping[tuple[str, str], list[str]],
        singles: list[str],
        live: dict[str, Live],
        errors: dict[str, Failure],
    ) -> Listings:
        """The child lists (in the read pool) and `singles` (GETs and sibling lists, meanwhile);
        members a list did not show and cannot rule out are read on their own."""
        listings = self.start_lists(children)
        self.read_from_arm(singles, live, errors)
        self.finish_lists(listings, live, errors)
        return listings

    def start_lists(self, children: Mapping[tuple[str, str], list[str]]) -> Listings:
        """The child lists, started in the read pool."""
        return self._list_children(children)

    def finish_lists(self, listings: Listings, live: dict[str, Live], errors: dict[str, Failure]) -> None:
        """What the child lists read, into `live`; members a list did not show and cannot rule
        out are read on their own."""
        resources = self.desired.resources
        unread: list[str] = []
        for members, future in listings.values():
            listing = result_of(future)
            if listing is None:
                unread.extend(members)
                continue
            for address in members:
                body = listing.bodies.get(resources[address].id.lower())
                if (body is None and not listing.complete) or (body is not None and (
                        unreadable(body, resources[address].id) is not None or lacked_field(resources[address], body) is not None)):
                    unread.append(address)
                else:
                    errors.pop(address, None)
                    live[address] = body
        self.read_from_arm(unread, live, errors)

    def _list_children(self, children: Mapping[tuple[str, str], list[str]]) -> Listings:
        """One list call per (child type, parent), in the read pool."""
        pool = self.reads.pool()
        out: Listings = {}
        for key, members in children.items():
            first = self.desired.resources[members[0]]
            out[key] = (members, pool.submit(self.reads.adapter(first).list_siblings, first.id))
        self.stats.arm_reads_asked += len(out)
        return out

    def row_comparable(self, arm_type: str, api_version: str | None) -> bool:
        """The type's rows may stand for a GET (`ArmType.graph_row`, by convention for a type
        without an entry)."""
        if not is_declared(arm_type) and api_version is None and newest_stable_version(arm_type) is None:
            return False  # its adapter would ask the provider for a version first, in this thread
        try:
            return self.reads.adapters.for_type(arm_type, api_version).entry.row_stands_for_get
        except Exception:  # an unknown type is read (and reported) by ARM
            return False

    def rowless(self) -> list[str]:
        """Rows of types that declare no `graph_row`: never trusted, so read at once (issue 24),
        not after the queries."""
        named_later = self.desired.named_later
        return [a for a, r in self.desired.resources.items()
                if ROW_ID.match(r.id) is not None and a not in named_later and not self.row_comparable(r.type, r.api_version)]

    def in_rows(self, resource: Resource) -> bool:
        """Whether the relist's rows hold `resource`: a resource group or a top-level resource of
        one, or a child of a type whose rows stand for its GETs (`ArmType.graph_row`)."""
        if ROW_ID.match(resource.id) is not None:
            return True
        return (resource.type.count("/") > 1 and _IN_GROUP.match(resource.id) is not None
                and self.row_comparable(resource.type, resource.api_version))

    def start_reads(self, addresses: list[str]) -> Future[tuple[Observation, dict[tuple[str, str], SiblingListing]]]:
        """`addresses` read from ARM in the read pool (`ResourceObserver.observe_listing`: a child
        whose siblings the prune scan lists is read by that list), meanwhile."""
        self.stats.arm_reads_asked += len(addresses)
        return self.reads.pool().submit(self.reads.observe_listing, addresses)

    @staticmethod
    def collect(
        reads: Future[tuple[Observation, dict[tuple[str, str], SiblingListing]]], live: dict[str, Live],
        errors: dict[str, Failure], listings: Listings,
    ) -> None:
        """What `start_reads` found, into `live` / `errors`, and its child lists into `listings`
        (the prune scan's: a collection known only once named is not listed twice)."""
        seen, listed = reads.result()
        live.update(seen.live)
        errors.update(seen.errors)
        for key, listing in listed.items():
            done: Future[SiblingListing | None] = Future()
            done.set_result(listing)
            listings.setdefault(key, ([], done))

    def start_id_lists(self, listings: Listings) -> dict[tuple[str, str], Future[list[Stray]]]:
        """The prune scan's id list of every candidate child group that no child list covers,
        started with the reads (before the parents' ownership is known: `listed_child_strays`
        decides afterwards which lists count). A group under a parent named after a live value
        is listed once the name is known."""
        ownership = self.reads.ownership
        if ownership.list_children is None:
            return {}
        desired_ids = self.desired.ids()
        pool = self.reads.pool()
        started: dict[tuple[str, str], Future[list[Stray]]] = {}
        for group in ownership.child_groups(list(self.desired.resources), None):
            key = (group[1].lower(), group[0].lower())
            if key not in listings and key not in started and is_known(group[0]):
                started[key] = pool.submit(ownership.child_strays, group, desired_ids)
        return started

    def read_from_arm(self, addresses: list[str], live: dict[str, Live], errors: dict[str, Failure]) -> None:
        """Read `addresses` from ARM (GETs and sibling lists, `ResourceObserver`) into `live`/`errors`."""
        if not addresses:
            return
        self.stats.arm_reads_asked += len(addresses)
        seen = self.reads.observe(addresses, prune_scan=False)
        for address in addresses:
            live.pop(address, None)
            errors.pop(address, None)
        live.update(seen.live)
        errors.update(seen.errors)

    def changed(
        self, since: float, started: float, touched: set[str], known: Mapping[str, Live], failed: Mapping[str, Failure]
    ) -> NonRows:
        """The child groups to re-list and other non-row resources to re-read this feed cycle
        (`known`: what the last cycle observed; `failed`: what it could not read)."""
        all_children, all_others = self.split()
        named_later = self.desired.named_later
        if self.children == "relist":
            return {}, [a for a in all_others if a in named_later]
        if self.children == "activity-log":
            try:
                written = self._activity_log_writes(since, started)
            except Exception as error:  # no Activity Log: re-list every child this cycle
                self.stats.activity_log_failures += 1
                log.warning("Activity Log unavailable (%s); re-listing every child", why(error),
                            extra={"event": names.GRAPH_ACTIVITY_LOG_FAILED_EVENT, "phase": "observe"})
            else:
                ids = self.desired.resources
                touched = touched | written
                parents = {rid.rsplit("/", 2)[0] for rid in touched}  # a new child under a listed parent
                stale = set(failed) | {a for a in ids if a not in known}
                children = {
                    key: members for key, members in all_children.items()
                    if key[1] in parents or any(a in stale or under(ids[a].id.lower(), touched) for a in members)
                }
                others = [a for a in all_others
                          if a in stale or a in named_later or under(ids[a].id.lower(), touched)]
                return children, others
        return dict(all_children), list(all_others)

    def _activity_log_writes(self, since: float, until: float) -> set[str]:
        """Lower-cased ids written or deleted (succeeded) in the subscription since `since`, from
        the Activity Log (`adapters.activity_log`; every control-plane write is recorded, child
        resources included)."""
        flt = f"eventTimestamp ge '{iso(since)}' and eventTimestamp le '{iso(until + 60.0)}'"
        self.stats.activity_log_queries += 1
        found: set[str] = set()
        for event in activity_events(self.clients, flt):
            key = "activitylog:" + event.event_id
            if not event.is_write:
                continue
            rid = event.resource_id.lower()
            if rid and key not in self.seen:
                found.add(rid)
                if key != "activitylog:":
                    self.seen[key] = until
        return found


def under(rid: str, touched: set[str]) -> bool:
    """`rid` or one of its ancestors is in `touched` (a deleted parent takes its children)."""
    if not touched:
        return False
    if rid in touched:
        return True
    head = rid
    while "/" in head:
        head = head.rsplit("/", 1)[0]
        if head in touched:
            return True
    return False


def result_of(future: Future[SiblingListing | None]) -> SiblingListing | None:
    try:
        return future.result()
    except Exception as error:  # a failed list is no verdict: its members are read on their own
        log.info("child list failed (%s); reading each", type(error).__name__)
        return None


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(max(0.0, epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def why(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    return f"{status or ''} {describe(error, 160)}".strip()
