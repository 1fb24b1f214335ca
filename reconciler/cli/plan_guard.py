"""The pre-write check of `reconcile apply PLANFILE`: each resource is still what the saved plan
saw (format and rules of the plan file: reconciler/cli/planfile.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from reconciler.cli.planfile import SavedPlan, StaleResource, etag_seen, live_digest
from reconciler.engine.engine import Engine, Live, secret_fingerprint
from reconciler.engine.plan import Change


class LiveGuard:
    """The engine's pre-write check for a saved plan: reads the resource
    and refuses (StaleResource) unless it is still what the plan saw, and
    unless its secrets still match the plan's fingerprints."""

    def __init__(self, engine: Engine, saved: SavedPlan) -> None:
        self.engine = engine
        self.entries = saved.entries
        # Ids this run creates (checked absent just before their write). A child found live under
        # one of them was made by ARM with its parent (a site's `config/appsettings` exists as
        # soon as the site does), not by someone else since the plan.
        self._creating: set[str] = set()
        self._lock = threading.Lock()

    def _made_with_a_parent_we_create(self, resource_id: str) -> bool:
        rid = resource_id.lower()
        with self._lock:
            return any(rid.startswith(parent + "/") for parent in self._creating)

    def __call__(self, change: Change, snapshot: Mapping[str, Live]) -> Live:
        entry = self.entries[change.address]
        resource = self.engine.resources.get(change.address)
        fingerprint = entry.get("secret_fingerprint")
        if resource is not None and resource.secrets and secret_fingerprint(resource, self.engine.fingerprint_key) != fingerprint:
            raise StaleResource(change.address, "secret values differ from the plan's fingerprints")
        adapter = self.engine.adapters.for_type(change.type)
        fresh = adapter.read(change.id)
        seen = entry["live"]
        if not seen.get("exists"):
            if fresh is not None:
                if self._made_with_a_parent_we_create(change.id):
                    return fresh
                raise StaleResource(change.address, "created outside the plan")
            with self._lock:
                self._creating.add(change.id.lower())
            return None
        if fresh is None:
            raise StaleResource(change.address, "deleted since the plan")
        desired = entry.get("desired")
        if "etag" in seen:
            moved = etag_seen(adapter, change.id, fresh) != seen["etag"]
        else:
            moved = live_digest(fresh, desired) != seen.get("digest")
        if moved:
            raise StaleResource(change.address, self._what_changed(change, fresh, snapshot))
        return fresh

    def _what_changed(self, change: Change, fresh: dict[str, Any], snapshot: Mapping[str, Live]) -> str:
        """The paths whose live value differs from what the plan showed."""
        resource = self.engine.resources.get(change.address)
        if resource is None:
            return "its live body differs"
        now = self.engine.plan_one(resource, {**snapshot, change.address: fresh})
        before = {(d.path, json.dumps(d.before, sort_keys=True, default=str)) for d in change.diff}
        after = {(d.path, json.dumps(d.before, sort_keys=True, default=str)) for d in now.diff}
        paths = sorted({p for p, _ in before ^ after})
        if not paths:
            return "etag changed, no compared path differs"
        shown = ", ".join(paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")
        return f"changed paths: {shown}"
