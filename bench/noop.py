"""Item 1: the no-op dry run of prod in both observe modes (issue 24's budgets).

prod is applied first; then, per observe mode (`per-resource`, `graph`), observe +
plan on fresh clients (what one `reconcile --dry-run` pays; SDK imports done before,
the in-process emulator's CPU included), at zero latency (median of 3) and at
200 ms per request. Round trips are measured two ways that should agree:

- by the wall clock, as issue 24 measured them: (wall at 200 ms - wall at 0 ms) / 200 ms;
- by the emulator's request log, whatever the machine's speed: the waves of the run at
  200 ms (emulator/request_log.py; tests/bench/test_budgets.py asserts them per environment).

Requests are counted on the emulator's side, by kind; Resource Graph queries apart from
ARM requests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.figures import ItemResult
from bench.read_floor import read_floor
from bench.target import UNLIMITED, BenchTarget, import_sdks, open_target
from desired_state import build
from desired_state.state import DesiredState
from emulator import FaultConfig
from emulator.request_log import RequestProfile, profile
from reconciler.engine.graph_observe import GraphObserver

LATENCY_MS = 200.0
ENVIRONMENT = "prod"
MODES = ("per-resource", "graph")
#: Issue 24's budgets for a no-op of prod.
PER_RESOURCE_ROUND_TRIPS = 2.0
PER_RESOURCE_REQUESTS_PER_RESOURCE = 0.5
GRAPH_ROUND_TRIPS = 3.0
GRAPH_SHARE_OF_PER_RESOURCE = 0.5


def _open(state: DesiredState, path: Path, mode: str, latency_ms: float) -> BenchTarget:
    target = open_target(state, path, FaultConfig(throttle=False, latency_ms=latency_ms))
    if mode == "graph":
        target.engine.observer = GraphObserver(target.engine, target.clients)
    return target


def _dry_run(state: DesiredState, path: Path, mode: str, latency_ms: float) -> tuple[float, RequestProfile, bool]:
    """Wall time, the emulator's profile, and whether anything was planned."""
    target = _open(state, path, mode, latency_ms)
    try:
        target.clients.start_run()
        started = time.perf_counter()
        plan = target.engine.plan(target.engine.observe())
        wall = time.perf_counter() - started
        return wall, profile(target.emulator.request_log), plan.has_changes or bool(plan.errors)
    finally:
        target.close()


def run(quick: bool = False, environment: str = ENVIRONMENT, latency_ms: float = LATENCY_MS) -> ItemResult:
    import_sdks()
    state = build(environment)
    resources = len(state.resources)
    item = ItemResult("noop", f"No-op dry run of {environment}, per-resource and graph, at 0 and {latency_ms:g} ms")
    repeats = 1 if quick else 3
    item.figures.update(environment=environment, resources=resources, latency_ms=latency_ms, runs=repeats)
    changes = False
    measured: dict[str, RequestProfile] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.db"
        setup = open_target(state, path, FaultConfig(throttle=False), rate_limit_scale=UNLIMITED)
        observation = setup.engine.observe()
        applied = setup.engine.apply(setup.engine.plan(observation), observation)
        setup.close()
        if not applied.ok:
            raise RuntimeError(f"setup apply of {environment} failed: {sorted(applied.failed)[:3]}")
        for mode in MODES:
            key = mode.replace("-", "_")
            zero = [_dry_run(state, path, mode, 0.0) for _ in range(repeats)]
            slow_wall, slow, slow_changes = _dry_run(state, path, mode, latency_ms)
            wall_0 = statistics.median(w for w, _, _ in zero)
            changes = changes or slow_changes or any(c for _, _, c in zero)
            measured[mode] = slow
            item.figures.update({
                f"{key}_wall_s": round(wall_0, 4),
                f"{key}_wall_s_runs": [round(w, 4) for w, _, _ in zero],
                f"{key}_wall_at_latency_s": round(slow_wall, 3),
                f"{key}_round_trips": round((slow_wall - wall_0) / (latency_ms / 1000), 2),
                f"{key}_waves": slow.waves,
                f"{key}_arm_requests": slow.arm_requests,
                f"{key}_graph_queries": slow.graph_queries,
                f"{key}_requests_by_kind": dict(sorted(slow.by_kind.items())),
                f"{key}_arm_requests_per_resource": round(slow.arm_requests / resources, 3),
                f"{key}_read_floor": read_floor(state, mode),
            })
    per, graph = measured["per-resource"], measured["graph"]
    item.figures["changes_planned"] = changes
    item.check("per-resource: round trips (waves at the latency)", per.waves, PER_RESOURCE_ROUND_TRIPS)
    item.check("per-resource: ARM requests per desired resource", per.arm_requests / resources,
               PER_RESOURCE_REQUESTS_PER_RESOURCE)
    item.check("graph: round trips (waves at the latency)", graph.waves, GRAPH_ROUND_TRIPS)
    item.check("graph: ARM requests / per-resource's", graph.arm_requests / max(per.arm_requests, 1),
               GRAPH_SHARE_OF_PER_RESOURCE)
    # The least ARM's structure allows (bench/read_floor.py): the per-resource figures lie below it.
    for mode, profiled in measured.items():
        key = mode.replace("-", "_")
        item.check(f"{mode}: ARM requests / the estate's read floor", profiled.arm_requests / item.figures[f"{key}_read_floor"],
                   1.0)
    item.check("changes planned on a no-op (0 = none)", float(changes), 0.0)
    return item
