"""Long-running operations: the record a write or delete starts, its polling URLs and hints.

Protocol per docs/arm-semantics.md (LRO): a 201/202 with Azure-AsyncOperation
and/or Location pointing at ``.../locations/emulator/operationStatuses|operationResults/{id}``;
the answers to those polls are emulator/polling.py.
"""

from __future__ import annotations

import json
import math
import sqlite3
import uuid
from datetime import UTC, datetime

from emulator.addressing import Address
from emulator.exchange import Request
from emulator.store import Operation, Store

# Poll hints: azure-core reads Retry-After first, then retry-after-ms / x-ms-retry-after-ms
# (azure/core/pipeline/policies/_utils.py get_retry_after); 0 would mean the 30 s default.
POLL_MS = "10"


def start_operation(
    conn: sqlite3.Connection, addr: Address, kind: str, now: float, duration: float, fails: bool
) -> Operation:
    """Record an operation (kind put/patch/delete/action) that settles after ``duration`` seconds."""
    error = None
    if fails:
        error = json.dumps(
            {"code": "ProvisioningFailed", "message": f"Injected: the {kind} of '{addr.name}' failed.", "target": addr.id}
        )
    op = Operation(
        id=uuid.uuid4().hex,
        key=addr.key,
        kind=kind,
        start=now,
        end=now + duration,
        outcome="Failed" if fails else "Succeeded",
        error=error,
    )
    Store.add_operation(conn, op)
    return op


def operation_url(req: Request, addr: Address, op_id: str, leaf: str) -> str:
    """The operationStatuses / operationResults URL the client polls for ``op_id``."""
    namespace = addr.namespace or addr.arm_type.split("/", 1)[0] or "Microsoft.Resources"
    return (
        f"{req.base}/subscriptions/{addr.sub}/providers/{namespace}/locations/emulator/{leaf}/{op_id}"
        f"?api-version={req.api_version}"
    )


def poll_headers(remaining: float) -> dict[str, str]:
    """Polling hints: the time left (at least 10 ms), so a client polls about twice per operation
    instead of every 10 ms (a prod apply's 160 short LROs polled thousands of times, CPU the
    critical path waited for); Retry-After (whole seconds, rounded down) only while >= 1 s remains."""
    wait_ms = str(max(int(POLL_MS), math.ceil(remaining * 1000)))
    headers = {"retry-after-ms": wait_ms, "x-ms-retry-after-ms": wait_ms}
    if remaining >= 1.0:
        headers["Retry-After"] = str(int(min(remaining, 60)))
    return headers


def iso(ts: float) -> str:
    """A timestamp as ARM writes them (UTC, microseconds, Z)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
