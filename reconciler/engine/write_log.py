"""Our own writes and when they finished, so a stale Resource Graph row is never read as drift.

Resource Graph shows a write seconds after ARM accepted it (Microsoft Learn, "Azure Resource
Graph overview": "typically within seconds"; the emulator lags a configurable
``graph_staleness_seconds``). A resource we wrote within that window is read with a direct GET,
never trusted from its row. The record is kept in a small JSON file beside the LRO tokens, so a
`reconcile --dry-run` right after an apply (another process) knows about the apply's writes too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from reconciler.runtime.record_files import RecordFile

log = logging.getLogger("reconciler.write_log")


class WriteLog:
    """Lower-cased resource id -> wall-clock time (epoch seconds) of our last write to it."""

    def __init__(self, path: Path | None = None, *, keep_s: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.record = RecordFile(path, "graph write log", _times) if path is not None else None
        self.keep_s = keep_s
        self.clock = clock
        self._lock = threading.Lock()
        self._writes: dict[str, float] = self._load()

    def wrote(self, resource_id: str) -> None:
        """Record a write (or delete) to `resource_id` that just finished or is about to be sent."""
        with self._lock:
            self._writes[resource_id.lower()] = self.clock()
            self._save()

    def since(self, moment: float) -> set[str]:
        """Ids written at or after `moment` (epoch seconds)."""
        with self._lock:
            return {rid for rid, at in self._writes.items() if at >= moment}

    def forget_before(self, moment: float) -> None:
        """Drop records older than `moment` (they can no longer matter)."""
        with self._lock:
            old = [rid for rid, at in self._writes.items() if at < moment]
            for rid in old:
                del self._writes[rid]
            if old:
                self._save()

    def _load(self) -> dict[str, float]:
        if self.record is None:
            return {}
        raw = self.record.read()  # a damaged record only costs GETs: start afresh (warned)
        horizon = self.clock() - self.keep_s
        if not isinstance(raw, dict):
            return {}
        return {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float)) and v >= horizon}

    def _save(self) -> None:
        if self.record is None:
            return
        horizon = self.clock() - self.keep_s
        kept = {rid: at for rid, at in self._writes.items() if at >= horizon}
        try:
            self.record.write(kept)
        except (OSError, ValueError) as error:  # the in-memory record still protects this process
            log.warning("write log %s not saved (%s)", self.path, error)

    def preflight(self) -> None:
        """Before the first write: the log file can be written and is ours."""
        if self.record is not None:
            self.record.preflight()


def _times(value: object) -> bool:
    """The write log's shape: a JSON object of ids to epoch seconds."""
    return isinstance(value, dict) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()
    )
