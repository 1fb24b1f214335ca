"""The emulator's estate in one SQLite file (WAL), shared by threads and processes.

Rows are keyed by the lower-cased resource id; ``body`` is the settled JSON
body as it will be returned (with the caller's casing). Writes run in
``BEGIN IMMEDIATE`` transactions with a busy timeout, so concurrent writers
in other threads or processes serialise instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emulator import state_marker
from emulator.errors import EmulatorStateError

_SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    sub TEXT NOT NULL,
    rg TEXT NOT NULL,
    type TEXT NOT NULL,
    parent TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    loc TEXT NOT NULL,
    created REAL NOT NULL,
    busy_until REAL NOT NULL DEFAULT 0,
    busy_kind TEXT NOT NULL DEFAULT '',
    principal TEXT,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_parent ON resources (parent, type);
CREATE INDEX IF NOT EXISTS resources_scope ON resources (sub, rg, type);
CREATE INDEX IF NOT EXISTS resources_principal ON resources (principal);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    start REAL NOT NULL,
    end REAL NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    api_version TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    at REAL NOT NULL
);
"""

_COLUMNS = "key, id, sub, rg, type, parent, kind, body, etag, loc, created, busy_until, busy_kind, principal, seq"


@dataclass
class Row:
    """One stored resource (or resource group)."""

    key: str
    id: str
    sub: str
    rg: str
    type: str
    parent: str
    kind: str  # rg | top | child | ext
    body: str
    etag: str
    loc: str
    created: float
    busy_until: float
    busy_kind: str
    principal: str | None
    seq: int


@dataclass
class Operation:
    """A long-running operation's status resource."""

    id: str
    key: str
    kind: str
    start: float
    end: float
    outcome: str
    error: str | None


def default_state_path() -> Path:
    """``$RECONCILER_EMULATOR_STATE`` or ``.reconciler/emulator.db`` under the current directory."""
    env = os.environ.get("RECONCILER_EMULATOR_STATE")
    return Path(env) if env else Path.cwd() / ".reconciler" / "emulator.db"


def state_path(given: str | Path | None, option: str) -> Path:
    """The state file named by `option` (``--emulator-state``, ``--state``), else by
    ``$RECONCILER_EMULATOR_STATE``, else the default. A path named explicitly must be in a
    directory that exists: a typo there would otherwise start an empty estate and plan to create
    everything. Only the default's directory (``.reconciler/``) is created when missing."""
    env = os.environ.get("RECONCILER_EMULATOR_STATE")
    if given:
        path, named_by = Path(given), option
    elif env:
        path, named_by = Path(env), "RECONCILER_EMULATOR_STATE"
    else:
        return default_state_path()
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise EmulatorStateError(
            path, f"its directory {parent} {what}",
            advice=f"check the path given to {named_by}, or create the directory first (mkdir -p {parent})",
        )
    return path


