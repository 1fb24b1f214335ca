"""The Activity Log: ``GET /subscriptions/{id}/providers/Microsoft.Insights/eventtypes/management/values``.

Shape from the REST spec (Azure/azure-rest-api-specs,
``specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json``:
``EventDataCollection`` {value, nextLink} of ``EventData``: caller, claims, correlationId, eventName,
category, httpRequest, operationName, resourceId, status, subStatus, eventTimestamp, ...) and its
``$filter`` grammar ("eventTimestamp ge '...' and eventTimestamp le '...'" is required, plus at most one
of ``resourceUri``, ``resourceGroupName``, ``resourceProvider``, ``correlationId`` with ``eq``; Microsoft
Learn, "Activity Logs - List", https://learn.microsoft.com/rest/api/monitor/activity-logs/list).

One committed write is one ``EndRequest`` event with status ``Succeeded`` (Azure also writes a
``BeginRequest``/``Started`` event; the emulator keeps the one that names the outcome).
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from emulator import bodies, changes
from emulator.errors import ArmError

_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ge|le|gt|lt)\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
_PAGE = 200


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _time(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ArmError(400, "BadRequest", f"The $filter value '{text}' is not a valid date.") from err
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _event(row: changes.ChangeRow) -> dict[str, Any]:
    provider = row.target_type.split("/", 1)[0]
    operation = row.operation
    status = "Created" if row.change_type == "Create" else "OK"
    return {
        "authorization": {"action": operation, "scope": row.target_id},
        "caller": row.claims.get("upn") or row.claims.get("unique_name") or row.claims.get("oid") or "",
        "channels": "Operation",
        "claims": dict(row.claims),
        "correlationId": row.correlation_id,
        "description": "",
        "eventDataId": str(uuid.uuid5(uuid.NAMESPACE_URL, row.change_id)),
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "httpRequest": {"clientRequestId": row.change_id, "clientIpAddress": "127.0.0.1", "method": row.method},
        "id": f"{row.target_id}/events/{row.change_id}/ticks/{int(row.at * 10_000_000)}",
        "level": "Informational",
        "resourceGroupName": row.rg,
        "resourceProviderName": {"value": provider, "localizedValue": provider},
        "resourceId": row.target_id,
        "resourceType": {"value": row.target_type, "localizedValue": row.target_type},
        "operationId": row.correlation_id,
        "operationName": {"value": operation, "localizedValue": operation},
        "properties": {"statusCode": status, "clientType": row.client_type},
        "status": {"value": "Succeeded", "localizedValue": "Succeeded"},
        "subStatus": {"value": status, "localizedValue": status},
        "eventTimestamp": _iso(row.at),
        "submissionTimestamp": _iso(row.at),
        "subscriptionId": row.sub,
        "tenantId": bodies.EMULATOR_TENANT_ID,
    }


def answer(
    conn: sqlite3.Connection,
    sub: str,
    query: dict[str, str],
    *,
    base: str,
    path: str,
    now: float,
    config: changes.ChangeFeedConfig,
) -> dict[str, Any]:
    """The EventDataCollection of one GET."""
    config.check_allowed("activitylog", "Microsoft.Insights/eventtypes/values/read", f"/subscriptions/{sub}")
    text = query.get("$filter", "")
    start = end = None
    field: tuple[str, str] | None = None
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE) if text.strip() else []:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ArmError(400, "BadRequest", f"The $filter clause '{clause.strip()}' is not supported.")
        name, op, value = match.group(1).lower(), match.group(2).lower(), match.group(3).replace("''", "'")
        if name == "eventtimestamp" and op in ("ge", "gt"):
            start = _time(value)
        elif name == "eventtimestamp" and op in ("le", "lt"):
            end = _time(value)
        elif op == "eq" and name in ("resourceuri", "resourceid", "resourcegroupname", "resourceprovider", "correlationid"):
            field = (name, value.lower())
        else:
            raise ArmError(400, "BadRequest", f"The $filter clause '{clause.strip()}' is not supported.")
    if start is None:
        raise ArmError(
            400, "BadRequest", "The $filter must contain eventTimestamp ge '<start>' (e.g. "
            "eventTimestamp ge '2026-11-29T00:00:00Z' and eventTimestamp le '2026-11-29T12:00:00Z')."
        )
    events = []
    for row in reversed(changes.visible(conn, sub, now=now, delay=config.delay_seconds)):
        if row.at < start or (end is not None and row.at > end):
            continue
        if field is not None:
            name, value = field
            have = {
                "resourceuri": row.target_id.lower(), "resourceid": row.target_id.lower(),
                "resourcegroupname": row.rg, "resourceprovider": row.target_type.split("/", 1)[0],
                "correlationid": row.correlation_id.lower(),
            }[name]
            if have != value:
                continue
        events.append(_event(row))
    skip = int(query.get("$skiptoken", "0") or 0)
    next_link = None
    if skip + _PAGE < len(events):
        next_link = f"{base}{quote(path)}?{urlencode({**query, '$skiptoken': str(skip + _PAGE)})}"
    return {"value": events[skip : skip + _PAGE], "nextLink": next_link}
