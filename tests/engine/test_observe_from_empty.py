"""An apply from empty first observes an estate that is not there: once a resource group's read
answers 404, nothing under the group exists (ARM answers 404 ResourceGroupNotFound for it all),
so the reads of what is under it that have not left yet are not sent."""

from __future__ import annotations

from pathlib import Path

from bench.estates import dense, sparse
from bench.target import open_target
from emulator import FaultConfig


def test_nothing_is_read_under_a_group_found_missing(tmp_path: Path) -> None:
    state = dense(30)  # one group: a namespace, an account, 9 queues, 9 containers, 9 NSGs
    # one read at a time, as when a large estate's reads queue for the pool or ARM's read bucket
    target = open_target(state, tmp_path / "state.db", FaultConfig(throttle=False), observe_workers=1)
    try:
        observation = target.engine.observe()
        plan = target.engine.plan(observation)
        requests = [(r.method, r.path.lower(), r.status) for r in target.emulator.request_log]
    finally:
        target.close()
    group = state.resources[0]
    assert group.type == "Microsoft.Resources/resourceGroups"
    assert requests == [("GET", group.id.lower(), 404)]
    assert not observation.errors and not any(observation.live.values())
    assert {c.action for c in plan.changes} == {"create"} and len(plan.changes) == len(state.resources)


def test_groups_that_exist_are_read_through(tmp_path: Path) -> None:
    state = sparse(8)  # two groups of (group, identity, NSG, public IP)
    first = open_target(state, tmp_path / "state.db", FaultConfig(throttle=False))
    try:
        result = first.engine.apply(first.engine.plan(observation := first.engine.observe()), observation)
        assert result.ok, result.failed
    finally:
        first.close()
    target = open_target(state, tmp_path / "state.db", FaultConfig(throttle=False), observe_workers=1)
    try:
        plan = target.engine.plan(target.engine.observe())
        paths = {r.path.lower() for r in target.emulator.request_log}
    finally:
        target.close()
    assert not plan.has_changes
    assert {r.id.lower() for r in state.resources} <= paths  # every one read (one of a kind per group: a GET)
