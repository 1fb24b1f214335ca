"""A DAG executor: each node starts as soon as its own dependencies are done,
not level by level; bounded concurrency; a failure stops only its dependents.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from desired_state.errors import ReconcilerError


@dataclass
class Outcome:
    """What happened to every node of one run."""

    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)
    #: node -> the failed (or stopped) dependency that caused the skip
    skipped: dict[str, str] = field(default_factory=dict)


class Stopped(ReconcilerError):
    """Raised into nodes not yet started once a stop was requested."""

    outcome = "stop-requested"


def run_dag(
    nodes: Iterable[str],
    depends_on: Mapping[str, Iterable[str]],
    work: Callable[[str], None],
    *,
    max_workers: int = 16,
    stop: threading.Event | None = None,
    on_done: Callable[[str, BaseException | None], None] | None = None,
) -> Outcome:
    """Run `work(node)` for every node after all its dependencies succeeded.

    Dependencies outside `nodes` are taken as already satisfied. When `stop`
    is set, nothing new starts; nodes in flight finish.
    """
    order = list(dict.fromkeys(nodes))
    known = set(order)
    deps = {n: {d for d in depends_on.get(n, ()) if d in known and d != n} for n in order}
    dependents: dict[str, list[str]] = {n: [] for n in order}
    for n, ds in deps.items():
        for d in ds:
            dependents[d].append(n)

    # With more ready nodes than workers, start those heading the longest
    # chains of dependents first: they bound the run's wall time.
    height = _heights(order, dependents)
    position = {n: i for i, n in enumerate(order)}
    ready: list[tuple[int, int, str]] = []  # a heap: longest chain first, then desired order

    def make_ready(n: str) -> None:
        heapq.heappush(ready, (-height[n], position[n], n))

    outcome = Outcome()
    waiting = {n: len(ds) for n, ds in deps.items()}
    for n in order:
        if waiting[n] == 0:
            make_ready(n)
    running: dict[Future[None], str] = {}

    def skip_dependents(root: str, cause: str) -> None:
        stack = list(dependents[root])
        while stack:
            n = stack.pop()
            if n in outcome.skipped or n in outcome.failed or n in outcome.succeeded:
                continue
            outcome.skipped[n] = cause
            if on_done:
                on_done(n, Stopped(f"skipped: depends on {cause}"))
            stack.extend(dependents[n])

    workers = max(1, max_workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        while ready or running:
            # No more in flight than workers: a node that becomes ready later (the next link of
            # the longest chain) then starts before the ready nodes heading shorter chains,
            # instead of queueing behind all of them in the pool.
            while ready and len(running) < workers and not (stop and stop.is_set()):
                n = heapq.heappop(ready)[2]
                if n in outcome.skipped:
                    continue
                running[pool.submit(work, n)] = n
            if stop and stop.is_set():
                for _, _, n in ready:
                    if n not in outcome.skipped:
                        outcome.skipped[n] = "stop requested"
                ready.clear()
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                n = running.pop(fut)
                err = fut.exception()
                if err is None:
                    outcome.succeeded.append(n)
                    for m in dependents[n]:
                        waiting[m] -= 1
                        if waiting[m] == 0 and m not in outcome.skipped:
                            make_ready(m)
                else:
                    outcome.failed[n] = err
                    skip_dependents(n, n)
                if on_done:
                    on_done(n, err)
    # Nodes never reached because a stop was requested mid-run.
    for n in order:
        if n not in outcome.succeeded and n not in outcome.failed and n not in outcome.skipped:
            outcome.skipped[n] = "stop requested"
    return outcome


def _heights(order: list[str], dependents: Mapping[str, list[str]]) -> dict[str, int]:
    """Length of the longest chain of dependents below each node (0 for a leaf)."""
    height: dict[str, int] = {}
    for root in order:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in height:
                continue
            if expanded:
                height[node] = 1 + max((height[m] for m in dependents[node]), default=-1)
                continue
            stack.append((node, True))
            stack.extend((m, False) for m in dependents[node] if m not in height)
    return height
