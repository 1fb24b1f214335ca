"""Continuation tokens of long-running operations, kept on disk.

A killed run that starts again resumes the operation from its token instead
of sending the write a second time.
"""

from __future__ import annotations

import threading
from pathlib import Path

from desired_state.errors import ReconcilerError
from local_files import LocalFileError
from reconciler.runtime.documents import Documents
from reconciler.runtime.record_files import RecordFile, str_map


class RecordingUnavailable(ReconcilerError, OSError):
    """A file the apply records to cannot be written (one line: which and the fix)."""


class _TokenStore:
    """What both stores share: a cached id -> token map under a lock; each store says how the
    map is read (`_load`) and how one token is written (`_update`, which refreshes the cache)."""

    _lock: threading.Lock
    _tokens: dict[str, str]

    def _load(self) -> dict[str, str]:
        raise NotImplementedError

    def _update(self, resource_id: str, token: str | None) -> None:
        raise NotImplementedError

    def get(self, resource_id: str) -> str | None:
        with self._lock:
            return self._tokens.get(resource_id.lower())

    def put(self, resource_id: str, token: str) -> None:
        with self._lock:
            self._update(resource_id, token)

    def clear(self, resource_id: str) -> None:
        with self._lock:
            if resource_id.lower() in self._tokens or resource_id.lower() in self._load():
                self._update(resource_id, None)

    def pending(self) -> list[str]:
        with self._lock:
            return sorted(self._tokens)


class FileLroTokenStore(_TokenStore):
    """A JSON file mapping lower-cased resource id -> continuation token.

    Every change is written atomically (temporary file + rename, `local_files`), so a SIGKILL
    leaves either the old or the new file, never a torn one; and under an exclusive lock over
    a fresh read of the file, so two processes (a controller and a one-shot apply) never drop
    each other's tokens. A file of another shape is not ours: read as empty (it only costs a
    resumption), never replaced (`preflight` refuses before the first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.record = RecordFile(path, "LRO token file", str_map)
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = self._load()

    def _load(self) -> dict[str, str]:
        data = self.record.read()
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _update(self, resource_id: str, token: str | None) -> None:
        """Apply one change to what is on disk now, and write it back."""
        with self.record.locked():
            self._tokens = self._load()
            if token is None:
                self._tokens.pop(resource_id.lower(), None)
            else:
                self._tokens[resource_id.lower()] = token
            self.record.write(self._tokens)

    def preflight(self) -> None:
        """Prove every file a write records to can be written, before the first
        write: the token file (ours, not a link or a directory, its directory writable for the
        temporary file and the rename) and its lock file. Raises `RecordingUnavailable` naming
        the file and the fix; writes nothing that stays."""
        try:
            self.record.preflight()
        except LocalFileError as error:
            raise RecordingUnavailable(f"cannot record long-running operations: {error}") from None


class DocumentLroTokenStore(_TokenStore):
    """Continuation tokens in one document of a ``Documents`` store (``reconciler/runtime/documents.py``):
    with a Blob lease, the lease's container, so a successor replica on another node resumes the
    operations its predecessor left in flight instead of sending their writes again.

    Every change is a conditional read-modify-write of ``lro-tokens/<environment>.json``, done
    before the operation's first poll (the adapter stores the token right after ARM accepts it).
    """

    def __init__(self, documents: Documents, environment: str) -> None:
        self.documents = documents
        self.name = f"lro-tokens/{environment}.json"
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = self._load()

    def _load(self) -> dict[str, str]:
        data = self.documents.load(self.name)
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _update(self, resource_id: str, token: str | None) -> None:
        def change(current: object) -> dict[str, str]:
            tokens = {str(k): str(v) for k, v in current.items()} if isinstance(current, dict) else {}
            if token is None:
                tokens.pop(resource_id.lower(), None)
            else:
                tokens[resource_id.lower()] = token
            return tokens

        self._tokens = self.documents.update(self.name, change)
