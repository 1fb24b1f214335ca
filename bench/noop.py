"""Item 1: no-op dry run of prod at 50 ms per request, against a baseline that
reads each resource one after the other in dependency order.

The figure is the wall time of observe + plan (fresh clients, as one
`reconcile --dry-run` has; SDK imports done before) divided by the latency:
round trips on the critical path. The emulator runs in-process, so its CPU
is in the figure too.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.figures import ItemResult
from bench.target import UNLIMITED, import_sdks, open_target
from desired_state import build
from emulator import FaultConfig

LATENCY_MS = 50.0
ENVIRONMENT = "prod"


def run(quick: bool = False, environment: str = ENVIRONMENT, latency_ms: float = LATENCY_MS) -> ItemResult:
    import_sdks()
    state = build(environment)
    item = ItemResult("noop", f"No-op dry run of {environment} at {latency_ms:g} ms/request")
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.db"
        setup = open_target(state, path, FaultConfig(throttle=False), rate_limit_scale=UNLIMITED)
        observation = setup.engine.observe()
        applied = setup.engine.apply(setup.engine.plan(observation), observation)
        setup.close()
        if not applied.ok:
            raise RuntimeError(f"setup apply of {environment} failed: {sorted(applied.failed)[:3]}")
        faults = FaultConfig(throttle=False, latency_ms=latency_ms)
        walls: list[float] = []
        requests: list[int] = []
        changes = False
        for _ in range(repeats):
            target = open_target(state, path, faults)
            started = time.perf_counter()
            plan = target.engine.plan(target.engine.observe())
            walls.append(time.perf_counter() - started)
            requests.append(target.total_requests())
            changes = changes or plan.has_changes or bool(plan.errors)
            target.close()
        baseline = open_target(state, path, faults)
        started = time.perf_counter()
        for resource in state.resources:  # what a hand-written script does
            baseline.engine.adapters.for_type(resource.type).read(resource.id)
        baseline_wall = time.perf_counter() - started
        baseline_requests = baseline.total_requests()
        baseline.close()
    wall = statistics.median(walls)
    round_trips = wall / (latency_ms / 1000)
    per_resource = statistics.median(requests) / len(state.resources)
    item.figures.update(
        resources=len(state.resources),
        latency_ms=latency_ms,
        runs=repeats,
        wall_s=round(wall, 4),
        wall_s_runs=[round(w, 4) for w in walls],
        round_trips=round(round_trips, 2),
        arm_requests=statistics.median(requests),
        arm_requests_per_resource=round(per_resource, 3),
        changes_planned=changes,
        baseline_sequential_wall_s=round(baseline_wall, 3),
        baseline_requests=baseline_requests,
        speedup=round(baseline_wall / wall, 1),
    )
    item.check("round trips on the critical path", round_trips, 4.0)
    item.check("ARM requests per desired resource", per_resource, 1.0)
    item.check("changes planned on a no-op (0 = none)", float(changes), 0.0)
    return item
