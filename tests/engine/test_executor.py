"""The DAG executor starts each node when its own dependencies are done, and a
failure stops only its dependents."""

from __future__ import annotations

import threading
import time

from reconciler.engine.executor import run_dag


def test_runs_every_node_after_its_dependencies() -> None:
    finished: list[str] = []
    lock = threading.Lock()

    def work(node: str) -> None:
        with lock:
            finished.append(node)

    deps = {"b": ["a"], "c": ["a"], "d": ["b", "c"]}
    outcome = run_dag(["a", "b", "c", "d"], deps, work, max_workers=4)
    assert sorted(outcome.succeeded) == ["a", "b", "c", "d"]
    for node, before in deps.items():
        for dep in before:
            assert finished.index(dep) < finished.index(node)


def test_failure_skips_only_dependents() -> None:
    def work(node: str) -> None:
        if node == "bad":
            raise RuntimeError("LRO ended Failed")

    deps = {"child": ["bad"], "grandchild": ["child"], "other": ["root"]}
    outcome = run_dag(["root", "bad", "child", "grandchild", "other"], deps, work)
    assert set(outcome.failed) == {"bad"}
    assert outcome.skipped == {"child": "bad", "grandchild": "bad"}
    assert sorted(outcome.succeeded) == ["other", "root"]


def test_a_node_starts_as_soon_as_its_own_dependencies_finish() -> None:
    # 'fast-child' depends only on 'fast'; it must not wait for 'slow'.
    started: dict[str, float] = {}
    release_slow = threading.Event()

    def work(node: str) -> None:
        started[node] = time.monotonic()
        if node == "slow":
            assert release_slow.wait(5)
        if node == "fast-child":
            release_slow.set()

    outcome = run_dag(["slow", "fast", "fast-child"], {"fast-child": ["fast"]}, work, max_workers=4)
    assert sorted(outcome.succeeded) == ["fast", "fast-child", "slow"]


def test_stop_lets_in_flight_work_finish_and_starts_nothing_new() -> None:
    stop = threading.Event()

    def work(node: str) -> None:
        if node == "first":
            stop.set()

    outcome = run_dag(["first", "second"], {"second": ["first"]}, work, stop=stop)
    assert outcome.succeeded == ["first"]
    assert outcome.skipped == {"second": "stop requested"}


def test_dependencies_outside_the_run_count_as_satisfied() -> None:
    outcome = run_dag(["x"], {"x": ["not-in-this-run"]}, lambda n: None)
    assert outcome.succeeded == ["x"]


def test_with_one_worker_the_head_of_the_longest_chain_starts_first() -> None:
    started: list[str] = []
    deps = {"chain-2": ["chain-1"], "chain-3": ["chain-2"]}
    outcome = run_dag(["leaf-a", "leaf-b", "chain-1", "chain-2", "chain-3"], deps, started.append, max_workers=1)
    assert len(outcome.succeeded) == 5
    assert started[0] == "chain-1"


def test_a_link_of_the_longest_chain_ready_later_starts_before_shorter_chains_ready_earlier() -> None:
    # With every worker busy, nodes ready earlier wait in the executor's order (longest chain
    # first), not in the pool's queue: the next link of the critical path is not left behind them.
    started: list[str] = []
    deps = {"chain-2": ["chain-1"], "chain-3": ["chain-2"]}
    outcome = run_dag(["leaf-a", "leaf-b", "chain-1", "chain-2", "chain-3"], deps, started.append, max_workers=1)
    assert len(outcome.succeeded) == 5
    assert started[:2] == ["chain-1", "chain-2"]  # chain-3 heads no longer chain than the leaves: their order
