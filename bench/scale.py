"""Item 3: plan time and memory of no-op reconciles of synthetic estates of
100, 1,000 and 5,000 resources at zero latency (`estates.dense`: one group,
a namespace, an account, and queues / containers / NSGs).

Also measured, not a target: the same sizes in groups of 100 (`estates.cells`).

Per size: one warm-up reconcile (builds the SDK clients), then the median of
three timed observe + plan calls (wall and process CPU, the emulator's
included), then one more under tracemalloc for the peak of Python
allocations during the call.
"""

from __future__ import annotations

import gc
import itertools
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.estates import cells, dense, put_in_place
from bench.figures import ItemResult, rss_mib
from bench.target import UNLIMITED, import_sdks, open_target
from desired_state.state import DesiredState
from emulator import Emulator, FaultConfig

SIZES = (100, 1000, 5000)
QUICK_SIZES = (100, 1000)


def measure(size: int, repeats: int = 3, shape: Callable[[int], DesiredState] = dense) -> dict[str, Any]:
    """Figures of one estate size."""
    state = shape(size)
    faults = FaultConfig(throttle=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.db"
        seed = Emulator(path, faults=faults)
        put_in_place(seed, state)
        seed.close()
        target = open_target(state, path, faults, rate_limit_scale=UNLIMITED)
        engine = target.engine
        engine.plan(engine.observe())  # warm-up: clients built, caches filled
        walls: list[float] = []
        cpus: list[float] = []
        before = target.total_requests()
        changes = False
        for _ in range(repeats):
            gc.collect()
            cpu, wall = time.process_time(), time.perf_counter()
            plan = engine.plan(engine.observe())
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            changes = changes or plan.has_changes or bool(plan.errors)
        requests = (target.total_requests() - before) / repeats
        gc.collect()
        tracemalloc.start()
        engine.plan(engine.observe())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = rss_mib()
        target.close()
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {
        "resources": len(state.resources),
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "cpu_ms_per_resource": round(cpu * 1000 / len(state.resources), 4),
        "arm_requests": requests,
        "peak_traced_mib": round(peak / 2**20, 1),
        "rss_mib_after": round(rss, 1),
        "changes_planned": changes,
    }


def run(quick: bool = False, sizes: tuple[int, ...] | None = None, repeats: int = 3) -> ItemResult:
    import_sdks()
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    item = ItemResult("scale", "Scale: no-op reconcile of synthetic estates at zero latency")
    by_size = {str(size): measure(size, repeats) for size in sizes}
    item.figures["sizes"] = by_size
    for size, figures in by_size.items():
        item.check(f"CPU per resource at {size}", figures["cpu_ms_per_resource"], 1.0, "ms")
        item.check(f"changes planned at {size} (0 = none)", float(figures["changes_planned"]), 0.0)
    for small, large in itertools.pairwise(sizes):
        # "10x the resources costs at most 11x the time": growth over size growth <= 1.1, on
        # CPU seconds (at zero latency wall ~ CPU; CPU is steadier on a shared machine)
        growth = by_size[str(large)]["cpu_s"] / by_size[str(small)]["cpu_s"]
        item.figures[f"cpu_growth_{small}_to_{large}"] = round(growth, 2)
        item.figures[f"wall_growth_{small}_to_{large}"] = round(
            by_size[str(large)]["wall_s"] / by_size[str(small)]["wall_s"], 2
        )
        item.check(f"CPU time growth / size growth, {small} -> {large}", growth / (large / small), 1.1)
    # The same resources in groups of 100 (one list page per parent): the
    # reconciler's own growth, without the emulator's per-page cost of long lists.
    celled = {str(size): measure(size, repeats, shape=cells) for size in sizes}
    item.figures["cells_of_100"] = celled
    for small, large in itertools.pairwise(sizes):
        growth = celled[str(large)]["cpu_s"] / celled[str(small)]["cpu_s"]
        item.figures[f"cells_cpu_growth_{small}_to_{large}"] = round(growth, 2)
    return item
