"""Resource Graph's ``resources``, ``resourcecontainers`` and ``authorizationresources`` tables,
built from the emulator's store.

A row has the columns Microsoft Learn lists for these tables ("Understanding the Azure Resource
Graph query language", https://learn.microsoft.com/azure/governance/resource-graph/concepts/query-language,
and the starter samples): ``id, name, type, tenantId, kind, location, resourceGroup, subscriptionId,
managedBy, sku, plan, properties, tags, identity, zones, extendedLocation``. It differs from the GET
body: ``type`` is lower-cased, ``location`` lower-case without spaces, ``resourceGroup`` lower-cased,
``tenantId``/``subscriptionId``/``resourceGroup`` are added, and ``etag``/``systemData`` are absent.
Which types are rows of which table: ``emulator/graph_types.py``.

Staleness: Resource Graph is fed by change notifications and is behind ARM by seconds to
minutes. With ``staleness`` N, a table is the store as it stood N seconds ago: the store now,
with every write of the last N seconds rolled back from the ``changes`` record
(``emulator/changes.py``) -- the body before the oldest such write of a resource, or no row when
that write created it. Limitations: resources removed with their parent (a group's delete) are not
recorded one by one, so they are not restored during the window; children inlined in a parent's
properties (a VNet's subnets) are read as they are now.

Speed: rows are read with one SQL statement narrowed by the query's leading ``where`` clauses
(subscription, group, type, id, a tag's value); a row's body is decoded only when a clause,
an ordering or the page being answered reads a body column.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from emulator import bodies, graph_types, kql
from emulator.store import Store
from emulator.types import TYPES

COLUMNS = (
    "id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
    "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation",
)
#: Columns of KQL type `dynamic` (objects/arrays): a result made only of these cannot be paged.
DYNAMIC = frozenset({"sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"})
_BODY_COLUMNS = frozenset({"kind", "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"})
TABLES = ("resources", "resourcecontainers", "authorizationresources")
_SUBSCRIPTION_NAME = "Emulated subscription"
_RG_STORE_TYPE = "microsoft.resources/resourcegroups"
_AUTH_TYPES = ("microsoft.authorization/roleassignments", "microsoft.authorization/roledefinitions")


@dataclass
class _Stored:
    key: str
    id: str
    sub: str
    rg: str
    type: str
    kind: str
    body: str
    loc: str
    seq: int


class GraphRow(Mapping[str, Any]):
    """One table row; the body columns are decoded on first read."""

    __slots__ = ("_body", "_conn", "_fixed", "_stored")

    def __init__(self, fixed: dict[str, Any], stored: _Stored | None, conn: sqlite3.Connection) -> None:
        self._fixed = fixed
        self._stored = stored
        self._conn = conn
        self._body: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if key in self._fixed:
            return self._fixed[key]
        if key in _BODY_COLUMNS:
            return self._decoded()[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(COLUMNS)

    def __len__(self) -> int:
        return len(COLUMNS)

    def _decoded(self) -> dict[str, Any]:
        if self._body is None:
            body: dict[str, Any] = json.loads(self._stored.body) if self._stored is not None else {}
            if self._stored is not None:
                _embed_children(self._conn, self._stored, body)
            self._body = {
                "kind": body.get("kind") or "",
                "managedBy": body.get("managedBy") or "",
                "sku": body.get("sku"),
                "plan": body.get("plan"),
                "properties": body.get("properties") or {},
                "tags": body.get("tags") or {},
                "identity": body.get("identity"),
                "zones": body.get("zones"),
                "extendedLocation": body.get("extendedLocation"),
            }
        return self._body


def _embed_children(conn: sqlite3.Connection, row: _Stored, body: dict[str, Any]) -> None:
    """Inline children the GET body carries (a VNet's subnets): Resource Graph's properties are GET's."""
    behaviour = TYPES.get(row.type)
    if behaviour is None or not behaviour.embedded:
        return
    for list_path, child_type in behaviour.embedded:
        items = [json.loads(child.body) for child in Store.children(conn, row.key, child_type)
                 if child.busy_kind not in ("delete",)]
        bodies.set_path(body, list_path, items)


def row_kind(resource_id: str, type_key: str) -> str:
    """The store's rg/top/child/ext for an id known only from the change record."""
    low = resource_id.lower()
    if type_key == _RG_STORE_TYPE:
        return "rg"
    if low.count("/providers/") > 1 or (low.count("/providers/") == 1 and "/resourcegroups/" not in low
                                        and not low.startswith("/subscriptions/")):
        return "ext"
    return "top" if type_key.count("/") == 1 else "child"


def _scope_of(resource_id: str) -> tuple[str, str]:
    segs = resource_id.strip("/").split("/")
    sub = segs[1].lower() if len(segs) > 1 and segs[0].lower() == "subscriptions" else ""
    rg = segs[3].lower() if len(segs) > 3 and segs[2].lower() == "resourcegroups" else ""
    return sub, rg


def _sql_filter(table: str, clauses: list[kql.Clause]) -> tuple[str, list[Any]]:
    """SQL conditions implied by the query's leading where clauses (a superset of the rows they keep)."""
    sql: list[str] = []
    args: list[Any] = []
    columns = {"subscriptionId": "sub", "resourceGroup": "rg", "id": "key"}
    if table != "resourcecontainers":
        columns["type"] = "type"
    for clause in clauses:
        operand = clause.operand
        if clause.op not in ("=~", "==", "in~", "in"):
            continue
        if not operand.path and operand.column in columns and len(clause.values) <= 500:
            values = sorted({v.lower() for v in clause.values})
            sql.append(f"{columns[operand.column]} IN ({','.join('?' * len(values))})")
            args.extend(values)
        elif operand.column == "tags" and len(operand.path) == 1 and clause.op in ("=~", "==") \
                and '"' not in operand.path[0] and clause.values[0].isascii():
            # SQLite's lower() folds ASCII only: a non-ASCII value is left to the Python evaluation.
            sql.append("lower(json_extract(body, ?)) = ?")
            args.extend((f'$.tags."{operand.path[0]}"', clause.values[0].lower()))
    return "".join(f" AND {s}" for s in sql), args


def _stored_rows(
    conn: sqlite3.Connection, table: str, subs: list[str], clauses: list[kql.Clause], now: float
) -> list[_Stored]:
    marks = ",".join("?" * len(subs))
    where = f"sub IN ({marks}) AND NOT (busy_kind = 'delete' AND busy_until <= ?)"
    args: list[Any] = [*subs, now]
    if table == "resourcecontainers":
        where += " AND kind = 'rg'"
    elif table == "authorizationresources":
        where += f" AND type IN ({','.join('?' * len(_AUTH_TYPES))})"
        args.extend(_AUTH_TYPES)
    else:
        where += " AND kind != 'rg'"
    extra, extra_args = _sql_filter(table, clauses)
    found = conn.execute(
        f"SELECT key, id, sub, rg, type, kind, body, loc, seq FROM resources WHERE {where}{extra} ORDER BY seq, key",
        [*args, *extra_args],
    )
    return [_Stored(*r) for r in found.fetchall()]


def _rolled_back(conn: sqlite3.Connection, subs: list[str], cutoff: float) -> dict[str, tuple[str, str, str | None, int]]:
    """key -> (id, type, body before the oldest write after `cutoff` or None, seq) for every resource written since."""
    marks = ",".join("?" * len(subs))
    try:
        found = conn.execute(
            f"SELECT target_key, target_id, target_type, before, seq FROM changes WHERE sub IN ({marks}) AND at > ? "
            "ORDER BY seq",
            [*subs, cutoff],
        ).fetchall()
    except sqlite3.OperationalError:
        return {}  # a state file from before the changes table
    out: dict[str, tuple[str, str, str | None, int]] = {}
    for key, resource_id, type_key, before, seq in found:
        out.setdefault(key, (resource_id, type_key, before, seq))
    return out


def rows(
    conn: sqlite3.Connection,
    table: str,
    subs: list[str],
    clauses: list[kql.Clause],
    *,
    now: float,
    staleness: float,
) -> list[Mapping[str, Any]]:
    """The rows of `table` in the subscriptions `subs` as Resource Graph shows them at `now`."""
    subs = sorted({s.lower() for s in subs})
    stored = _stored_rows(conn, table, subs, clauses, now)
    if staleness > 0:
        rolled = _rolled_back(conn, subs, now - staleness)
        kept = [r for r in stored if r.key not in rolled]
        # Every resource written since the cutoff comes back as it was then (the query's clauses and
        # the table's types filter it like any other row); one created since is not there yet.
        for key, (resource_id, type_key, before, seq) in rolled.items():
            if before is None:
                continue
            body = json.loads(before)
            sub, rg = _scope_of(resource_id)
            loc = bodies.normalise_location(body["location"]) if isinstance(body.get("location"), str) else ""
            kept.append(_Stored(key, resource_id, sub, rg, type_key, row_kind(resource_id, type_key), before, loc, seq))
        kept.sort(key=lambda r: (r.seq, r.key))
        stored = kept
    out: list[Mapping[str, Any]] = []
    if table == "resourcecontainers":
        out.extend(_subscription_row(sub, conn) for sub in subs)
    for row in stored:
        if graph_types.table_of(row.type, row.kind) != table:
            continue
        out.append(_row(row, table, conn))
    return out


def _row(row: _Stored, table: str, conn: sqlite3.Connection) -> GraphRow:
    type_key = graph_types.RESOURCE_GROUP_TYPE if table == "resourcecontainers" else row.type
    name = row.id.rstrip("/").rsplit("/", 1)[-1]
    fixed = {
        "id": row.id,
        "name": name,
        "type": type_key,
        "tenantId": bodies.EMULATOR_TENANT_ID,
        "location": row.loc.replace(" ", "").lower(),
        "resourceGroup": name.lower() if table == "resourcecontainers" else row.rg,
        "subscriptionId": row.sub,
    }
    return GraphRow(fixed, row, conn)


def _subscription_row(sub: str, conn: sqlite3.Connection) -> GraphRow:
    fixed: dict[str, Any] = {
        "id": f"/subscriptions/{sub}",
        "name": _SUBSCRIPTION_NAME,
        "type": graph_types.SUBSCRIPTION_TYPE,
        "tenantId": bodies.EMULATOR_TENANT_ID,
        "kind": "",
        "location": "",
        "resourceGroup": "",
        "subscriptionId": sub,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": {
            "state": "Enabled",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                     "spendingLimit": "Off"},
            "managementGroupAncestorsChain": [],
        },
        "tags": {},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
    }
    return GraphRow(fixed, None, conn)
