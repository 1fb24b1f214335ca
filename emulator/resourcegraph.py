"""Resource Graph: ``POST /providers/Microsoft.ResourceGraph/resources``.

Request and response shapes are those of the REST spec (Azure/azure-rest-api-specs,
``specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2021-03-01/resourcegraph.json``:
``QueryRequest`` {subscriptions, query, options {$skipToken, $top, $skip, resultFormat}};
``QueryResponse`` {totalRecords, count, resultTruncated, $skipToken, data, facets}).

Tables: ``resources``, ``resourcecontainers``, ``authorizationresources``
(``emulator/graph_tables.py``) and ``resourcechanges``, whose rows are shaped as Microsoft Learn's
"Get resource changes" shows them (``properties.targetResourceId``, ``changeType``,
``changeAttributes``, ``changes``). The KQL understood is the subset of ``emulator/kql.py``, e.g.::

    resources
    | where subscriptionId =~ 'SUB' and resourceGroup in~ ('rg-a', 'rg-b')
    | where type in~ ('microsoft.network/virtualnetworks') and tags['managed-by'] =~ 'reconciler'
    | project id, name, type, location, resourceGroup, tags, properties
    | order by id asc

    resourcechanges
    | extend targetResourceId = tostring(properties.targetResourceId),
             changeTime = todatetime(properties.changeAttributes.timestamp)
    | where subscriptionId =~ 'SUB' and resourceGroup in~ ('rg-a') and changeTime > datetime(2026-11-29T10:00:00Z)
    | order by changeTime desc
    | project targetResourceId, changeTime, properties

Paging (Microsoft Learn, "Working with large Azure resource data sets" and "Guidance for
pagination", https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data):
``$top`` defaults to 1000 and at most 1000 rows are answered at a time; a longer result carries a
``$skipToken`` for the rest, unless paging is impossible because the query has ``limit``/``take``
or every output column is ``dynamic``: then ``resultTruncated`` is ``"true"`` and there is no
``$skipToken``.

``resourcechanges`` has rows only for the types Change Analysis tracks: those of the ``resources``
and ``resourcecontainers`` tables (Microsoft Learn, "Change Analysis", Supported resource types,
https://learn.microsoft.com/azure/governance/resource-graph/changes/resource-graph-changes).
Azure serves changes of resource groups in ``resourcecontainerchanges`` (served too); the emulator
keeps them in ``resourcechanges`` as well (its callers relied on it before the tables existed).
``FaultConfig.graph_changes_all_types`` (``RECONCILER_EMULATOR_GRAPH_CHANGES_ALL_TYPES=1``) brings
back a row for every write, child types included: not Azure, for callers that still expect it.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from emulator import bodies, changes, graph_tables, graph_types, kql
from emulator.errors import ArmError
from emulator.exchange import strict_json
from emulator.faults import FaultConfig
from emulator.graph_quota import GraphQuota

_MAX_TOP = 1000
_RG_TYPE = "microsoft.resources/resourcegroups"
_DEFAULT_TOP = 1000
TABLES = (*graph_tables.TABLES, "resourcechanges", "resourcecontainerchanges")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def change_row(row: changes.ChangeRow) -> dict[str, Any]:
    """One ``resourcechanges`` row (the ``Microsoft.Resources/changes`` extension resource)."""
    props = changes.property_changes(row.before, row.after)
    return {
        "id": f"{row.target_id}/providers/Microsoft.Resources/changes/{row.change_id}",
        "name": row.change_id,
        "type": "microsoft.resources/changes",
        "tenantId": bodies.EMULATOR_TENANT_ID,
        "kind": "",
        "location": "",
        "resourceGroup": row.rg,
        "subscriptionId": row.sub,
        "managedBy": "",
        "properties": {
            "targetResourceId": row.target_id,
            "targetResourceType": row.target_type,
            "changeType": row.change_type,
            "changeAttributes": {
                "correlationId": row.correlation_id,
                "changedByType": row.changed_by_type,
                "changesCount": len(props),
                "clientType": row.client_type,
                "changedBy": row.changed_by,
                "operation": row.operation,
                "timestamp": _iso(row.at),
            },
            "changes": props,
        },
    }


def _tracked(row: changes.ChangeRow) -> bool:
    """Whether Change Analysis tracks the target's type (a row of `resources` or `resourcecontainers`)."""
    table = graph_types.table_of(row.target_type, graph_tables.row_kind(row.target_id, row.target_type))
    return table in ("resources", "resourcecontainers")


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _whole(value: Any, least: int) -> int | None:
    """`value` when it is a whole number (JSON int, or a float without fraction) >= `least`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value) if value >= least else None


def _offset(options: Mapping[str, Any]) -> int:
    token = options.get("$skipToken")
    if token:
        try:
            value = strict_json(base64.urlsafe_b64decode(str(token).encode()))
            offset = _whole(value.get("offset") if isinstance(value, dict) else None, 0)
        except (ValueError, UnicodeEncodeError):
            offset = None
        if offset is None:
            raise ArmError(400, "BadRequest", "options.$skipToken is not a token this service issued; "
                           "send back the $skipToken of the previous page unchanged.")
        return offset
    skip = _whole(options.get("$skip") or 0, 0)
    if skip is None:
        raise ArmError(400, "BadRequest", "options.$skip must be a whole number of rows to skip.")
    return skip


def answer(
    conn: sqlite3.Connection,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    now: float,
    config: changes.ChangeFeedConfig,
    faults: FaultConfig,
    quota: GraphQuota,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The QueryResponse of one POST and its headers (the caller's quota); errors carry the headers too."""
    limits = quota.spend(changes.caller_of(headers).claims)
    try:
        return _answer(conn, body, now=now, config=config, faults=faults), limits
    except ArmError as err:
        err.headers.update(limits)
        raise


