"""Continuation tokens of long-running operations, kept on disk.

A killed run that starts again resumes the operation from its token instead
of sending the write a second time.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


class FileLroTokenStore:
    """A JSON file mapping lower-cased resource id -> continuation token.

    Every change is written atomically (temporary file + rename), so a SIGKILL
    leaves either the old or the new file, never a torn one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = self._load()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A token file we cannot read only costs a resumption: start afresh.
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(self._tokens, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def get(self, resource_id: str) -> str | None:
        with self._lock:
            return self._tokens.get(resource_id.lower())

    def put(self, resource_id: str, token: str) -> None:
        with self._lock:
            self._tokens[resource_id.lower()] = token
            self._save()

    def clear(self, resource_id: str) -> None:
        with self._lock:
            if self._tokens.pop(resource_id.lower(), None) is not None:
                self._save()

    def pending(self) -> list[str]:
        with self._lock:
            return sorted(self._tokens)
