"""`reconcile run` finds an out-of-band change made through the emulator's HTTP API, and
remediates it (policy `remediate`) or only reports it (policy `report`).

The controller embeds its own emulator on the state file the test serves over HTTP, the way a
person in the portal and the controller share one Azure.
"""

from __future__ import annotations

from pathlib import Path

from emulator.request_log import read_request_log
from tests.controller.controller_process import Controllers, Portal, is_cycle, is_drift

SUB = "00000000-0000-0000-0000-000000000000"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-platform-dev-wus2"
QUEUE_ADDRESS = "messaging.queue.orders"
QUEUE_ID = f"{GROUP}/providers/Microsoft.ServiceBus/namespaces/sbns-platform-dev-2fa94a/queues/orders-queue"
QUEUE_API = "2021-06-01-preview"  # azure-mgmt-servicebus 10's version for queues (emulator/api_versions.py)
VNET_ADDRESS = "networking.vnet"
VNET_ID = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-platform-dev-wus2"
VNET_API = "2024-07-01"


def run_args(state: Path, *extra: str) -> list[str]:
    return ["--env", "dev", "--interval", "2s", "--emulator-state", str(state), "--health-port", "-1", *extra]


def test_out_of_band_change_is_remediated_within_two_cycles(
    controllers: Controllers, portal: Portal, dev_state: Path
) -> None:
    controller = controllers.start(*run_args(dev_state))
    (_, first), = controller.wait_cycles(1)
    assert first["drifted"] == 0 and first["error"] is None

    queue = portal.get(QUEUE_ID, QUEUE_API)
    assert queue["properties"]["maxDeliveryCount"] == 10
    queue["properties"]["maxDeliveryCount"] = 3
    before_change = controller.mark()
    portal.put(QUEUE_ID, {"properties": queue["properties"]}, QUEUE_API)
    assert portal.get(QUEUE_ID, QUEUE_API)["properties"]["maxDeliveryCount"] == 3

    # The cycle in flight during the PUT may have read the queue before it; the next one cannot.
    cycles = controller.wait_cycles(2, after=before_change)
    last_index = cycles[-1][0]
    _, drift = controller.wait_for(is_drift(QUEUE_ADDRESS), after=before_change, what="the queue's drift event")
    assert controller.events.index(drift) < last_index
    assert drift["action"] == "update"
    assert "properties.maxDeliveryCount" in drift["changed_paths"].split(",")
    assert drift["remediated"] == "true"
    assert any(event["applied"] >= 1 for _, event in cycles)
    assert portal.get(QUEUE_ID, QUEUE_API)["properties"]["maxDeliveryCount"] == 10

    # Remediated for good: the next cycle finds nothing.
    (_, calm), = controller.wait_cycles(1, after=last_index + 1)
    assert calm["drifted"] == 0 and calm["applied"] == 0
    assert controller.terminate() == 0


def test_report_policy_reports_the_change_and_leaves_it(
    controllers: Controllers, portal: Portal, dev_state: Path
) -> None:
    controller = controllers.start(*run_args(dev_state, "--drift-policy", "report"))
    controller.wait_cycles(1)

    vnet = portal.get(VNET_ID, VNET_API)
    changed = {**vnet, "tags": {**vnet["tags"], "owner": "someone-else"}}
    before_change = controller.mark()
    portal.put(VNET_ID, changed, VNET_API)
    changed_at = read_request_log(dev_state)[-1].at

    cycles = controller.wait_cycles(2, after=before_change)
    _, drift = controller.wait_for(is_drift(VNET_ADDRESS), after=before_change, what="the VNet's drift event")
    assert drift["changed_paths"].split(",") == ["tags.owner"]
    assert drift["remediated"] == "false"
    assert drift["level"] == "WARNING"
    assert all(event["applied"] == 0 and event["remediated"] is False for _, event in cycles)
    assert [e for e in controller.events if is_cycle(e)][-1]["drifted"] == 1

    # Left alone: still someone else's value, and nobody wrote the VNet after that PUT.
    assert portal.get(VNET_ID, VNET_API)["tags"]["owner"] == "someone-else"
    writes = [
        r for r in read_request_log(dev_state)
        if r.at > changed_at and r.method in ("PUT", "PATCH", "DELETE")
    ]
    assert writes == []
    assert controller.terminate() == 0
