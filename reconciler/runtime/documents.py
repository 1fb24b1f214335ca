"""Where a controller keeps its state: small JSON documents next to its lease.

With a Blob lease, in the same container (``reconciler-leases``), so a successor replica on
another node sees the same documents (``adapters.blob_documents.BlobDocuments``); otherwise in the
work directory (``FileDocuments``, below). Every update is a
read-modify-write of one document: under an exclusive ``flock`` for files (atomic rename, so a
kill leaves the old or the new document), and conditional on the blob's ETag for blobs
(``If-Match``; a 412 means another writer came in between: read again and retry).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class Documents(Protocol):
    """Named JSON documents."""

    def load(self, name: str) -> Any:
        """The document, or None when there is none (or it cannot be read)."""
        ...

    def update(self, name: str, change: Callable[[Any], Any]) -> Any:
        """Replace the document with ``change(current)`` (current is None when absent); returns it."""
        ...

    def names(self, folder: str) -> list[str]:
        """The names of the documents in `folder` (e.g. ``history/dev``), sorted."""
        ...

    @property
    def where(self) -> str:
        """A human description of the location (for logs and `reconcile history`)."""
        ...


class FileDocuments:
    """Documents as files under a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return str(self.directory)

    def _path(self, name: str) -> Path:
        return self.directory / name

    def load(self, name: str) -> Any:
        try:
            return json.loads(self._path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def names(self, folder: str) -> list[str]:
        directory = self._path(folder.strip("/"))
        if not directory.is_dir():
            return []
        # Not the lock files and interrupted temporary files `update` leaves beside a document.
        return sorted(f"{folder.strip('/')}/{p.name}" for p in directory.iterdir()
                      if p.is_file() and not p.name.endswith((".lock", ".tmp")))

    @contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def update(self, name: str, change: Callable[[Any], Any]) -> Any:
        path = self._path(name)
        with self._locked(path):
            value = change(self.load(name))
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
        return value
