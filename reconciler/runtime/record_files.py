"""The small JSON files a run records to beside the emulator state (or in RECONCILER_WORK_DIR):
LRO continuation tokens, the graph write log, the not-convergent store.

Each is a `RecordFile`: read and written only through the one safe reader and writer
(`local_files`), with a *shape* that is its marker. Our own writes are atomic, so a file of
another shape (torn, a text file, 50 000 ``[``, a FIFO planted in its place) was not written
by us: reading it costs what the record was for (a resumption, a direct GET, a field reported
again) and says so in a warning naming the file, and it is never replaced: `preflight`, run
before the first write (before the plan, for an apply), refuses with one line naming the file
and the fix.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import local_files

log = logging.getLogger("reconciler.records")

#: Largest record file read (a prod estate's token file is a few KiB).
MAX_RECORD_BYTES = 16 * 1024 * 1024


class RecordFile:
    """One record file: its path, what it is (for messages), its shape and its lock file."""

    def __init__(self, path: Path, what: str, shape: Callable[[Any], bool], *, lock_path: Path | None = None) -> None:
        self.path = Path(path)
        self.what = what
        self.shape = shape
        self.lock_path = lock_path if lock_path is not None else self.path.with_suffix(".lock")

    @property
    def fix(self) -> str:
        return (
            f"nothing was written to Azure: make {self.path.parent} writable and {self.path.name} a regular file "
            f"this tool wrote (move anything else away), or set RECONCILER_WORK_DIR (emulator: --emulator-state) "
            "to another directory"
        )

    def is_ours(self, content: bytes) -> bool:
        """The marker: JSON of this record's shape."""
        try:
            value = local_files.parse_json(content, what=self.what, path=self.path, fix="")
        except ValueError:
            return False
        return bool(self.shape(value))

    def read(self) -> Any:
        """The recorded value, or None when the file is absent or not ours (warned, never raised)."""
        try:
            value = local_files.read_json(
                self.path, what=self.what, fix=self.fix, max_bytes=MAX_RECORD_BYTES, missing_ok=True
            )
        except local_files.LocalFileError as error:
            log.warning("%s; read as empty", error, extra={"file": str(self.path), "phase": "records"})
            return None
        if value is not None and not self.shape(value):
            log.warning("%s %s is not a file this tool wrote; read as empty (it is not replaced)", self.what,
                        self.path, extra={"file": str(self.path), "phase": "records"})
            return None
        return value

    def write(self, value: Any) -> None:
        """Replace the file atomically; refuses (LocalFileError) to replace a file that is not ours."""
        local_files.write_json(self.path, value, what=self.what, fix=self.fix, is_ours=self.is_ours,
                               create_directory=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock across processes (a controller and a one-shot run share the file)."""
        with local_files.locked(self.lock_path, what=f"lock file of the {self.what}", fix=self.fix):
            yield

    def preflight(self) -> None:
        """Before the first write: the file and its lock can be written, and the file is ours."""
        local_files.check_writable(self.path, what=self.what, fix=self.fix, is_ours=self.is_ours,
                                   create_directory=True)
        with self.locked():
            pass


def str_map(value: Any) -> bool:
    """Shape of a JSON object of strings to strings."""
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
