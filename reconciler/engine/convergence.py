"""Fields ARM will not keep: remembered across cycles, so they are reported
once and not rewritten forever.

After a write, the engine reads the resource back; a declared field whose
value differs from what was just written (a Log Analytics workspace written
with SKU `PerNode` reads back `pergb2018`) is one ARM replaced. Writing it
again would change nothing but the etag, every cycle (Terraform reports the
same case as "inconsistent result after apply"). The engine records it here,
logs it once, and from then on plans it as not convergent instead of as
drift, until the desired value changes (the next write of the resource
records afresh).

Only the same cycle's read-back counts: a value that changes between cycles
cannot be told apart from someone else's change, which is drift.

The file sits beside the LRO tokens (`<work dir>/not-convergent-<env>.json`)
and is written atomically. Values are declared body values, which never hold
secrets (those travel apart, `Resource.secrets`, and are never compared).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.compare import render
from reconciler.runtime.record_files import RecordFile


@dataclass(frozen=True)
class NotKept:
    """A declared field ARM answered with another value than the one written."""

    path: str
    wrote: Any
    returned: Any

    @property
    def message(self) -> str:
        return (
            f"ARM returned {render(self.returned)} for `{self.path}` after we wrote {render(self.wrote)}: "
            "change the desired state"
        )

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "wrote": self.wrote, "returned": self.returned, "message": self.message}


class FileConvergenceStore:
    """A JSON file: lower-cased resource id -> path -> {"wrote", "returned"}."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.record = RecordFile(path, "not-convergent store", _fields_by_id)
        self._lock = threading.Lock()
        self._fields: dict[str, dict[str, dict[str, Any]]] = self._load()

    def _load(self) -> dict[str, dict[str, dict[str, Any]]]:
        data = self.record.read()  # unreadable or not ours: at worst a field is reported again
        return data if isinstance(data, dict) else {}

    def not_kept(self, resource_id: str) -> dict[str, NotKept]:
        """The fields of a resource that ARM did not keep, by path."""
        with self._lock:
            found = self._fields.get(resource_id.lower(), {})
            return {p: NotKept(p, v.get("wrote"), v.get("returned")) for p, v in found.items()}

    def written(self, resource_id: str, not_kept: list[NotKept]) -> list[NotKept]:
        """Record the outcome of a write: what it did not keep replaces what was
        known of the resource. Returns the fields not known before (to report once)."""
        with self._lock:
            before = self._fields.get(resource_id.lower(), {})
            new = [n for n in not_kept if n.path not in before or before[n.path].get("wrote") != n.wrote]
            if not_kept:
                self._fields[resource_id.lower()] = {
                    n.path: {"wrote": n.wrote, "returned": n.returned} for n in not_kept
                }
            elif resource_id.lower() in self._fields:
                del self._fields[resource_id.lower()]
            else:
                return new
            self._save()
            return new

    def _save(self) -> None:
        self.record.write(self._fields)

    def preflight(self) -> None:
        """Before the first write: the store can be written and is ours."""
        self.record.preflight()


def _fields_by_id(value: Any) -> bool:
    """The store's shape: id -> path -> {"wrote", "returned"}."""
    return isinstance(value, dict) and all(
        isinstance(paths, dict) and all(isinstance(f, dict) for f in paths.values()) for paths in value.values()
    )
