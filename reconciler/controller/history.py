"""A resource's history: drift events with their attribution and the live body we overwrote, and our writes.

Before the controller writes a drifted resource back, it keeps what is about to be overwritten
(the live body as observed) with the drift record, so that a person can codify or restore an
emergency change (`reconcile history ADDRESS --show N`). Kept where the lease lives
(``reconciler/runtime/documents.py``), one document per resource, bounded by count and age. Secrets never
enter it: values at the resource's write-only secret paths are replaced by their keyed
fingerprint (the one the engine tags resources with), and registered secret values anywhere are
masked.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from adapters.compare import fingerprint
from desired_state.errors import ReconcilerError
from desired_state.resource import Resource
from reconciler.engine.attribution_record import made_on
from reconciler.engine.plan import Change, Plan
from reconciler.runtime.documents import Documents
from reconciler.runtime.logs import redact_value
from reconciler.runtime.safe_output import one_line

log = logging.getLogger("reconciler.history")

#: Events kept per resource, and for how long.
MAX_EVENTS = 50
MAX_AGE = timedelta(days=90)


def document_name(environment: str, address: str) -> str:
    """``history/<env>/<address>-<hash>.json``: readable, and unique even for addresses that differ in case only."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:8]
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in address)
    return f"history/{environment}/{safe}-{digest}.json"


def stamp(when: datetime) -> str:
    """An event's `at`: UTC, to the second (ISO 8601), so that stamps compare as text."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> str:
    return stamp(datetime.now(UTC))


def scrub(body: Any, resource: Resource, key: bytes) -> Any:
    """The body with secret paths fingerprinted and registered secret values masked."""
    if not isinstance(body, dict):
        return redact_value(body)
    out: Any = redact_value(body)
    for path in resource.secrets:
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(parts[-1]) is not None:
            value = node[parts[-1]]
            node[parts[-1]] = {"fingerprint": fingerprint(SecretStr(str(value)), key, resource.id)}
    return out


@dataclass
class History:
    """The history documents of one environment."""

    documents: Documents
    environment: str
    max_events: int = MAX_EVENTS
    max_age: timedelta = MAX_AGE

    def _append(self, address: str, event: dict[str, Any]) -> None:
        cutoff = (datetime.now(UTC) - self.max_age).strftime("%Y-%m-%dT%H:%M:%SZ")

        def add(current: Any) -> Any:
            events = list(current.get("events", [])) if isinstance(current, dict) else []
            number = max((int(e.get("n", 0)) for e in events), default=0) + 1
            events.append({"n": number, **event})
            events = [e for e in events if str(e.get("at", "")) >= cutoff][-self.max_events :]
            return {"address": address, "events": events}

        self.documents.update(document_name(self.environment, address), add)

    def record_drift(self, change: Change, live: Mapping[str, Any] | None, resource: Resource, key: bytes) -> None:
        """A drift about to be written back, with the body it will overwrite."""
        self._append(
            change.address,
            {
                "kind": "drift",
                "at": _now(),
                "id": change.id,
                "type": change.type,
                "action": change.action,
                "changed_paths": [d.path for d in change.diff],
                "attribution": redact_value(change.attribution.to_json()) if change.attribution is not None else None,
                "overwritten": scrub(dict(live), resource, key) if live is not None else None,
            },
        )

    def record_write(self, change: Change, outcome: str) -> None:
        """Our own write of the resource: ``applied`` or the one-line failure."""
        self._append(
            change.address,
            {"kind": "write", "at": _now(), "id": change.id, "type": change.type, "action": change.action,
             "outcome": outcome},
        )

    def events(self, address: str, since: datetime | None = None) -> list[dict[str, Any]]:
        """Oldest first; only those at or after `since` when given. A document that is not one this
        tool wrote raises `HistoryError` naming it."""
        name = document_name(self.environment, address)
        return _events(self.documents.load(name), since, f"{self.documents.where}/{name}")

    def since(self, cutoff: datetime) -> list[tuple[str, dict[str, Any]]]:
        """(address, event) of every resource of the environment at or after `cutoff`, newest first."""
        found: list[tuple[str, dict[str, Any]]] = []
        for name in self.documents.names(f"history/{self.environment}"):
            current = self.documents.load(name)
            if isinstance(current, dict) and isinstance(current.get("address"), str):
                found.extend((current["address"], e) for e in _events(current, cutoff, f"{self.documents.where}/{name}"))
        found.sort(key=lambda pair: (str(pair[1].get("at", "")), pair[0], int(pair[1].get("n", 0))), reverse=True)
        return found


def _events(document: Any, since: datetime | None, where: str) -> list[dict[str, Any]]:
    if document is None:
        return []
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not all(_valid_event(e) for e in events):
        raise HistoryError(
            f"history document {where} is damaged (its events are not a list of numbered events); move it away "
            "to start the history of this resource afresh"
        )
    cutoff = stamp(since) if since is not None else ""
    return [e for e in events if str(e.get("at", "")) >= cutoff]


def _valid_event(event: Any) -> bool:
    """An event as `_append` writes it: numbered, its attribution an object, its lists lists."""
    if not isinstance(event, dict) or not isinstance(event.get("n"), int) or isinstance(event.get("n"), bool):
        return False
    attribution = event.get("attribution")
    if attribution is not None and not (
        isinstance(attribution, dict)
        and isinstance(attribution.get("properties") or [], list)
        and all(isinstance(p, dict) for p in attribution.get("properties") or [])
    ):
        return False
    paths = event.get("changed_paths") or []
    return isinstance(paths, list) and all(isinstance(p, str) for p in paths)


class HistoryError(ReconcilerError, ValueError):
    """A history document that is not one this tool wrote: one line naming it and the fix."""

    outcome = "validation"


def record_overwritten(history: History | None, engine: Any, plan: Plan, live: Mapping[str, Any]) -> None:
    """Before the writes of any write path (one-shot `--yes`, `apply PLANFILE`, the controller):
    each runnable change's live body, which its write will overwrite, with its attribution.
    History is for people: a failure to keep it is a warning, never the apply's end."""
    if history is None:
        return
    for change in plan.changes:
        resource = engine.resources.get(change.address)
        if not change.runnable or resource is None or live.get(change.address) is None:
            continue
        try:
            history.record_drift(change, live[change.address], resource, engine.fingerprint_key)
        except Exception as error:
            log.warning("could not keep the drift history: %s", error, extra={"address": change.address})


