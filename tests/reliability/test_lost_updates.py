"""Two writers on one resource at once: our write carries the etag we planned
from, the other writer's change turns it into a 412, and the engine re-reads
and re-plans instead of overwriting the other write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.request_log import clear_request_log, read_request_log
from reconciler.engine.session import Session, open_session
from tests.reliability.harness import (
    CLEAN,
    arm_call,
    clean_secrets,
    emulator_at,
    latest_api_version,
    run_once,
)

ENV = "dev"
ADDRESS = "networking.vnet"


@pytest.fixture(scope="module")
def converged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("dev") / "template.db"
    assert not run_once(ENV, state, CLEAN).failed
    return state


@pytest.fixture
def state(converged: Path, tmp_path: Path) -> Path:
    from tests.reliability.harness import copy_state

    return copy_state(converged, tmp_path / "emulator.db")


def _session(state: Path) -> Session:
    return open_session(ENV, secrets=clean_secrets(), emulator_state=str(state), faults=CLEAN)


def _portal_edit(state: Path, rid: str, arm_type: str, edit: dict[str, Any]) -> None:
    version = latest_api_version(arm_type)
    with emulator_at(state) as emu:
        body = emu_get(emu, rid, version)
        for path, value in edit.items():
            node: dict[str, Any] = body
            *parents, leaf = path.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        assert arm_call(emu, "PUT", rid, version, body).status in (200, 201)


def emu_get(emu: object, rid: str, version: str) -> dict[str, Any]:
    answer = arm_call(emu, "GET", rid, version)
    assert answer.status == 200
    body: dict[str, Any] = answer.json()
    return body


def _vnet_puts(state: Path, rid: str) -> list[int]:
    return [r.status for r in read_request_log(state) if r.method == "PUT" and r.path.lower() == rid.lower()]


#: (address, a field we do not manage and the portal sets): a VNet (read by GET,
#: etag only in the header) and an NSG (read with its siblings by one list call).
PORTAL_EDITS = [
    ("networking.vnet", "properties.dhcpOptions", {"dnsServers": ["10.0.5.4"]}),
    ("networking.nsg.app", "properties.flushConnection", True),
]


@pytest.mark.parametrize(("address", "field", "value"), PORTAL_EDITS, ids=[a for a, _, _ in PORTAL_EDITS])
def test_portal_write_between_plan_and_apply_is_kept(state: Path, address: str, field: str, value: Any) -> None:
    session = _session(state)
    target = session.engine.resources[address]
    _portal_edit(state, target.id, target.type, {"tags.owner": "drifted"})  # drift we will repair
    observation = session.engine.observe()
    plan = session.engine.plan(observation)
    assert [c.address for c in plan.changes if c.runnable] == [address]
    # Someone in the portal writes a field we do not manage, after our read.
    _portal_edit(state, target.id, target.type, {field: value})
    clear_request_log(state)
    result = session.engine.apply(plan, observation)
    assert result.failed == {}
    with emulator_at(state) as emu:
        final = emu_get(emu, target.id, latest_api_version(target.type))
    node: Any = final
    for key in field.split("."):
        node = node[key]
    assert node == value, f"the portal's {field} was overwritten: {_vnet_puts(state, target.id)}"
    assert final["tags"]["owner"] == "platform-team"


def test_second_controller_racing_the_same_repair_writes_once(state: Path) -> None:
    first, second = _session(state), _session(state)
    vnet = first.engine.resources[ADDRESS]
    _portal_edit(state, vnet.id, vnet.type, {"tags.owner": "drifted"})
    obs_a, obs_b = first.engine.observe(), second.engine.observe()
    plan_a, plan_b = first.engine.plan(obs_a), second.engine.plan(obs_b)
    clear_request_log(state)
    assert first.engine.apply(plan_a, obs_a).failed == {}
    assert second.engine.apply(plan_b, obs_b).failed == {}
    # The second controller's stale write is refused, re-read, found in sync, and not repeated.
    assert _vnet_puts(state, vnet.id) == [200, 412]