def _answer(
    conn: sqlite3.Connection, body: bytes | None, *, now: float, config: changes.ChangeFeedConfig, faults: FaultConfig
) -> dict[str, Any]:
    try:
        request = strict_json(body or b"")
    except ValueError as err:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid: {err}.") from err
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise ArmError(400, "InvalidRequestContent", "The request content must have a 'query' string.")
    subs = request.get("subscriptions") or []
    if not isinstance(subs, list) or not subs or not all(isinstance(s, str) and s for s in subs):
        raise ArmError(400, "BadRequest", "Please provide 'subscriptions' (the emulator has no management groups).")
    for sub in subs:
        config.check_allowed("resourcegraph", "Microsoft.ResourceGraph/resources/read", f"/subscriptions/{sub}")
    options = request.get("options") or {}
    if not isinstance(options, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content's 'options' must be a JSON object.")
    top = _whole(options.get("$top") or _DEFAULT_TOP, 1)
    if top is None:
        raise ArmError(400, "BadRequest", "options.$top must be a whole number of rows, at most 1000.")
    top = min(top, _MAX_TOP)
    skip = _offset(options)
    query = kql.parse(request["query"], TABLES)
    # One staleness for every table: the larger of Resource Graph's and the change feed's delays.
    delay = max(config.delay_seconds, faults.graph_staleness_seconds)
    rows: list[Mapping[str, Any]]
    if query.table in ("resourcechanges", "resourcecontainerchanges"):
        containers = query.table == "resourcecontainerchanges"
        rows = [
            {**change_row(r), "__seq": r.seq}
            for sub in subs
            for r in changes.visible(conn, str(sub), now=now, delay=delay)
            if (r.target_type == _RG_TYPE if containers else faults.graph_changes_all_types or _tracked(r))
        ]
    else:
        rows = graph_tables.rows(conn, query.table, [str(s) for s in subs], query.prefilter(), now=now, staleness=delay)
    result = query.run(rows, graph_tables.COLUMNS)
    columns = query.output_columns(graph_tables.COLUMNS)
    page = result[skip : skip + top]
    more = skip + top < len(result)
    pageable = not query.limited and not all(c in graph_tables.DYNAMIC for c in columns)
    response: dict[str, Any] = {
        "totalRecords": len(result),
        "count": len(page),
        "resultTruncated": "true" if more and not pageable else "false",
        "data": [kql.materialise(r, columns) for r in page],
        "facets": [],
    }
    if more and pageable:
        response["$skipToken"] = _token(skip + top)
    return response
