"""Observe through Resource Graph and its change feed: a large estate costs a few queries, not the
subscription's ARM read budget.

Modes (``--observe``): ``per-resource`` reads every desired resource from ARM (GETs and sibling
lists, ``Engine.observe``); ``graph`` uses this module; ``auto`` (the default) picks ``graph``
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
(``Engine.observe`` on just those addresses): a type whose row cannot show what is compared, a
row that plans a change (a drift candidate, confirmed with fresh data), a missing row (deleted,
or not visible yet), and anything we wrote within the staleness window (``WriteLog``: a stale
row must never read as drift). Children (subnets, queues, blob containers, ...) are not rows:
each (parent, child type) is read with one list call that also gives the child prune scan. The
prune scan of top-level resources comes from the same rows (owned, undesired rows of the
environment's groups; any we touched recently are confirmed with a GET).

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
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from adapters.arm_id import checked_id
from adapters.paging import sdk_items
from adapters.siblings import SiblingListing, listable
from desired_state.tags import is_owned
from reconciler.engine.graph_query import GraphQuery, activity_log_endpoint, kql_list, kql_string
from reconciler.engine.live_shape import unreadable
from reconciler.engine.resolve import has_unknown, resolve_refs
from reconciler.engine.write_log import WriteLog

if TYPE_CHECKING:
    from reconciler.engine.engine import Engine, Live, Observation

log = logging.getLogger("reconciler.graph_observe")

ObserveMode = Literal["per-resource", "graph", "auto"]
#: How a change-feed cycle finds changed children, which `resourcechanges` does not report:
#: `activity-log` asks the subscription's Activity Log for the cycle's writes (one request; it
#: records every control-plane write, children included) and re-reads only those; when it cannot
#: be read, every child is re-listed that cycle. `every-cycle` always re-lists every parent's
#: children (one list per parent). `relist` leaves them to the next full relist.
ChildPolicy = Literal["activity-log", "every-cycle", "relist"]
CHILD_POLICIES: tuple[str, ...] = ("activity-log", "every-cycle", "relist")
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
#: A resource group, or a top-level resource in one: the ids that are Resource Graph rows.
_ROW_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)(/providers/[^/]+/[^/]+/[^/]+)?$", re.IGNORECASE)


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
        self.engine = engine
        self.write_log = write_log if write_log is not None else WriteLog()
        self.staleness_s = staleness_s
        self.resync_s = resync_s
        self.overlap_s = overlap_s if overlap_s is not None else staleness_s + OVERLAP_MARGIN_S
        #: How change-feed cycles find changed children (and other resources that are not rows),
        #: which `resourcechanges` does not report: see `ChildPolicy`.
        if children not in CHILD_POLICIES:
            raise ValueError(f"children={children!r}: choose one of {', '.join(CHILD_POLICIES)}")
        self.children: ChildPolicy = children
        self.clock = clock
        self.stats = GraphStats()
        self._subscriptions = sorted({m.group(1).lower() for r in engine.resources.values()
                                      if (m := _ROW_ID.match(r.id)) is not None})
        self.clients = clients
        self.graph = GraphQuery(clients, self._subscriptions)
        self._live: dict[str, Live] | None = None
        self._errors: dict[str, str] = {}
        self._strays: dict[str, tuple[str, str]] = {}
        self._strays_known = False
        self._relisted_at = 0.0
        self._cursor = 0.0
        self._last_started = 0.0
        self._seen: dict[str, float] = {}
        self._non_row_split: tuple[dict[tuple[str, str], list[str]], list[str]] | None = None
        #: Addresses whose desired body holds references to live values.
        self._refers = {a for a, r in engine.resources.items() if "{ref:" in json.dumps(r.body, default=str)}

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
                log.warning("change feed unavailable (%s); full relist", _why(error),
                            extra={"event": "ReconcilerGraphFeedFailed", "phase": "observe"})
                return self._relist(started, prune_scan)
        except Exception as error:  # Resource Graph unusable: today's per-resource reads
            self.stats.fallbacks += 1
            self.stats.last = "per-resource"
            self._live = None
            log.warning("Resource Graph unavailable (%s); reading every resource from ARM", _why(error),
                        extra={"event": "ReconcilerGraphFallback", "phase": "observe"})
            return self.engine.observe(list(self.engine.resources), prune_scan=prune_scan)
        finally:
            self._last_started = started
            self.write_log.forget_before(min(started, self._cursor or started) - self.overlap_s - self.staleness_s)

    # -- full relist ----------------------------------------------------------------
    def _relist(self, started: float, prune_scan: bool) -> Observation:
        from reconciler.engine.engine import Observation

        engine = self.engine
        resources = engine.resources
        groups = sorted({r.resource_group.lower() for r in resources.values() if r.resource_group})
        prune_groups = {g.lower() for g in engine._prune_groups()}
        rows: dict[str, dict[str, Any]] = {}
        for subscription in self._subscriptions:
            scope = f"where subscriptionId =~ {kql_string(subscription)} and resourceGroup in~ {kql_list(groups)}"
            project = "project " + ", ".join(ROW_COLUMNS)
            for table in ("resourcecontainers", "resources"):
                for row in self.graph.rows(f"{table}\n| {scope}\n| {project}\n| order by id asc"):
                    if isinstance(row.get("id"), str):
                        rows[row["id"].lower()] = row
        recent = self.write_log.since(started - self.staleness_s)
        children, others = self._non_rows()
        provisional: dict[str, Live] = {}
        candidates: list[str] = []
        to_read: list[str] = []
        for address, resource in resources.items():
            rid = resource.id.lower()
            if _ROW_ID.match(resource.id) is None or address in engine.named_later:
                continue  # a child or an extension resource: not a row; or read with its name's source
            found_row = rows.get(rid)
            row_live = row_body(found_row) if found_row is not None else None
            if row_live is not None and unreadable(row_live) is None:
                provisional[address] = row_live
                if rid not in recent and self._row_comparable(resource.type, resource.api_version):
                    candidates.append(address)
                    continue
            to_read.append(address)
        live: dict[str, Live] = {}
        for address in candidates:
            resource = resources[address]
            # A reference not known from the rows would be left out of the comparison: read it.
            known = address not in self._refers or not has_unknown(resolve_refs(resource.body, provisional, strict=False))
            if known and engine.plan_one(resource, provisional).action == "noop":
                live[address] = provisional[address]
            else:
                to_read.append(address)  # a drift candidate: confirmed with fresh data
        trusted = len(live)
        self.stats.rows_trusted += trusted
        errors: dict[str, str] = {}
        listings = self._read_non_rows(children, others + to_read, live, errors)
        strays: dict[str, tuple[str, str]] = {}
        if prune_scan and engine.list_owned is not None:
            strays = self._row_strays(rows, prune_groups, recent)
            if engine.list_children is not None:
                strays.update({k: v for k, v in self._child_strays(listings, live, errors).items() if k not in strays})
            self._strays, self._strays_known = strays, True
        self._live, self._errors = dict(live), dict(errors)
        self._relisted_at = self._cursor = started
        self.stats.relists += 1
        self.stats.last = "relist"
        log.info("observed through Resource Graph: %d rows, %d trusted, %d read from ARM, %d child lists",
                 len(rows), trusted, len(to_read) + len(others), len(listings),
                 extra={"event": "ReconcilerGraphRelist", "phase": "observe"})
        return Observation(
            live={a: live[a] for a in resources if a in live},
            errors={a: e for a, e in errors.items()},
            strays=list(strays.values()) if prune_scan and engine.list_owned is not None else [],
        )

    def _non_rows(self) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
        """Desired resources that are not Resource Graph rows: children of a listable type by
        (type, parent), read with one list each; the rest (extension resources, children with no
        list), read one by one."""
        if self._non_row_split is None:
            children: dict[tuple[str, str], list[str]] = {}
            others: list[str] = []
            for address, resource in self.engine.resources.items():
                if address in self.engine.named_later:
                    # named after a live value (reconciler/engine/live_names.py): the engine
                    # settles its name from its source, then reads it (GET)
                    others.append(address)
                    continue
                if _ROW_ID.match(resource.id) is not None:
                    continue
                parent = resource.id.lower().rsplit("/", 2)[0]
                if listable(resource.type) and "/providers/" in parent:
                    children.setdefault((resource.type.lower(), parent), []).append(address)
                else:
                    others.append(address)
            self._non_row_split = (children, others)
        return self._non_row_split

    def _read_non_rows(
        self,
        children: Mapping[tuple[str, str], list[str]],
        singles: list[str],
        live: dict[str, Live],
        errors: dict[str, str],
    ) -> dict[tuple[str, str], tuple[list[str], Future[SiblingListing | None]]]:
        """The child lists (in the read pool) and `singles` (GETs and sibling lists, meanwhile);
        members a list did not show and cannot rule out are read on their own."""
        resources = self.engine.resources
        listings = self._list_children(children)
        self._read(singles, live, errors)
        unread: list[str] = []
        for members, future in listings.values():
            listing = _result(future)
            if listing is None:
                unread.extend(members)
                continue
            for address in members:
                body = listing.bodies.get(resources[address].id.lower())
                if (body is None and not listing.complete) or (body is not None and unreadable(body) is not None):
                    unread.append(address)
                else:
                    errors.pop(address, None)
                    live[address] = body
        self._read(unread, live, errors)
        return listings

    def _row_comparable(self, arm_type: str, api_version: str | None) -> bool:
        try:
            entry = getattr(self.engine.adapters.for_type(arm_type, api_version), "entry", None)
        except Exception:  # an unknown type is read (and reported) by ARM
            return False
        return bool(getattr(entry, "graph_row", False))

    def _list_children(
        self, children: Mapping[tuple[str, str], list[str]]
    ) -> dict[tuple[str, str], tuple[list[str], Future[SiblingListing | None]]]:
        """One list call per (child type, parent), in the engine's read pool."""
        pool = self.engine._observe_pool()
        out: dict[tuple[str, str], tuple[list[str], Future[SiblingListing | None]]] = {}
        for key, members in children.items():
            first = self.engine.resources[members[0]]
            adapter: Any = self.engine._adapter(first)
            lister = getattr(adapter, "list_siblings", None)
            if callable(lister):
                out[key] = (members, pool.submit(lister, first.id))
            else:
                done: Future[SiblingListing | None] = Future()
                done.set_result(None)
                out[key] = (members, done)
        self.stats.arm_reads_asked += len(out)
        return out

    def _read(self, addresses: list[str], live: dict[str, Live], errors: dict[str, str]) -> None:
        """Read `addresses` from ARM (GETs and sibling lists, `Engine.observe`) into `live`/`errors`."""
        if not addresses:
            return
        self.stats.arm_reads_asked += len(addresses)
        seen = self.engine.observe(addresses, prune_scan=False)
        for address in addresses:
            live.pop(address, None)
            errors.pop(address, None)
        live.update(seen.live)
        errors.update(seen.errors)

    def _row_strays(
        self, rows: Mapping[str, Mapping[str, Any]], prune_groups: set[str], recent: set[str]
    ) -> dict[str, tuple[str, str]]:
        """Owned, undesired top-level rows of the environment's groups; a row of something we
        touched within the staleness window is confirmed with a GET (we may just have deleted it)."""
        desired = {r.id.lower() for r in self.engine.resources.values()}
        found: dict[str, tuple[str, str]] = {}
        for rid, row in rows.items():
            match = _ROW_ID.match(str(row.get("id", "")))
            if match is None or match.group(3) is None or rid in desired:
                continue
            if str(row.get("resourceGroup", "")).lower() not in prune_groups:
                continue
            tags = row.get("tags") if isinstance(row.get("tags"), dict) else None
            if rid in recent or is_owned(tags, self.engine.environment):
                # A candidate stray: its id must be one (adapters/arm_id.py), else refused, never pruned.
                checked_id(str(row["id"]), source="a Resource Graph row", subscription=match.group(1),
                           arm_type=str(row.get("type", "")) or None)
            if rid in recent:
                confirmed = self._confirm_stray(str(row["id"]), str(row.get("type", "")))
                if confirmed is not None:
                    found[rid] = confirmed
            elif is_owned(tags, self.engine.environment):
                found[rid] = (str(row["id"]), self._type_name(str(row.get("type", ""))))
        return found

    def _confirm_stray(self, resource_id: str, arm_type: str) -> tuple[str, str] | None:
        """(id, type) when a GET shows the resource exists and carries our ownership tags."""
        try:
            body = self.engine.adapters.for_type(arm_type).read(resource_id)
        except Exception as error:  # unreadable: not pruned (no verdict)
            log.info("stray candidate %s not confirmed (%s)", resource_id, type(error).__name__)
            return None
        self.stats.arm_reads_asked += 1
        if body is None or not is_owned(body.get("tags"), self.engine.environment):
            return None
        return resource_id, self._type_name(arm_type)

    def _type_name(self, arm_type: str) -> str:
        """ARM's spelling of a lower-cased row type (as the per-resource prune scan reports it)."""
        try:
            entry = getattr(self.engine.adapters.for_type(arm_type), "entry", None)
        except Exception:
            return arm_type
        name = getattr(entry, "arm_type", None)
        return name if isinstance(name, str) and name.lower() == arm_type.lower() else arm_type

    def _child_strays(
        self,
        listings: Mapping[tuple[str, str], tuple[list[str], Future[SiblingListing | None]]],
        live: Mapping[str, Live],
        errors: Mapping[str, str],
        *,
        only_listed: bool = False,
    ) -> dict[str, tuple[str, str]]:
        """Undesired children found by the child lists, under parents whose ownership is proven
        (as `Engine._child_groups` decides); children of types with no list are listed as the
        per-resource prune scan lists them."""
        engine = self.engine
        desired = {r.id.lower() for r in engine.resources.values()}
        listed_groups = {
            (engine.resources[members[0]].type.lower(), parent)
            for (_t, parent), (members, future) in listings.items() if _result(future) is not None
        }
        found: dict[str, tuple[str, str]] = {}
        for group in engine._child_groups([a for a in engine.resources if a not in errors], live):
            parent_id, child_type, _segment, _api = group
            key = (child_type.lower(), parent_id.lower())
            if key in listed_groups:
                listing = _result(listings[key][1])
                assert listing is not None
                for rid, body in listing.bodies.items():
                    name = rid.rsplit("/", 1)[-1]
                    if rid not in desired and (child_type.lower(), name) not in _built_in():
                        found[rid] = (str(body.get("id", rid)), child_type)
            elif not only_listed:
                for rid, rtype in engine._child_strays(group, desired):
                    found.setdefault(rid.lower(), (rid, rtype))
        return found

    # -- change-feed cycle ------------------------------------------------------------
    def _feed_cycle(self, started: float, prune_scan: bool) -> Observation:
        from reconciler.engine.engine import Observation

        assert self._live is not None
        engine = self.engine
        resources = engine.resources
        groups = sorted({r.resource_group.lower() for r in resources.values() if r.resource_group})
        since = self._cursor - self.overlap_s
        changed: dict[str, tuple[str, str, str]] = {}
        for subscription in self._subscriptions:
            query = (
                "resourcechanges\n"
                f"| where subscriptionId =~ {kql_string(subscription)} and resourceGroup in~ {kql_list(groups)}\n"
                "| extend changeTime = todatetime(properties.changeAttributes.timestamp)\n"
                f"| where changeTime > datetime({_iso(since)})\n"
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
        written = self.write_log.since(self._last_started - self.staleness_s)
        touched = set(changed) | written
        children, others = self._changed_non_rows(since, started, touched)
        non_rows = self._non_row_addresses() if self.children != "relist" else set()
        to_read = [
            a for a, r in resources.items()
            if a not in non_rows and (a in self._errors or a not in self._live or _under(r.id.lower(), touched))
        ]
        live = dict(self._live)
        errors = {a: e for a, e in self._errors.items() if a not in to_read and a not in non_rows}
        listings = self._read_non_rows(children, others + to_read, live, errors)
        if prune_scan and engine.list_owned is not None:
            self._feed_strays(changed, written)
            if listings and engine.list_children is not None:
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
                 extra={"event": "ReconcilerGraphFeed", "phase": "observe"})
        return Observation(
            live={a: live[a] for a in resources if a in live},
            errors=dict(errors),
            strays=list(self._strays.values()) if prune_scan and engine.list_owned is not None else [],
        )

    def _non_row_addresses(self) -> set[str]:
        children, others = self._non_rows()
        return set(others) | {a for members in children.values() for a in members}

    def _changed_non_rows(
        self, since: float, started: float, touched: set[str]
    ) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
        """The child groups to re-list and other non-row resources to re-read this feed cycle."""
        all_children, all_others = self._non_rows()
        if self.children == "relist":
            return {}, [a for a in all_others if a in self.engine.named_later]
        if self.children == "activity-log":
            try:
                written = self._activity_log_writes(since, started)
            except Exception as error:  # no Activity Log: re-list every child this cycle
                self.stats.activity_log_failures += 1
                log.warning("Activity Log unavailable (%s); re-listing every child", _why(error),
                            extra={"event": "ReconcilerGraphActivityLogFailed", "phase": "observe"})
            else:
                assert self._live is not None
                ids = self.engine.resources
                touched = touched | written
                parents = {rid.rsplit("/", 2)[0] for rid in touched}  # a new child under a listed parent
                stale = set(self._errors) | {a for a in ids if a not in self._live}
                children = {
                    key: members for key, members in all_children.items()
                    if key[1] in parents or any(a in stale or _under(ids[a].id.lower(), touched) for a in members)
                }
                others = [a for a in all_others
                          if a in stale or a in self.engine.named_later or _under(ids[a].id.lower(), touched)]
                return children, others
        return dict(all_children), list(all_others)

    def _activity_log_writes(self, since: float, until: float) -> set[str]:
        """Lower-cased ids written or deleted (succeeded) in the subscription since `since`, from
        the Activity Log (``activity_logs.list``; Microsoft Learn, "Activity Logs - List": a
        ``$filter`` on ``eventTimestamp`` is required; every control-plane write is recorded,
        child resources included)."""
        client = self.clients.client("monitor")
        flt = f"eventTimestamp ge '{_iso(since)}' and eventTimestamp le '{_iso(until + 60.0)}'"
        self.stats.activity_log_queries += 1
        found: set[str] = set()
        for event in sdk_items(client.activity_logs.list(filter=flt), activity_log_endpoint((self._subscriptions or [''])[0])):
            key = "activitylog:" + str(getattr(event, "event_data_id", "") or "")
            status = getattr(getattr(event, "status", None), "value", "") or ""
            operation = getattr(getattr(event, "operation_name", None), "value", "") or ""
            if status.lower() != "succeeded" or not operation.lower().endswith(("/write", "/delete")):
                continue
            rid = str(getattr(event, "resource_id", "") or "").lower()
            if rid and key not in self._seen:
                found.add(rid)
                if key != "activitylog:":
                    self._seen[key] = until
        return found

    def _feed_strays(self, changed: Mapping[str, tuple[str, str, str]], written: set[str]) -> None:
        """Strays known from the last cycle, re-checked where they changed; new top-level ones
        the feed reports (created or tagged out of band) confirmed with a GET."""
        desired = {r.id.lower() for r in self.engine.resources.values()}
        prune_groups = {g.lower() for g in self.engine._prune_groups()}
        for rid in [k for k in self._strays if k in changed or k in written]:
            rid_, rtype = self._strays.pop(rid)
            confirmed = self._confirm_stray(rid_, rtype)
            if confirmed is not None:
                self._strays[rid] = confirmed
        for rid, (target, rtype, change_type) in changed.items():
            match = _ROW_ID.match(target)
            if rid in desired or rid in self._strays or match is None or match.group(3) is None:
                continue
            if match.group(2).lower() not in prune_groups or change_type.lower() == "delete" or not rtype:
                continue
            confirmed = self._confirm_stray(target, rtype)
            if confirmed is not None:
                self._strays[rid] = confirmed


def _under(rid: str, touched: set[str]) -> bool:
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


def _result(future: Future[SiblingListing | None]) -> SiblingListing | None:
    try:
        return future.result()
    except Exception as error:  # a failed list is no verdict: its members are read on their own
        log.info("child list failed (%s); reading each", type(error).__name__)
        return None


def _built_in() -> Iterable[tuple[str, str]]:
    from reconciler.engine.engine import BUILT_IN_CHILDREN

    return BUILT_IN_CHILDREN


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(max(0.0, epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _why(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    first = (str(error).splitlines() or [""])[0][:160]
    return f"{status or ''} {type(error).__name__}: {first}".strip()
