"""Observe through Resource Graph and its change feed: a large estate costs a few queries, not the
subscription's ARM read budget.

Modes (``--observe``): ``per-resource`` reads every desired resource from ARM (GETs and sibling
lists, ``reconciler.engine.resource_observe``); ``graph`` uses this module; ``auto`` (the default) picks ``graph``
above ``AUTO_GRAPH_ABOVE`` desired resources. Why 350: a per-resource no-op costs about 0.7 ARM
reads per resource (prod: 75 reads for 109 resources, bench/noop.py), so above about 350
resources one cycle no longer fits in ARM's full read bucket of 250 (docs/arm-semantics.md,
Throttling) and starts waiting on its 25 reads/s refill, while graph mode's cost is a handful
of queries whatever the size. Below it, per-resource reads are as fast and need no Resource
Graph permission or lag allowance.

**Full relist** (the first cycle, every ``resync_s``, and whenever the change feed fails): two
paged queries per subscription read the rows of every top-level resource (``resources``) and
resource group (``resourcecontainers``) in the environment's groups. A desired resource whose
type declares ``ArmType.graph_row`` (its row carries every field the rules compare) and whose
row plans no change is trusted from its row. Everything else is read from ARM
(the per-resource observer on just those addresses): a type whose row cannot show what is compared, a
row that plans a change (a drift candidate, confirmed with fresh data), a missing row (deleted,
or not visible yet), and anything we wrote within the staleness window (``WriteLog``: a stale
row must never read as drift). Children (subnets, queues, blob containers, ...) are not rows:
each (parent, child type) is read with one list call that also gives the child prune scan. The
prune scan of top-level resources comes from the same rows (owned, undesired rows of the
environment's groups): candidates only, since a row lags ARM; the planner condemns a candidate
only after a fresh GET by id (``reconciler.engine.ownership.Ownership.condemn``).

**Change-feed cycles** (between relists): one ``resourcechanges`` query asks what changed in
the environment's groups since the last cycle, minus ``overlap_s`` (at least the staleness, so
a change that became visible late is still asked for; changes already handled are skipped by
their record id). Only those resources, their descendants, what we wrote since the last cycle
and what failed to read last time are read; the rest keeps its last observed body.

What the feed does not cover, honestly: Microsoft Learn ("Get resource changes") says child
types may be missing from ``resourcechanges``, and records can lag. A child changed out of band
that the feed does not report is seen at the next full relist (at most ``resync_s``); so is a
new child stray and anything the feed lags behind by more than ``overlap_s``. A change is seen
within two cycles when the cycle interval is at least the Resource Graph lag (``staleness_s``);
with shorter cycles, within ``ceil(lag / interval) + 1`` cycles.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Literal

from adapters.errors import Failure
from desired_state import controller_telemetry as names
from reconciler.engine.graph_children import (
    CHILD_POLICIES,
    ROW_ID,
    ChildPolicy,
    GraphStats,
    Listings,
    NonRowReads,
    iso,
    result_of,
    under,
    why,
)
from reconciler.engine.graph_query import GraphQuery, kql_list, kql_string
from reconciler.engine.live_shape import unreadable
from reconciler.engine.observation import Live, Observation
from reconciler.engine.ownership import Stray
from reconciler.engine.resolve import has_unknown, resolve_refs
from reconciler.engine.write_log import WriteLog

if TYPE_CHECKING:
    from reconciler.engine.engine import Engine

__all__ = ["AUTO_GRAPH_ABOVE", "CHILD_POLICIES", "MODES", "ChildPolicy", "GraphObserver", "GraphStats", "choose_mode"]

log = logging.getLogger("reconciler.graph_observe")

ObserveMode = Literal["per-resource", "graph", "auto"]
MODES: tuple[str, ...] = ("per-resource", "graph", "auto")
#: `auto` observes through Resource Graph above this many desired resources (module docstring).
AUTO_GRAPH_ABOVE = 350
#: How far behind ARM Resource Graph may be (the issue's bound; Microsoft Learn says "typically
#: within seconds").
DEFAULT_STALENESS_S = 30.0
DEFAULT_RESYNC_S = 3600.0
#: The feed is asked from the last cursor minus the staleness and this margin (clock skew between
#: us and Resource Graph's change timestamps).
OVERLAP_MARGIN_S = 10.0
#: The columns compared from a row (a row's shape is GET's for these; `type` lower-cased).
ROW_COLUMNS = ("id", "name", "type", "location", "resourceGroup", "tags", "sku", "kind", "identity",
               "properties", "managedBy", "zones")
_BODY_COLUMNS = ("id", "name", "type", "location", "tags", "sku", "kind", "identity", "properties", "managedBy",
                 "zones")


def choose_mode(mode: str, resource_count: int) -> Literal["per-resource", "graph"]:
    """The observer `mode` means for an estate of `resource_count` desired resources."""
    if mode == "auto":
        return "graph" if resource_count > AUTO_GRAPH_ABOVE else "per-resource"
    if mode == "graph":
        return "graph"
    if mode == "per-resource":
        return "per-resource"
    raise ValueError(f"--observe {mode!r}: choose per-resource, graph or auto")


def row_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Resource Graph row as a live body: its GET columns, without the empty ones Resource Graph
    fills in for fields the resource does not have."""
    return {k: row[k] for k in _BODY_COLUMNS if row.get(k) not in (None, "")}


