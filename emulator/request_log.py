"""The request log: every handled request, in memory and in the state file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import local_files
from emulator.errors import EmulatorStateError


@dataclass(frozen=True)
class RequestRecord:
    """One handled request."""

    method: str
    path: str
    api_version: str
    status: int
    latency_ms: float
    at: float


def _connect(state_path: str | Path) -> sqlite3.Connection:
    path = Path(state_path)
    # Looked at, never opened: closing any descriptor of the file would drop the POSIX locks an
    # emulator in this process holds on it (SQLite's documented pitfall). A FIFO is refused too.
    try:
        kind = local_files.inspect(path, what="emulator state file", fix="pass the state file", allow_symlink=True)
    except local_files.LocalFileError as error:
        raise EmulatorStateError(path, error.problem) from None
    if kind == "absent":
        raise EmulatorStateError(path, "no such file")
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def read_request_log(state_path: str | Path) -> list[RequestRecord]:
    """Every request recorded in a state file, oldest first (any process may have written them)."""
    conn = _connect(state_path)
    try:
        rows = conn.execute(
            "SELECT method, path, api_version, status, latency_ms, at FROM request_log ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError as err:
        raise EmulatorStateError(state_path, str(err)) from err
    finally:
        conn.close()
    return [RequestRecord(*row) for row in rows]


def clear_request_log(state_path: str | Path) -> None:
    """Forget the recorded requests of a state file."""
    conn = _connect(state_path)
    try:
        conn.execute("DELETE FROM request_log")
    except sqlite3.DatabaseError as err:
        raise EmulatorStateError(state_path, str(err)) from err
    finally:
        conn.close()
