"""Who changed a drifted resource, how, and what it was before: from Azure's own change records.

For the drifted resources of a plan (updates and replaces of live resources; nothing is looked up
on a no-op plan), one Resource Graph query asks ``resourcechanges`` for every drifted id at once
(``azure-mgmt-resourcegraph``; Microsoft Learn, "Get resource changes",
https://learn.microsoft.com/azure/governance/resource-graph/changes/get-resource-changes: records
appear within about five minutes and are kept 14 days; child types may be missing). A resource
Resource Graph has nothing for is looked up in the Activity Log (``azure-mgmt-monitor``
``activity_logs.list``; kept 90 days; "Activity Logs - List",
https://learn.microsoft.com/rest/api/monitor/activity-logs/list), which names the caller but not
the properties.

Walking a resource's changes from the newest, the changes made before our own last write do not
count (our writes are recognised by our token's ``oid``/``appid``/``upn`` claims); the newest
foreign change names who, with what client, and when; the property values come from all foreign
changes since then. When the lookup is refused (403) or nothing is visible yet, the attribution
says so and why; it never fails a plan.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.activity_log import activity_events
from adapters.errors import one_line
from reconciler.engine.attribution_record import Attribution, PropertyChange
from reconciler.engine.attribution_scope import Scope, scope_of
from reconciler.engine.graph_query import GraphQuery, kql_string
from reconciler.engine.plan import SENSITIVE, Change
from reconciler.runtime.safe_output import remote_text

log = logging.getLogger(__name__)

#: How far back Resource Graph keeps changes (Microsoft Learn, "Get resource changes").
LOOKBACK = timedelta(days=14)
#: Most ids sent in one query, and most Activity Log lookups per plan.
MAX_IDS_PER_QUERY = 500
MAX_ACTIVITY_LOG_LOOKUPS = 20
_ARM_SCOPE = "https://management.azure.com/.default"
_DRIFT_ACTIONS = frozenset({"update", "replace"})
_LAG = "Resource Graph and the Activity Log can take up to 5 minutes to show a change"


def token_identities(token: str) -> frozenset[str]:
    """Our own ``oid``, ``appid``, ``upn`` (lower-cased) from an access token's claims, unverified:
    only to recognise our own writes in change records, never to authorise anything."""
    parts = token.split(".")
    if len(parts) != 3:
        return frozenset()
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return frozenset()
    if not isinstance(claims, dict):
        return frozenset()
    return frozenset(str(claims[k]).lower() for k in ("oid", "appid", "upn", "unique_name") if claims.get(k))


@dataclass(frozen=True)
class _Record:
    target: str
    #: The id as Azure spelled it (`target` is lower-cased, to match on).
    target_id: str
    source: str
    changed_by: str
    changed_by_type: str
    client_type: str
    operation: str
    timestamp: str
    correlation_id: str
    identities: frozenset[str]
    properties: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class Attributor:
    """Looks up who changed drifted resources, through the target's SDK clients."""

    def __init__(self, clients: Any, subscription_id: str, *, lookback: timedelta = LOOKBACK) -> None:
        self.clients = clients
        self.subscription_id = subscription_id
        self.lookback = lookback
        self._own: frozenset[str] | None = None
        self._graph: GraphQuery | None = None

    def own_identities(self) -> frozenset[str]:
        """The claims naming this controller, read once from its own ARM token."""
        if self._own is None:
            try:
                self._own = token_identities(self.clients.credential.get_token(_ARM_SCOPE).token)
            except Exception as error:  # no token: nothing is recognised as ours
                log.warning("could not read our own identity: %s", type(error).__name__)
                self._own = frozenset()
        return self._own

    def attribute(self, changes: Sequence[Change], secret_paths: Mapping[str, Iterable[str]]) -> dict[str, Attribution]:
        """Address -> attribution, for every drifted change; {} when nothing drifted (no request).

        Each drifted resource is looked up under its own id, its changed children's and its
        parent's (`reconciler.engine.attribution_scope`): in Resource Graph (one query for all),
        then in the Activity Log for the ids Resource Graph has no record of."""
        drifted = [c for c in changes if c.action in _DRIFT_ACTIONS and c.diff]
        if not drifted:
            return {}
        scopes = {c.address: scope_of(c) for c in drifted}
        ids = list(dict.fromkeys(rid for s in scopes.values() for rid in (s.own, *s.related)))
        lookup = _Lookup(self, datetime.now(UTC) - self.lookback)
        try:
            lookup.graph = self._resource_graph(ids, lookup.since)
        except Exception as error:
            lookup.graph_error = _why(error, "Resource Graph")
        return {
            c.address: lookup.attribution(scopes[c.address], tuple(secret_paths.get(c.address, ()))) for c in drifted
        }

    def _resource_graph(self, ids: list[str], since: datetime) -> dict[str, list[_Record]]:
        if self._graph is None:  # behind the adapters, paged by the one pager, within the user's quota
            self._graph = GraphQuery(self.clients, [self.subscription_id])
        out: dict[str, list[_Record]] = {}
        for start in range(0, len(ids), MAX_IDS_PER_QUERY):
            listed = ", ".join(kql_string(i) for i in ids[start : start + MAX_IDS_PER_QUERY])
            query = (
                "resourcechanges"
                " | extend targetResourceId = tostring(properties.targetResourceId),"
                " changeTime = todatetime(properties.changeAttributes.timestamp)"
                f" | where targetResourceId in~ ({listed}) and changeTime > datetime({since.isoformat()})"
                " | order by changeTime desc"
                " | project targetResourceId, changeTime, properties"
            )
            for row in self._graph.rows(query):
                record = _graph_record(row)
                if record is not None:
                    out.setdefault(record.target, []).append(record)
        return out

    def _activity_log(self, resource_id: str, since: datetime) -> list[_Record]:
        flt = (
            f"eventTimestamp ge '{since.strftime('%Y-%m-%dT%H:%M:%SZ')}' "
            f"and resourceUri eq '{resource_id.replace(chr(39), chr(39) * 2)}'"
        )
        records: list[_Record] = []
        for event in activity_events(self.clients, flt):  # behind the adapters, paged by the one pager
            if not event.is_write:
                continue
            claims = {k.lower(): v for k, v in event.claims.items()}
            stamp = event.timestamp
            records.append(
                _Record(
                    target=resource_id.lower(),
                    target_id=event.resource_id or resource_id,
                    source="activitylog",
                    changed_by=event.caller or claims.get("appid", ""),
                    changed_by_type="",
                    client_type="",
                    operation=event.operation,
                    timestamp=stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if stamp else "",
                    correlation_id=event.correlation_id,
                    identities=frozenset(
                        v.lower() for k, v in claims.items() if k in ("oid", "appid", "upn", "unique_name") and v
                    ),
                )
            )
        records.sort(key=lambda r: r.timestamp, reverse=True)
        return records


