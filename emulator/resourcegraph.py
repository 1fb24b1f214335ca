"""Resource Graph's ``resourcechanges`` table: ``POST /providers/Microsoft.ResourceGraph/resources``.

Request and response shapes are those of the REST spec (Azure/azure-rest-api-specs,
``specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2021-03-01/resourcegraph.json``:
``QueryRequest`` {subscriptions, query, options {$skipToken, $top, $skip, resultFormat}};
``QueryResponse`` {totalRecords, count, resultTruncated, $skipToken, data, facets}); a change row is
shaped as Microsoft Learn's "Get resource changes" shows it (``properties.targetResourceId``,
``changeType``, ``changeAttributes``, ``changes``).

The KQL understood is the subset the reconciler sends, nothing more (anything else is 400
``BadRequest`` naming the stage)::

    resourcechanges
    | extend targetResourceId = tostring(properties.targetResourceId),
             changeTime = todatetime(properties.changeAttributes.timestamp)
    | where targetResourceId in~ ('ID1', 'ID2') and changeTime > datetime(2026-11-29T10:00:00Z)
    | order by changeTime desc
    | project targetResourceId, changeTime, properties
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from emulator import bodies, changes
from emulator.errors import ArmError

_MAX_TOP = 1000
_EXTEND = re.compile(r"^(\w+)\s*=\s*(tostring|todatetime)\(\s*([\w.]+)\s*\)$", re.IGNORECASE)
_IN = re.compile(r"^(\w+)\s+in~\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)
_CMP = re.compile(r"^(\w+)\s*(>=|<=|>|<)\s*datetime\(\s*([^)]+?)\s*\)$", re.IGNORECASE)
_EQ = re.compile(r"^(\w+)\s*(=~|==)\s*'((?:[^']|\\')*)'$", re.IGNORECASE)
_ORDER = re.compile(r"^order\s+by\s+(\w+)(?:\s+(asc|desc))?$", re.IGNORECASE)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _bad(stage: str, why: str) -> ArmError:
    return ArmError(400, "BadRequest", f"Please provide below info when asking for support: Query is invalid: "
                    f"{why} (stage '{stage.strip()[:120]}'). The emulator understands the resourcechanges "
                    "subset documented in emulator/resourcegraph.py.")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_time(text: str) -> float:
    value = text.strip().strip("'\"")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise _bad(text, f"'{value}' is not a datetime") from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


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


def _path(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _stages(query: str) -> list[str]:
    """Split on pipes outside string literals."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in query:
        if ch == "'":
            quoted = not quoted
        if ch == "|" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return [s.strip() for s in out]


def _split_and(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", text, flags=re.IGNORECASE)]


def run_query(query: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluate the supported KQL subset over ``resourcechanges`` rows."""
    stages = _stages(query)
    if stages[0].lower() != "resourcechanges":
        raise _bad(stages[0], "only the resourcechanges table is served")
    out = [dict(r) for r in rows]
    for stage in stages[1:]:
        verb, _, rest = stage.partition(" ")
        verb = verb.lower()
        if verb == "extend":
            for assignment in rest.split(","):
                match = _EXTEND.match(assignment.strip())
                if match is None:
                    raise _bad(stage, "extend supports name = tostring(path) or todatetime(path)")
                name, func, path = match.group(1), match.group(2).lower(), match.group(3)
                for r in out:
                    value = _path(r, path)
                    if func == "todatetime" and isinstance(value, str):
                        r[name] = value
                        r["__t_" + name] = _parse_time(value)
                    else:
                        r[name] = None if value is None else str(value)
        elif verb == "where":
            for clause in _split_and(rest):
                out = _where(stage, clause, out)
        elif verb == "order":
            match = _ORDER.match(stage)
            if match is None:
                raise _bad(stage, "order by supports one column, asc or desc")
            col, desc = match.group(1), (match.group(2) or "desc").lower() == "desc"
            # Ties (one millisecond) are broken by the order the writes were committed in.
            out.sort(key=lambda r: (_sort_value(r, col), r.get("__seq", 0)), reverse=desc)
        elif verb == "project":
            cols = [c.strip() for c in rest.split(",") if c.strip()]
            out = [{**{c: r.get(c) for c in cols}, **{k: v for k, v in r.items() if k.startswith("__")}} for r in out]
        elif verb in ("limit", "take"):
            try:
                out = out[: int(rest.strip())]
            except ValueError as err:
                raise _bad(stage, "limit needs a number") from err
        else:
            raise _bad(stage, f"operator '{verb}' is not supported")
    return [{k: v for k, v in r.items() if not k.startswith("__")} for r in out]


def _sort_value(row: dict[str, Any], col: str) -> Any:
    if "__t_" + col in row:
        return row["__t_" + col] or 0.0
    return str(row.get(col) or "")


def _where(stage: str, clause: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    match = _IN.match(clause)
    if match is not None:
        col = match.group(1)
        wanted = {s.lower() for s in _STRING.findall(match.group(2))}
        return [r for r in rows if str(r.get(col) or "").lower() in wanted]
    match = _CMP.match(clause)
    if match is not None:
        col, op, bound = match.group(1), match.group(2), _parse_time(match.group(3))
        compare = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}[op]
        return [r for r in rows if isinstance(r.get("__t_" + col), float) and compare(r["__t_" + col], bound)]
    match = _EQ.match(clause)
    if match is not None:
        col, op, value = match.group(1), match.group(2), match.group(3)
        if op == "=~":
            return [r for r in rows if str(r.get(col) or "").lower() == value.lower()]
        return [r for r in rows if str(r.get(col) or "") == value]
    raise _bad(stage, f"where clause '{clause}' is not supported (in~, >, >=, <, <= datetime(), ==, =~)")


def answer(
    conn: sqlite3.Connection, body: bytes | None, *, now: float, config: changes.ChangeFeedConfig
) -> dict[str, Any]:
    """The QueryResponse of one POST."""
    try:
        request = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError) as err:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid: {err}.") from err
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise ArmError(400, "InvalidRequestContent", "The request content must have a 'query' string.")
    subs = request.get("subscriptions") or []
    if not isinstance(subs, list) or not subs:
        raise ArmError(400, "BadRequest", "Please provide 'subscriptions' (the emulator has no management groups).")
    for sub in subs:
        config.check_allowed("resourcegraph", "Microsoft.ResourceGraph/resources/read", f"/subscriptions/{sub}")
    options = request.get("options") or {}
    top = min(int(options.get("$top") or 100), _MAX_TOP)
    skip = int(options.get("$skipToken") or options.get("$skip") or 0)
    rows = [
        {**change_row(r), "__seq": r.seq}
        for sub in subs
        for r in changes.visible(conn, str(sub), now=now, delay=config.delay_seconds)
    ]
    result = run_query(request["query"], rows)
    page = result[skip : skip + top]
    response: dict[str, Any] = {
        "totalRecords": len(result),
        "count": len(page),
        "resultTruncated": "false",
        "data": page,
        "facets": [],
    }
    if skip + top < len(result):
        response["$skipToken"] = str(skip + top)
    return response
