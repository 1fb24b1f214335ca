"""Where a controller keeps its state: small JSON documents next to its lease.

With a Blob lease, in the same container (``reconciler-leases``), so a successor replica on
another node sees the same documents (``adapters.blob_documents.BlobDocuments``); otherwise in the
work directory (``FileDocuments``, below). Every update is a
read-modify-write of one document: under an exclusive ``flock`` for files (atomic rename, so a
kill leaves the old or the new document), and conditional on the blob's ETag for blobs
(``If-Match``; a 412 means another writer came in between: read again and retry).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import local_files

#: Largest document read (a history document is bounded to 50 events).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
_FIX = "move it away (it is not a document this tool wrote) or point the controller at another directory"


class Documents(Protocol):
    """Named JSON documents."""

    def load(self, name: str) -> Any:
        """The document, or None when there is none; a document that cannot be read as one of ours
        raises (`local_files.LocalFileError` for files), naming it."""
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
    """Documents as files under a directory, read and written only through `local_files`.

    A document that is not a JSON object of ours (damaged, a FIFO, a link planted in its place)
    is refused with a `LocalFileError` naming it: never read as empty and then overwritten."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return str(self.directory)

    def _path(self, name: str) -> Path:
        path = self.directory / name
        # `history/<env>/...`: a directory below ours linked elsewhere is never followed.
        local_files.no_links_below(self.directory, path, what="controller document", fix=_FIX)
        return path


    def load(self, name: str) -> Any:
        path = self._path(name)
        value = local_files.read_json(path, what="controller document", fix=_FIX,
                                      max_bytes=MAX_DOCUMENT_BYTES, missing_ok=True)
        if value is not None and not isinstance(value, dict):
            raise local_files.LocalFileError("controller document", path, "is not a JSON object", _FIX)
        return value

    def names(self, folder: str) -> list[str]:
        directory = self._path(folder.strip("/"))
        if not directory.is_dir():
            return []
        # Not the lock files and interrupted temporary files `update` leaves beside a document.
        return sorted(f"{folder.strip('/')}/{p.name}" for p in directory.iterdir()
                      if not p.is_symlink() and p.is_file() and not p.name.endswith((".lock", ".tmp")))

    @contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        with self._lock, local_files.locked(path.with_name(path.name + ".lock"), what="lock file",
                                            fix="move it away; it is recreated"):
            yield

    def update(self, name: str, change: Callable[[Any], Any]) -> Any:
        path = self._path(name)
        with self._locked(path):
            value = change(self.load(name))
            local_files.write_json(path, value, what="controller document", fix=_FIX,
                                   is_ours=_is_document, create_directory=True)
        return value

    def preflight(self, name: str) -> None:
        """Before the first write: document `name` can be written (its directory too)."""
        local_files.check_writable(self._path(name), what="controller document", fix=_FIX,
                                   is_ours=_is_document, create_directory=True)


def _is_document(content: bytes) -> bool:
    try:
        return isinstance(local_files.parse_json(content, what="", path="", fix=""), dict)
    except ValueError:
        return False