class _Lookup:
    """The records of one plan's drifted resources: Resource Graph's, asked once for all, and the
    Activity Log's, asked per id Resource Graph has nothing on (at most `MAX_ACTIVITY_LOG_LOOKUPS`)."""

    def __init__(self, attributor: Attributor, since: datetime) -> None:
        self.attributor, self.since = attributor, since
        self.own = attributor.own_identities()
        self.graph: dict[str, list[_Record]] = {}
        self.graph_error = ""
        self._activity: dict[str, list[_Record] | str] = {}

    def records(self, resource_id: str, checked: set[str], problems: list[str]) -> list[_Record]:
        """The records under `resource_id`, newest first; the sources asked go to `checked`, the
        reasons a source could not answer to `problems`."""
        if not self.graph_error:
            checked.add("Resource Graph")
        found = self.graph.get(resource_id.lower())
        if found:
            return found
        key = resource_id.lower()
        if key not in self._activity:
            if len(self._activity) >= MAX_ACTIVITY_LOG_LOOKUPS:
                problems.append("too many drifted resources for the Activity Log fallback")
                return []
            try:
                self._activity[key] = self.attributor._activity_log(resource_id, self.since)
            except Exception as error:
                self._activity[key] = _why(error, "the Activity Log")
        answer = self._activity[key]
        if isinstance(answer, str):
            problems.append(answer)
            return []
        checked.add("the Activity Log")
        return answer

    def attribution(self, scope: Scope, secret_paths: tuple[str, ...]) -> Attribution:
        checked: set[str] = set()
        problems = [self.graph_error] if self.graph_error else []
        own_records = self.records(scope.own, checked, problems)
        # A change to a changed child (`az network nsg rule create`), else to the parent holding
        # this resource's collection: ours are no boundary there (only our writes of this resource
        # overwrite what came before), and the properties named are the child's, in our body's terms.
        related = [
            replace(r, properties={f"{child.member}.{p}": v for p, v in r.properties.items()})
            for child in scope.children for r in self.records(child.id, checked, problems)
        ]
        found = _attribute(_merged(own_records, related, self.own), self.own, secret_paths)
        if found is None and scope.parent is not None:
            parent = [r for r in self.records(scope.parent, checked, problems) if _touches(r, scope.collection)]
            found = _attribute(_merged(own_records, parent, self.own), self.own, secret_paths)
        if found is not None:
            return found
        if problems and not checked:
            return Attribution.unknown("; ".join(dict.fromkeys(problems)))
        n = len(scope.children)
        looked = ["it", *([f"its {n} changed child{'ren' if n > 1 else ''}"] if n else []),
                  *(["its parent"] if scope.parent else [])]
        where = " or ".join(looked) if len(looked) < 3 else f"{', '.join(looked[:-1])} or {looked[-1]}"
        why = (f"no change by another identity to {where} since our last write "
               f"(looked up in {' and '.join(sorted(checked, reverse=True))})")
        return Attribution.unknown("; ".join([why, *dict.fromkeys(problems)]) + f"; {_LAG}, else the desired state changed")


