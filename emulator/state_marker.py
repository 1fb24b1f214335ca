"""Is this file an emulator state? Asked before a state file is opened, reset or changed.

A state file is marked with SQLite's `application_id` header field (offset 68
of the database header, https://www.sqlite.org/fileformat.html#application_id;
set with `PRAGMA application_id`). A file that is not SQLite (a text file), or
is another application's SQLite database, is refused with `ForeignStateFile`
and left exactly as it was: no table added, no journal mode switched, never
deleted by `reconcile emulator reset`. State files written before the marker
existed (application_id 0, our `meta` table with a `schema` row) are accepted
and marked on their next open.

`verify_intact` runs SQLite's `quick_check` on open, so a corrupted page is
reported once, naming the file, instead of surfacing as `database disk image is
malformed` from some request later (and being retried for minutes).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Literal

import local_files
from emulator.errors import EmulatorStateError

#: "AZRE" (azure-reconciler emulator), big-endian, as SQLite stores it.
APPLICATION_ID = 0x415A5245
_SQLITE_MAGIC = b"SQLite format 3\x00"

Kind = Literal["absent", "empty", "ours"]


class ForeignStateFile(EmulatorStateError):
    """The path holds a file that is not an emulator state: never opened for writing, never deleted."""

    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(
            path,
            what,
            advice=f"it was left unchanged; pass --emulator-state (or --state) a new path, or move {path} away",
        )


def classify(path: Path) -> Kind:
    """`absent`, `empty` (a new state) or `ours`; raises `ForeignStateFile` otherwise.

    Through the one safe file layer (`local_files`): a FIFO, a device or a directory is
    refused without being waited on, and SQLite's side files (`-wal`, `-shm`, `-journal`),
    which it would open following links, must be regular files or absent."""
    fix = f"it was left unchanged; pass --emulator-state (or --state) a new path, or move {path} away"
    try:
        for side in ("-wal", "-shm", "-journal"):
            local_files.inspect(f"{path}{side}", what="emulator state side file", fix=fix)
        header = local_files.read_prefix(path, 100, what="emulator state file", fix=fix)
    except local_files.LocalFileError as error:
        if error.path != Path(path):
            raise EmulatorStateError(error.path, error.problem, advice=fix) from None
        raise ForeignStateFile(path, error.problem.replace("not a regular file", "not an emulator state file")) from None
    if header is None:
        return "absent"
    if not header:
        return "empty"
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        raise ForeignStateFile(path, "is not an emulator state file (not an SQLite database)")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id == APPLICATION_ID:
        return "ours"
    if app_id != 0:
        raise ForeignStateFile(path, f"is another application's SQLite database (application_id {app_id:#x})")
    # 0: marked in a WAL frame not checkpointed yet, or written before the marker.
    if _marked_or_legacy(path):
        return "ours"
    raise ForeignStateFile(path, "is an SQLite database of another application (no emulator tables)")


def _marked_or_legacy(path: Path) -> bool:
    """Read-only look (SELECTs only: no table, no journal mode, nothing written)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)) as conn:
            if conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
                return True
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "resources", "operations"} <= tables:
                return False
            return conn.execute("SELECT 1 FROM meta WHERE k = 'schema'").fetchone() is not None
    except sqlite3.DatabaseError as error:
        raise EmulatorStateError(path, str(error)) from None


def check_directory(path: Path) -> None:
    """Before SQLite opens it: the state's directory exists (created) and is writable (SQLite
    writes a journal beside the file on every open), named in one line that never advises a
    reset, since the state itself is fine."""
    fix = (f"make {Path(path).parent} writable, or pass --emulator-state (or --state) a path in a writable "
           "directory")
    try:
        local_files.check_writable(Path(f"{path}-probe"), what="emulator state directory for", fix=fix,
                                   create_directory=True)
    except local_files.LocalFileError as error:
        raise EmulatorStateError(path, error.problem.replace(f"{path}-probe", str(path)), advice=fix) from None


def verify_intact(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick_check: a corrupted page is reported now, naming the file."""
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as error:
        raise EmulatorStateError(path, f"corrupt: {error}") from None
    if rows and rows[0][0] != "ok":
        detail = " ".join(str(rows[0][0]).replace("*** in database main ***", "").split())
        raise EmulatorStateError(path, f"corrupt: {detail}")


def mark(conn: sqlite3.Connection) -> None:
    """Stamp the open state database as ours (inside the schema transaction)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
