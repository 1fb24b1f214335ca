"""The request log: every handled request, in memory and in the state file, and
what one client run cost as the server saw it (requests by kind, waves).

A *wave* is a round trip as the server can observe it, whatever the machine's
speed: a request belongs to the wave after the deepest one answered before it
arrived (the first requests of a run are wave 1). A client that sends every
read it can at once and the rest as soon as their inputs are answered uses as
many waves as its longest chain of dependent requests; with a small injected
latency (longer than the client needs to send one wave) the number of waves is
the number of round trips that latency adds to the run's wall time. Arrival and
answer times are ``time.monotonic()``, one clock for every process of the machine,
so a state file's log can be profiled by any process.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import local_files
from emulator.addressing import parse_path
from emulator.errors import ArmError, EmulatorStateError


@dataclass(frozen=True)
class RequestRecord:
    """One handled request; `arrived` and `answered` are ``time.monotonic()`` (0 in old state files)."""

    method: str
    path: str
    api_version: str
    status: int
    latency_ms: float
    at: float
    arrived: float = 0.0
    answered: float = 0.0


# The kinds of request a run profile counts (`request_kind`).
GET = "GET by id"
LIST = "list"
ACTION = "POST action"
PUT = "PUT"
PATCH = "PATCH"
DELETE = "DELETE"
HEAD = "HEAD"
POLL = "LRO poll"
GRAPH_QUERY = "Resource Graph query"
ACTIVITY_LOG = "Activity Log"
OTHER = "other"

_COLLECTIONS = ("collection", "generic_list", "resource_groups", "subscriptions", "providers")
_GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
_ACTIVITY_SUFFIX = "/providers/microsoft.insights/eventtypes/management/values"


def request_kind(method: str, path: str) -> str:
    """What a request was: a GET of one resource, a list, a write, a poll, a Resource Graph query, ..."""
    low = path.lower().rstrip("/")
    method = method.upper()
    if low == _GRAPH_PATH:
        return GRAPH_QUERY
    if low.endswith(_ACTIVITY_SUFFIX):
        return ACTIVITY_LOG
    try:
        kind = parse_path(path).kind
    except ArmError:
        return OTHER
    if kind in ("operation_status", "operation_result"):
        return POLL
    if method == "GET":
        return LIST if kind in _COLLECTIONS else GET
    if method == "POST":
        return ACTION
    return {"PUT": PUT, "PATCH": PATCH, "DELETE": DELETE, "HEAD": HEAD}.get(method, OTHER)


def wave_numbers(records: Iterable[RequestRecord]) -> list[int]:
    """The wave of every record, in the order given: one more than the deepest
    wave whose answer was sent before the record arrived."""
    listed = list(records)
    order = sorted(range(len(listed)), key=lambda i: listed[i].arrived)
    answered: list[tuple[float, int]] = []  # (answer time, wave) of requests that arrived earlier
    deepest = 0
    waves = [0] * len(listed)
    for i in order:
        record = listed[i]
        while answered and answered[0][0] <= record.arrived:
            deepest = max(deepest, heapq.heappop(answered)[1])
        waves[i] = deepest + 1
        heapq.heappush(answered, (record.answered, waves[i]))
    return waves


@dataclass(frozen=True)
class RequestProfile:
    """What one client run asked of the emulator: requests by kind, and waves."""

    waves: int
    by_kind: Mapping[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Every request, Resource Graph queries included."""
        return sum(self.by_kind.values())

    @property
    def graph_queries(self) -> int:
        """POSTs to Microsoft.ResourceGraph/resources."""
        return self.by_kind.get(GRAPH_QUERY, 0)

    @property
    def arm_requests(self) -> int:
        """Every request but Resource Graph queries (ARM's own request budget)."""
        return self.requests - self.graph_queries

    def describe(self) -> str:
        """One line: waves, then the requests by kind."""
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"{self.waves} waves, {self.requests} requests ({kinds})"


def profile(records: Iterable[RequestRecord]) -> RequestProfile:
    """The waves and the requests by kind of a run's records (e.g. a state file's log
    cleared before the run, or an `Emulator.request_log`)."""
    listed = list(records)
    waves = wave_numbers(listed)
    kinds = Counter(request_kind(r.method, r.path) for r in listed)
    return RequestProfile(max(waves, default=0), dict(kinds))


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Give a state file's request log its arrival and answer columns (older files lack them)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(request_log)")}
    for column in ("arrived", "answered"):
        if column not in have:
            conn.execute(f"ALTER TABLE request_log ADD COLUMN {column} REAL NOT NULL DEFAULT 0")


def insert(conn: sqlite3.Connection, record: RequestRecord) -> None:
    """Append one record to a state file's log."""
    conn.execute(
        "INSERT INTO request_log (method, path, api_version, status, latency_ms, at, arrived, answered)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (record.method, record.path, record.api_version, record.status, record.latency_ms, record.at,
         record.arrived, record.answered),
    )


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
        have = {row[1] for row in conn.execute("PRAGMA table_info(request_log)")}
        times = ", ".join(column if column in have else "0" for column in ("arrived", "answered"))
        rows = conn.execute(
            f"SELECT method, path, api_version, status, latency_ms, at, {times} FROM request_log ORDER BY seq"
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
