"""Out-of-band changes to a converged estate, as someone in the portal makes them:
tags edited on tagged resources, leaf resources deleted."""

from __future__ import annotations

from pathlib import Path

from desired_state import build
from desired_state.resource import Resource
from emulator.request_log import clear_request_log
from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION
from tests.reliability.harness import arm_call, clean_secrets, emulator_at, latest_api_version

#: Tagged resources whose `owner` tag is edited (ownership tags are left alone).
RETAGGED = (
    "networking.vnet",
    "messaging.namespace",
    "functions.app.queue_worker",
    "microservices.app.users",
    "security.key_vault",
    "observability.log_analytics",
)
#: Leaves deleted out of band; the reconciler must create them again.
DELETED = (
    "messaging.queue.thirdparty",
    "frontend.dns.www",
    "observability.alert.failed_requests",
    "etl.container.raw",
    "security.role.functions.key_vault_secrets_user",
    "microservices.app.orders",
)


def desired_by_address(env: str) -> dict[str, Resource]:
    """The desired resources of an environment, by address."""
    state = build(env, subscription_id=EMULATOR_SUBSCRIPTION, secrets=clean_secrets())
    return {r.address: r for r in state.resources}


def make_drift(env: str, state: Path) -> list[str]:
    """Apply the drift to the state file; returns what was done. The request
    log is cleared afterwards, so it holds only the reconciler's requests."""
    resources = desired_by_address(env)
    done: list[str] = []
    with emulator_at(state) as emu:
        for address in RETAGGED:
            r = resources[address]
            version = latest_api_version(r.type)
            answer = arm_call(emu, "GET", r.id, version)
            assert answer.status == 200, (address, answer.status)
            body = answer.json()
            body["tags"] = {**body.get("tags", {}), "owner": "someone-in-the-portal"}
            for key in ("etag", "id", "name", "type", "systemData"):
                body.pop(key, None)
            written = arm_call(emu, "PUT", r.id, version, body)
            assert written.status in (200, 201, 202), (address, written.status, written.body[:300])
            done.append(f"retag {address}")
        for address in DELETED:
            r = resources[address]
            answer = arm_call(emu, "DELETE", r.id, latest_api_version(r.type))
            assert answer.status in (200, 202, 204), (address, answer.status)
            done.append(f"delete {address}")
    clear_request_log(state)
    return done
