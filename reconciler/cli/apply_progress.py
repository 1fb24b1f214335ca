"""Progress of an apply, on any stream: a terminal, a pipe, a CI log.

A line when each write starts and when it ends, and for a long one a line
every interval while it runs, as Terraform prints them in CI logs too
(`Still creating... [10s elapsed]`): an API Management create takes 30-45
minutes on Azure and must not look like a hung job. The lines go to the
stream they are given (the CLI's stderr, a `SafeStream`), so they are masked
and escaped like every other output.

    app.apim: creating...
    app.apim: still creating... [30s elapsed]
    app.apim: creation complete after 41s

The interval is 30 s; `RECONCILER_PROGRESS_INTERVAL` (seconds) sets another,
which is how the tests see the "still" lines on a short emulator LRO.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from reconciler.runtime.inputs import PROGRESS_INTERVAL as INTERVAL_ENV
from reconciler.runtime.inputs import progress_interval as interval_from_env
from reconciler.runtime.safe_output import one_line

__all__ = ["INTERVAL_ENV", "ApplyProgress", "duration", "interval_from_env"]

#: action -> (doing, done): "creating" / "creation complete after 12s".
_WORDS = {
    "create": ("creating", "creation"),
    "update": ("updating", "update"),
    "replace": ("replacing", "replacement"),
    "delete": ("deleting", "deletion"),
}


def duration(seconds: float) -> str:
    """Terraform's spelling of an elapsed time: 12s, 1m0s, 1h2m3s."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


class ApplyProgress:
    """`started` and the call (finished) are the engine's `on_start` and
    `on_progress`; used as a context manager, a thread writes the "still"
    lines while writes are in flight."""

    def __init__(
        self, stream: TextIO, *, interval: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.interval = interval_from_env() if interval is None else interval
        self.clock = clock
        # address -> (action, started at, intervals already reported)
        self._running: dict[str, tuple[str, float, int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _line(self, text: str) -> None:
        with self._lock:
            self.stream.write(one_line(text) + "\n")  # an error message cannot add a line
            self.stream.flush()

    def started(self, address: str, action: str) -> None:
        doing = _WORDS.get(action, (action, action))[0]
        with self._lock:
            self._running[address] = (action, self.clock(), 0)
        self._line(f"{address}: {doing}...")

    def __call__(self, address: str, action: str, error: BaseException | None) -> None:
        with self._lock:
            entry = self._running.pop(address, None)
        if entry is None:
            return  # never started: skipped because a dependency failed (the summary says so)
        done = _WORDS.get(action, (action, action))[1]
        elapsed = duration(self.clock() - entry[1])
        outcome = "failed" if error is not None else "complete"
        self._line(f"{address}: {done} {outcome} after {elapsed}")

    def tick(self) -> None:
        """Write a "still ..." line for each write that crossed another interval."""
        now = self.clock()
        due: list[str] = []
        with self._lock:
            for address, (action, since, reported) in sorted(self._running.items()):
                marks = int((now - since) // self.interval)
                if marks > reported:
                    self._running[address] = (action, since, marks)
                    doing = _WORDS.get(action, (action, action))[0]
                    due.append(f"{address}: still {doing}... [{duration(marks * self.interval)} elapsed]")
        for text in due:
            self._line(text)

    def _run(self) -> None:
        step = min(1.0, self.interval / 4)
        while not self._stop.wait(step):
            self.tick()

    def __enter__(self) -> ApplyProgress:
        self._thread = threading.Thread(target=self._run, name="apply-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