class GraphObserver:
    """Observes an engine's desired resources through Resource Graph (module docstring)."""

    def __init__(
        self,
        engine: Engine,
        clients: Any,
        *,
        write_log: WriteLog | None = None,
        staleness_s: float = DEFAULT_STALENESS_S,
        resync_s: float = DEFAULT_RESYNC_S,
        overlap_s: float | None = None,
        children: ChildPolicy = "activity-log",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.desired = engine.desired
        self.reads = engine.reads
        self.ownership = engine.ownership
        self.planner = engine.planner
        self.write_log = write_log if write_log is not None else WriteLog()
        self.staleness_s = staleness_s
        self.resync_s = resync_s
        self.overlap_s = overlap_s if overlap_s is not None else staleness_s + OVERLAP_MARGIN_S
        self.clock = clock
        self.stats = GraphStats()
        self._subscriptions = sorted({m.group(1).lower() for r in self.desired.resources.values()
                                      if (m := ROW_ID.match(r.id)) is not None})
        self.clients = clients
        self.graph = GraphQuery(clients, self._subscriptions)
        self.non_rows = NonRowReads(self.reads, clients, self.stats, "activity-log")
        self.children = children
        self._live: dict[str, Live] | None = None
        self._errors: dict[str, Failure] = {}
        self._strays: dict[str, Stray] = {}
        self._strays_known = False
        self._relisted_at = 0.0
        self._cursor = 0.0
        self._last_started = 0.0
        self._seen: dict[str, float] = {}
        #: Addresses whose desired body holds references to live values.
        self._refers = {a for a, r in self.desired.resources.items() if "{ref:" in json.dumps(r.body, default=str)}

    @property
    def children(self) -> ChildPolicy:
        """How feed cycles find changed non-rows (`ChildPolicy`); kept by `NonRowReads`, which reads it."""
        return self.non_rows.children

    @children.setter
    def children(self, policy: ChildPolicy) -> None:
        if policy not in CHILD_POLICIES:
            raise ValueError(f"children={policy!r}: choose one of {', '.join(CHILD_POLICIES)}")
        self.non_rows.children = policy

    # -- the engine's seam ------------------------------------------------------------
    def wrote(self, resource_id: str) -> None:
        """The engine wrote or deleted `resource_id`: its row is not trusted for a while."""
        self.write_log.wrote(resource_id)

    def observe(self, *, prune_scan: bool = True) -> Observation:
        """A full relist or a change-feed cycle; per-resource reads when Resource Graph fails."""
        started = self.clock()
        try:
            due = started - self._relisted_at >= self.resync_s
            if self._live is None or due or (prune_scan and not self._strays_known):
                return self._relist(started, prune_scan)
            try:
                return self._feed_cycle(started, prune_scan)
            except Exception as error:  # the feed failing (403, 429 past the budget, ...) is no verdict
                self.stats.feed_failures += 1
                log.warning("change feed unavailable (%s); full relist", why(error),
                            extra={"event": names.GRAPH_FEED_FAILED_EVENT, "phase": "observe"})
                return self._relist(started, prune_scan)
        except Exception as error:  # Resource Graph unusable: today's per-resource reads
            self.stats.fallbacks += 1
            self.stats.last = "per-resource"
            self._live = None
            log.warning("Resource Graph unavailable (%s); reading every resource from ARM", why(error),
                        extra={"event": names.GRAPH_FALLBACK_EVENT, "phase": "observe"})
            return self.reads.observe(list(self.desired.resources), prune_scan=prune_scan)
        finally:
            self._last_started = started
            self.write_log.forget_before(min(started, self._cursor or started) - self.overlap_s - self.staleness_s)

    def _observation(self, live: Mapping[str, Live], errors: Mapping[str, Failure], prune_scan: bool) -> Observation:
        return Observation(
            live={a: live[a] for a in self.desired.resources if a in live},
            errors=dict(errors),
            strays=list(self._strays.values()) if prune_scan and self.ownership.scans else [],
        )

    # -- full relist ----------------------------------------------------------------
    def _relist(self, started: float, prune_scan: bool) -> Observation:
        resources = self.desired.resources
        groups = sorted({r.resource_group.lower() for r in resources.values() if r.resource_group})
        # What needs no row starts first and runs while the queries do (issue 24): the child
        # lists, the other non-row reads, the rows of types without graph_row, the prune scan's id lists.
        children, others = self.non_rows.split()
        pool = self.reads.pool()
        listings = self.non_rows.start_lists(children)
        rowless = self.non_rows.rowless()
        others_read = self.non_rows.start_reads(others + rowless)
        id_lists = self.non_rows.start_id_lists(listings) if prune_scan and self.ownership.scans else {}
        rows = relist_rows(self.graph, pool, self._subscriptions, groups)
        recent = self.write_log.since(started - self.staleness_s)
        provisional: dict[str, Live] = {}
        candidates: list[str] = []
        to_read: list[str] = []
        for address, resource in resources.items():
            rid = resource.id.lower()
            if not self.non_rows.in_rows(resource) or address in self.desired.named_later:
                continue  # a child or an extension resource: not a row; or read with its name's source
            found_row = rows.get(rid)
            row_live = row_body(found_row) if found_row is not None else None
            if row_live is not None and unreadable(row_live, resource.id) is None:
                provisional[address] = row_live
                if rid not in recent and self.non_rows.row_comparable(resource.type, resource.api_version):
                    candidates.append(address)
                    continue
            if address not in rowless:
                to_read.append(address)
        live: dict[str, Live] = {}
        for address in candidates:
            resource = resources[address]
            # A reference not known from the rows would be left out of the comparison: read it.
            known = address not in self._refers or not has_unknown(resolve_refs(resource.body, provisional, strict=False))
            if known and self.planner.plan_one(resource, provisional).action == "noop":
                live[address] = provisional[address]
            else:
                to_read.append(address)  # a drift candidate: confirmed with fresh data
        trusted = len(live)
        self.stats.rows_trusted += trusted
        errors: dict[str, Failure] = {}
        self.non_rows.read_from_arm(to_read, live, errors)
        self.non_rows.collect(others_read, live, errors, listings)
        self.non_rows.finish_lists(listings, live, errors)
        if prune_scan and self.ownership.scans:
            strays = self._row_strays(rows)
            if self.ownership.list_children is not None:
                strays.update({k: v for k, v in self._child_strays(listings, live, errors, id_lists=id_lists).items()
                               if k not in strays})
            self._strays, self._strays_known = strays, True
        self._live, self._errors = dict(live), dict(errors)
        self._relisted_at = self._cursor = started
        self.stats.relists += 1
        self.stats.last = "relist"
        log.info("observed through Resource Graph: %d rows, %d trusted, %d read from ARM, %d child lists",
                 len(rows), trusted, len(to_read) + len(others), len(listings),
                 extra={"event": names.GRAPH_RELIST_EVENT, "phase": "observe"})
        return self._observation(live, errors, prune_scan)

    def _row_strays(self, rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Stray]:
        """Undesired top-level rows of the environment's groups that show our ownership tags: prune
        candidates only (a row lags ARM and its tags may be gone; the planner's fresh GET decides)."""
        prune_groups = {g.lower() for g in self.ownership.prune_groups()}
        listed: list[tuple[str, str, Mapping[str, str] | None]] = []
        for row in rows.values():
            match = ROW_ID.match(str(row.get("id", "")))
            if match is None or match.group(3) is None or str(row.get("resourceGroup", "")).lower() not in prune_groups:
                continue
            tags = row.get("tags") if isinstance(row.get("tags"), dict) else None
            listed.append((str(row["id"]), self.ownership.type_name(str(row.get("type", ""))), tags))
        strays = self.ownership.strays_among(listed, self.desired.ids())
        return {rid.lower(): (rid, rtype) for rid, rtype in strays}

    def _child_strays(
        self, listings: Listings, live: Mapping[str, Live], errors: Mapping[str, Failure], *, only_listed: bool = False,
        id_lists: Mapping[tuple[str, str], Future[list[Stray]]] | None = None,
    ) -> dict[str, Stray]:
        """Undesired children found by the child lists, under parents whose ownership is proven."""
        return self.ownership.listed_child_strays(
            {key: result_of(future) for key, (_members, future) in listings.items()},
            live, [a for a in self.desired.resources if a not in errors], only_listed=only_listed, id_lists=id_lists,
        )

    # -- change-feed cycle ------------------------------------------------------------
    def _feed_cycle(self, started: float, prune_scan: bool) -> Observation:
        assert self._live is not None
        resources = self.desired.resources
        groups = sorted({r.resource_group.lower() for r in resources.values() if r.resource_group})
        since = self._cursor - self.overlap_s
        changed: dict[str, tuple[str, str, str]] = {}
        for subscription in self._subscriptions:
            query = (
                "resourcechanges\n"
                f"| where subscriptionId =~ {kql_string(subscription)} and resourceGroup in~ {kql_list(groups)}\n"
                "| extend changeTime = todatetime(properties.changeAttributes.timestamp)\n"
                f"| where changeTime > datetime({iso(since)})\n"
                "| order by changeTime asc"
            )
            for row in self.graph.rows(query):
                record = str(row.get("id") or "")
                raw = row.get("properties")
                props: dict[str, Any] = raw if isinstance(raw, dict) else {}
                target = str(props.get("targetResourceId") or "")
                if not target or (record and record in self._seen):
                    continue
                if record:
                    self._seen[record] = started
                changed[target.lower()] = (target, str(props.get("targetResourceType") or ""),
                                           str(props.get("changeType") or ""))
        self._seen = {k: v for k, v in self._seen.items() if v >= since - self.overlap_s}
        self.non_rows.seen = {k: v for k, v in self.non_rows.seen.items() if v >= since - self.overlap_s}
        written = self.write_log.since(self._last_started - self.staleness_s)
        touched = set(changed) | written
        children, others = self.non_rows.changed(since, started, touched, self._live, self._errors)
        non_rows = self.non_rows.addresses() if self.children != "relist" else set()
        to_read = [
            a for a, r in resources.items()
            if a not in non_rows and (a in self._errors or a not in self._live or under(r.id.lower(), touched))
        ]
        live = dict(self._live)
        errors = {a: e for a, e in self._errors.items() if a not in to_read and a not in non_rows}
        listings = self.non_rows.read(children, others + to_read, live, errors)
        if prune_scan and self.ownership.scans:
            self._feed_strays(changed, written)
            if listings and self.ownership.list_children is not None:
                # Children are not in the feed: the strays of the parents listed this cycle come
                # from their lists; the others' are kept from before.
                listed = {(t, parent) for t, parent in listings}
                self._strays = {k: v for k, v in self._strays.items()
                                if (v[1].lower(), k.rsplit("/", 2)[0]) not in listed}
                for rid, stray in self._child_strays(listings, live, errors, only_listed=True).items():
                    self._strays.setdefault(rid, stray)
        self._live, self._errors = live, errors
        self._cursor = started
        self.stats.feed_cycles += 1
        self.stats.last = "feed"
        log.info("observed through the change feed: %d changed, %d read from ARM, %d child lists", len(changed),
                 len(to_read) + len(others), len(listings),
                 extra={"event": names.GRAPH_FEED_EVENT, "phase": "observe"})
        return self._observation(live, errors, prune_scan)

    def _feed_strays(self, changed: Mapping[str, tuple[str, str, str]], written: set[str]) -> None:
        """Strays known from the last cycle, re-checked where they changed; new top-level ones
        the feed reports (created or tagged out of band) checked with a GET (`Ownership.condemn`)."""
        desired = self.desired.ids()
        prune_groups = {g.lower() for g in self.ownership.prune_groups()}
        for rid in [k for k in self._strays if k in changed or k in written]:
            rid_, rtype = self._strays.pop(rid)
            if self.ownership.condemn(rid_, rtype) is None:
                self._strays[rid] = (rid_, self.ownership.type_name(rtype))
        for rid, (target, rtype, change_type) in changed.items():
            match = ROW_ID.match(target)
            if rid in desired or rid in self._strays or match is None or match.group(3) is None:
                continue
            if match.group(2).lower() not in prune_groups or change_type.lower() == "delete" or not rtype:
                continue
            self.stats.arm_reads_asked += 1
            if self.ownership.condemn(target, rtype) is None:
                self._strays[rid] = (target, self.ownership.type_name(rtype))


def relist_rows(graph: GraphQuery, pool: Any, subscriptions: list[str], groups: list[str]) -> dict[str, dict[str, Any]]:
    """Every row of the environment's groups by lower-cased id: the `resourcecontainers` and
    `resources` queries of each subscription, side by side in the read pool."""
    queries = []
    for subscription in subscriptions:
        scope = f"where subscriptionId =~ {kql_string(subscription)} and resourceGroup in~ {kql_list(groups)}"
        project = "project " + ", ".join(ROW_COLUMNS)
        for table in ("resourcecontainers", "resources"):
            queries.append(pool.submit(graph.rows, f"{table}\n| {scope}\n| {project}\n| order by id asc"))
    rows: dict[str, dict[str, Any]] = {}
    for query in queries:
        for row in query.result():
            if isinstance(row.get("id"), str):
                rows[row["id"].lower()] = row
    return rows
