"""Item 4: a no-op reconcile of 5,000 resources against ARM's read bucket.

The emulator enforces ARM's token buckets (reads 250 + 25/s per
subscription) scaled by `SCALE` so the run takes well under a minute; the
client-side limiter is scaled the same, as if it knew the real bucket. The
estate is `estates.sparse` (every resource its own GET, every group one
prune-scan list), the shape that spends most reads.

The time the bucket allows for R reads is (R - capacity) / refill: a full
bucket, then the refill rate.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.estates import put_in_place, sparse
from bench.figures import ItemResult
from bench.target import import_sdks, open_target
from emulator import Emulator, FaultConfig

#: ARM's read bucket per subscription (ARM-SEMANTICS.md, Throttling).
READ_CAPACITY, READ_REFILL_PER_S = 250.0, 25.0
SIZE, SCALE = 5000, 8.0
QUICK_SIZE, QUICK_SCALE = 1000, 4.0
#: "At most a handful" of 429s.
MAX_429 = 5


def run(quick: bool = False, size: int | None = None, scale: float | None = None) -> ItemResult:
    import_sdks()
    default_size, default_scale = (QUICK_SIZE, QUICK_SCALE) if quick else (SIZE, SCALE)
    size, scale = size or default_size, scale or default_scale
    state = sparse(size)
    item = ItemResult("throttled", f"No-op reconcile of {len(state.resources)} resources under ARM's read bucket")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.db"
        seed = Emulator(path, faults=FaultConfig(throttle=False))
        put_in_place(seed, state)
        seed.close()
        target = open_target(state, path, FaultConfig(throttle=True, throttle_scale=scale), rate_limit_scale=scale)
        started = time.perf_counter()
        observation = target.engine.observe()
        plan = target.engine.plan(observation)
        wall = time.perf_counter() - started
        reads = sum(n for status, n in target.requests().get("GET", {}).items() if status != "429")
        throttled = target.count("429")
        limiter = target.clients.stats()["rate_limiter"]
        target.close()
    capacity, refill = READ_CAPACITY * scale, READ_REFILL_PER_S * scale
    allowed = max(0.0, (reads - capacity) / refill)
    item.figures.update(
        resources=len(state.resources),
        throttle_scale=scale,
        bucket=f"{capacity:g} + {refill:g}/s",
        reads=reads,
        wall_s=round(wall, 3),
        bucket_allows_s=round(allowed, 3),
        ratio=round(wall / allowed, 3) if allowed else None,
        failed_reads=len(observation.errors),
        http_429=throttled,
        client_limiter_waits=limiter["waits"],
        changes_planned=plan.has_changes,
    )
    item.check("failed reads", float(len(observation.errors)), 0.0)
    item.check("wall / time the bucket allows", wall / allowed if allowed else 0.0, 1.10)
    item.check("429 answers", float(throttled), MAX_429)
    return item
