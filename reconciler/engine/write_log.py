"""Our own writes and when they finished, so a stale Resource Graph row is never read as drift.

Resource Graph shows a write seconds after ARM accepted it (Microsoft Learn, "Azure Resource
Graph overview": "typically within seconds"; the emulator lags a configurable
``graph_staleness_seconds``). A resource we wrote within that window is read with a direct GET,
never trusted from its row. The record is kept in a small JSON file beside the LRO tokens, so a
`reconcile --dry-run` right after an apply (another process) knows about the apply's writes too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("reconciler.write_log")


class WriteLog:
    """Lower-cased resource id -> wall-clock time (epoch seconds) of our last write to it."""

    def __init__(self, path: Path | None = None, *, keep_s: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
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
        if self.path is None or not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
        except (OSError, ValueError) as error:  # a damaged record only costs GETs: start afresh
            log.warning("write log %s unreadable (%s); starting empty", self.path, type(error).__name__)
            return {}
        horizon = self.clock() - self.keep_s
        if not isinstance(raw, dict):
            return {}
        return {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float)) and v >= horizon}

    def _save(self) -> None:
        if self.path is None:
            return
        horizon = self.clock() - self.keep_s
        kept = {rid: at for rid, at in self._writes.items() if at >= horizon}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(kept))
            os.replace(temporary, self.path)
        except OSError as error:  # the in-memory record still protects this process
            log.warning("write log %s not saved (%s)", self.path, type(error).__name__)