class Store:
    """The state file: one connection per Store, used under `lock`.

    Requests are answered one at a time per process (`Emulator` holds `lock`
    around the work of a request, not around its injected latency): a
    connection per thread gave 64 cold page caches and made a request cost
    four times as much CPU under a 64-thread reader. Other processes are
    kept apart by SQLite's own file locking (WAL, `BEGIN IMMEDIATE`).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        # Before SQLite touches it: a file that is not an emulator state is refused, unchanged.
        self._new = state_marker.classify(self.path) != "ours"
        state_marker.check_directory(self.path)
        self._open_schema()

    @property
    def is_new(self) -> bool:
        """Whether this Store started the file: it was absent or empty (a new, empty estate)."""
        return self._new

    def _connect(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.DatabaseError, OSError) as err:
            raise EmulatorStateError(self.path, str(err)) from err
        self._conn = conn
        return conn

    def _open_schema(self) -> None:
        try:
            with self.write() as conn:
                if not self._new:
                    state_marker.verify_intact(conn, self.path)
                state_marker.mark(conn)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                row = conn.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()
                if row is None:
                    conn.execute("INSERT INTO meta (k, v) VALUES ('schema', ?)", (_SCHEMA_VERSION,))
                elif row[0] != _SCHEMA_VERSION:
                    raise EmulatorStateError(self.path, f"schema version {row[0]}, expected {_SCHEMA_VERSION}")
        except sqlite3.DatabaseError as err:
            raise EmulatorStateError(self.path, str(err)) from err

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success."""
        with self.lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as err:
                raise EmulatorStateError(self.path, str(err)) from err
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """The connection for autocommit reads; the caller holds `lock`."""
        return self._connect()

    # -- resources -------------------------------------------------------

    @staticmethod
    def get(conn: sqlite3.Connection, key: str) -> Row | None:
        """The row of a key, or None."""
        found = conn.execute(f"SELECT {_COLUMNS} FROM resources WHERE key = ?", (key,)).fetchone()
        return Row(*found) if found else None

    @staticmethod
    def children(conn: sqlite3.Connection, parent: str, type_key: str) -> list[Row]:
        """Rows of one type directly under a parent key, in creation order."""
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM resources WHERE parent = ? AND type = ? ORDER BY seq", (parent, type_key)
        ).fetchall()
        return [Row(*r) for r in rows]

    @staticmethod
    def of_type(conn: sqlite3.Connection, sub: str, rg: str | None, type_key: str) -> list[Row]:
        """Rows of one type in a subscription (and resource group when given)."""
        if rg is None:
            sql = f"SELECT {_COLUMNS} FROM resources WHERE sub = ? AND type = ? ORDER BY seq"
            rows = conn.execute(sql, (sub, type_key)).fetchall()
        else:
            sql = f"SELECT {_COLUMNS} FROM resources WHERE sub = ? AND rg = ? AND type = ? ORDER BY seq"
            rows = conn.execute(sql, (sub, rg, type_key)).fetchall()
        return [Row(*r) for r in rows]

    @staticmethod
    def listing(
        conn: sqlite3.Connection,
        *,
        sub: str,
        rg: str | None,
        parent: str | None,
        type_key: str,
        now: float,
        offset: int,
        limit: int,
    ) -> list[str]:
        """Keys of one page of a type under a parent, or in a group or
        subscription, leaving out resources whose delete has completed; at
        most `limit` keys from `offset`, so a page costs the page, not the
        collection."""
        args: tuple[object, ...]
        if parent is not None:
            sql, args = "WHERE parent = ? AND type = ?", (parent, type_key)
        elif rg is None:
            sql, args = "WHERE sub = ? AND type = ?", (sub, type_key)
        else:
            sql, args = "WHERE sub = ? AND rg = ? AND type = ?", (sub, rg, type_key)
        sql += " AND NOT (busy_kind = 'delete' AND busy_until <= ?) ORDER BY seq LIMIT ? OFFSET ?"
        found = conn.execute(f"SELECT key FROM resources {sql}", (*args, now, limit, offset))
        return [str(k) for (k,) in found.fetchall()]

    @staticmethod
    def get_many(conn: sqlite3.Connection, keys: list[str]) -> list[Row]:
        """The rows of `keys`, in that order (missing keys left out)."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        found = {r[0]: Row(*r) for r in conn.execute(f"SELECT {_COLUMNS} FROM resources WHERE key IN ({marks})", keys)}
        return [found[k] for k in keys if k in found]

    @staticmethod
    def top_level(conn: sqlite3.Connection, sub: str, rg: str | None, after_seq: int = -1) -> Iterator[Row]:
        """Top-level resources (not groups, children or extensions) of a
        subscription or group, in creation order from after `after_seq`;
        lazily, so a page stops reading once it is full."""
        if rg is None:
            found = conn.execute(
                f"SELECT {_COLUMNS} FROM resources WHERE sub = ? AND kind = 'top' AND seq > ? ORDER BY seq",
                (sub, after_seq),
            )
        else:
            found = conn.execute(
                f"SELECT {_COLUMNS} FROM resources WHERE sub = ? AND rg = ? AND kind = 'top' AND seq > ? ORDER BY seq",
                (sub, rg, after_seq),
            )
        return (Row(*r) for r in found)

    @staticmethod
    def by_principal(conn: sqlite3.Connection, principal: str) -> Row | None:
        """The identity row owning a principalId."""
        found = conn.execute(
            f"SELECT {_COLUMNS} FROM resources WHERE principal = ? LIMIT 1", (principal.lower(),)
        ).fetchone()
        return Row(*found) if found else None

    @staticmethod
    def put(conn: sqlite3.Connection, row: Row) -> None:
        """Insert or replace a row."""
        conn.execute(
            f"INSERT OR REPLACE INTO resources ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                row.key,
                row.id,
                row.sub,
                row.rg,
                row.type,
                row.parent,
                row.kind,
                row.body,
                row.etag,
                row.loc,
                row.created,
                row.busy_until,
                row.busy_kind,
                row.principal,
                row.seq,
            ),
        )

    @staticmethod
    def delete_tree(conn: sqlite3.Connection, key: str) -> None:
        """Delete a row and everything under it (children and extension resources)."""
        # '/' + 1 == '0': a range scan on the primary key covers every descendant id.
        conn.execute("DELETE FROM resources WHERE key = ? OR (key > ? AND key < ?)", (key, key + "/", key + "0"))

    # -- operations ------------------------------------------------------

    @staticmethod
    def add_operation(conn: sqlite3.Connection, op: Operation) -> None:
        """Record a long-running operation."""
        conn.execute(
            "INSERT INTO operations (id, key, kind, start, end, outcome, error) VALUES (?,?,?,?,?,?,?)",
            (op.id, op.key, op.kind, op.start, op.end, op.outcome, op.error),
        )

    def operation(self, op_id: str) -> Operation | None:
        """An operation by id."""
        found = (
            self.read()
            .execute("SELECT id, key, kind, start, end, outcome, error FROM operations WHERE id = ?", (op_id,))
            .fetchone()
        )
        return Operation(*found) if found else None

    # -- maintenance -----------------------------------------------------

    def reset(self) -> None:
        """Forget the whole estate, operations and request log."""
        with self.write() as conn:
            conn.execute("DELETE FROM resources")
            conn.execute("DELETE FROM operations")
            conn.execute("DELETE FROM request_log")

    def close(self) -> None:
        """Close the connection (a later use opens it again)."""
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