def _merged(own_records: list[_Record], related: list[_Record], own: frozenset[str]) -> list[_Record]:
    """This resource's records with the foreign ones of related resources, newest first."""
    foreign = [r for r in related if not own & (r.identities | {r.changed_by.lower()})]
    return sorted([*own_records, *foreign], key=lambda r: r.timestamp, reverse=True)


def _touches(record: _Record, collection: str | None) -> bool:
    """Whether a parent's recorded change may concern its child: any write when the source names
    no properties (the Activity Log), else one that touched the child's collection."""
    if not record.properties:
        return True
    return collection is not None and any(p == collection or p.startswith((collection + "[", collection + "."))
                                          for p in record.properties)


def attach(changes: Sequence[Change], attributions: Mapping[str, Attribution]) -> tuple[Change, ...]:
    """The changes with their attributions set."""
    return tuple(
        replace(c, attribution=attributions[c.address]) if c.address in attributions else c for c in changes
    )


def _attribute(records: list[_Record], own: frozenset[str], secret_paths: Iterable[str]) -> Attribution | None:
    """The attribution from one resource's records (newest first); None when none is foreign."""
    foreign: list[_Record] = []
    for record in records:
        if own & (record.identities | {record.changed_by.lower()}):
            break  # our last write: what came before it was overwritten already
        foreign.append(record)
    if not foreign:
        return None
    newest = foreign[0]
    secrets = tuple(secret_paths)
    merged: dict[str, PropertyChange] = {}
    for record in reversed(foreign):  # oldest first: before from the first, after from the last
        for path, change in record.properties.items():
            if change.get("changeCategory") == "System":
                continue
            masked = any(path == s or path.startswith(s + ".") for s in secrets)
            before = SENSITIVE if masked else _value(change.get("previousValue"))
            after = SENSITIVE if masked else _value(change.get("newValue"))
            first = merged.get(path)
            merged[path] = PropertyChange(remote_text(path), first.before if first else before, after)
    # Every string here came from a change record (anyone's caller name, a client type): made safe
    # where it enters (reconciler/runtime/safe_output.py), it cannot start a plan line of its own.
    return Attribution(
        known=True,
        changed_by=remote_text(newest.changed_by),
        changed_by_type=remote_text(newest.changed_by_type),
        client_type=remote_text(newest.client_type),
        operation=remote_text(newest.operation),
        timestamp=remote_text(newest.timestamp),
        correlation_id=remote_text(newest.correlation_id),
        source=newest.source,
        properties=tuple(merged[p] for p in sorted(merged)),
        resource_id=newest.target_id,
    )


def _graph_record(row: Any) -> _Record | None:
    if not isinstance(row, dict):
        return None
    props = row.get("properties") or {}
    attrs = props.get("changeAttributes") or {}
    target = str(row.get("targetResourceId") or props.get("targetResourceId") or "").lower()
    if not target:
        return None
    changed_by = str(attrs.get("changedBy") or "")
    return _Record(
        target=target,
        target_id=str(row.get("targetResourceId") or props.get("targetResourceId")),
        source="resourcegraph",
        changed_by=changed_by,
        changed_by_type=str(attrs.get("changedByType") or ""),
        client_type=str(attrs.get("clientType") or ""),
        operation=str(attrs.get("operation") or ""),
        timestamp=str(attrs.get("timestamp") or ""),
        correlation_id=str(attrs.get("correlationId") or ""),
        identities=frozenset({changed_by.lower()}) if changed_by else frozenset(),
        properties=props.get("changes") or {},
    )


def _value(text: Any) -> Any:
    """Resource Graph gives values as strings; JSON ones are shown as what they encode."""
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _why(error: Exception, source: str) -> str:
    status = getattr(error, "status_code", None)
    code = getattr(getattr(error, "error", None), "code", None) or type(error).__name__
    if status == 403:
        return remote_text(f"not allowed to read {source} (403 {code})")
    first = one_line(error, 160) if str(error) else ""
    return remote_text(f"{source} lookup failed ({status or ''} {code}: {first})".replace("( ", "("))
