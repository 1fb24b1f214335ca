"""One active controller per environment: a lease that one replica holds and the others wait for.

``BlobLease`` (``adapters.blob_lease``) holds an Azure Blob lease on
``reconciler-leases/<environment>.lock``, renewed from a background thread; ``FileLease`` is the
local equivalent for emulator runs: an exclusive ``flock`` that the kernel drops when the process
dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Protocol

import local_files
from adapters.blob_lease import LEASE_CONTAINER, BlobLease, LeaseLost, default_holder, lease_blob_name, pause

__all__ = ["LEASE_CONTAINER", "BlobLease", "FileLease", "Lease", "LeaseLost", "default_holder", "lease_blob_name"]
_LEASE_FIX = "move it away (it is recreated) or use another work directory (RECONCILER_WORK_DIR, --emulator-state)"


class Lease(Protocol):
    """Exclusive, expiring right to act for one environment."""

    @property
    def holder(self) -> str:
        """This contender's identity (written next to the lease so operators see who holds it)."""
        ...

    @property
    def held(self) -> bool:
        """True while this contender believes it holds the lease."""
        ...

    def acquire(self, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        """Wait until the lease is ours (True), ``timeout`` seconds pass or ``cancel`` is set (False)."""
        ...

    def renew(self) -> None:
        """Extend the lease now; raises ``LeaseLost`` when someone else holds it."""
        ...

    def release(self) -> None:
        """Give the lease up so another replica can take it at once; safe to call when not held."""
        ...

class FileLease:
    """An exclusive ``flock`` on ``<directory>/<environment>.lock``, for runs against the local emulator.

    The kernel drops the lock when the process dies, so a successor takes over at once.
    """

    def __init__(
        self, directory: Path, environment: str, *, holder: str | None = None, retry_interval_s: float = 0.5
    ) -> None:
        self.path = Path(directory) / lease_blob_name(environment)
        self.environment = environment
        self._holder = holder or default_holder()
        self.retry_interval_s = retry_interval_s
        self._file: int | None = None

    @property
    def holder(self) -> str:
        return self._holder

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        if self._file is not None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # Through the one safe file layer: never a link, only a regular file.
            fd = local_files.open_lock(self.path, what="lease file", fix=_LEASE_FIX)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
            else:
                os.ftruncate(fd, 0)
                os.pwrite(fd, (self._holder + "\n").encode(), 0)
                self._file = fd
                return True
            if not pause(self.retry_interval_s, deadline, cancel):
                return False

    def current_holder(self) -> str | None:
        """The identity written by the last holder, if the file exists."""
        text = local_files.read_text(self.path, what="lease file", fix=_LEASE_FIX, max_bytes=4096, missing_ok=True)
        return (text or "").strip() or None

    def renew(self) -> None:
        if self._file is None:
            raise LeaseLost("the lease is not held")

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            os.close(self._file)
            self._file = None