def record_outcomes(history: History | None, plan: Plan, applied: Iterable[str], failed: Mapping[str, object]) -> None:
    """After the writes: each change's outcome (`applied` or its one-line failure)."""
    if history is None:
        return
    done = set(applied)
    for change in plan.changes:
        if change.address in done or change.address in failed:
            try:
                history.record_write(change, "applied" if change.address in done else str(failed[change.address]))
            except Exception as error:
                log.warning("could not keep the write history: %s", error, extra={"address": change.address})


def render(address: str, events: Iterable[Mapping[str, Any]]) -> str:
    """`reconcile history ADDRESS`: newest first, one line each."""
    lines = [f"History of {address} (newest first):"]
    listed = sorted(events, key=lambda e: int(e.get("n", 0)), reverse=True)
    if not listed:
        return f"No history for {address} yet (drift written back and our writes are recorded by every apply).\n"
    for e in listed:
        lines.extend(_event_lines(address, e, ""))
    return "".join(one_line(line) + "\n" for line in lines)  # a recorded value cannot add a line


def render_since(environment: str, since: str, found: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """`reconcile history --since WHEN`: every resource's events, newest first, one line each."""
    listed = list(found)
    if not listed:
        return (f"No history in {environment} since {since} (drift written back and our writes are recorded "
                "by every apply).\n")
    lines = [f"History of {environment} since {since} (newest first):"]
    for address, e in listed:
        lines.extend(_event_lines(address, e, f"{address} "))
    return "".join(one_line(line) + "\n" for line in lines)  # a recorded value cannot add a line


def _event_lines(address: str, e: Mapping[str, Any], label: str) -> list[str]:
    n, at = e.get("n"), e.get("at")
    if e.get("kind") != "drift":
        return [f"  #{n} {at} {label}our write ({e.get('action')}): {e.get('outcome')}"]
    attribution = e.get("attribution") or {}
    if attribution.get("known"):
        who = f"changed by {attribution.get('changed_by') or 'an unnamed caller'}"
        if attribution.get("client_type"):
            who += f" via {attribution['client_type']}"
        who += f" at {attribution.get('timestamp')}{made_on(attribution.get('resource_id') or '', str(e.get('id', '')))}"
    elif attribution:
        who = f"attribution unknown ({attribution.get('reason')})"
    else:
        who = "attribution not looked up"
    lines = [f"  #{n} {at} {label}drift ({e.get('action')}): {', '.join(e.get('changed_paths') or [])} {who}"]
    for prop in attribution.get("properties") or []:
        lines.append(f"       {prop.get('path')}: {prop.get('before')!r} -> {prop.get('after')!r}")
    if e.get("overwritten") is not None:
        lines.append(f"       overwritten body kept: reconcile history {address} --show {n}")
    return lines
