"""Recorded live ARM traffic replayed against the emulator: same status codes and LRO headers.

See ``tests/emulator/replay.py`` for how the replay works and
``tests/fixtures/recordings/README.md`` for where the traffic comes from.
"""

from __future__ import annotations

import pytest

from tests.emulator.replay import Outcome, replay, report

# Differences with a reason; every other answer must agree with Azure's.
ALLOWED: dict[str, str] = {
    # Azure refused these for reasons of its own state that no request shows
    "apimanagement/test_apimanagement.test_apiservice2.yaml#0": (
        "Azure: 400 InvalidParameters 'Cannot have two services in the same location' (a service of "
        "the test's subscription, outside the recording)"
    ),
    "cosmosdb/test_cli_mgmt_cosmosdb_notebook_workspace.test_dbaccount.yaml#20": (
        "Azure: 401 for the recorder's identity on notebook workspaces (permissions, not a rule of the type)"
    ),
    "network/test_cli_mgmt_network_application.test_network.yaml#9": (
        "Azure: 400 for an application gateway whose subnet/listener setup the test got wrong; "
        "application gateway validation is not emulated (not a type in use)"
    ),
    "monitor/test_cli_mgmt_monitor.test_action_groups.yaml#2": (
        "Azure: 409 on actionGroups/subscribe (receiver state outside the recording); actions on action "
        "groups are not emulated"
    ),
    "resource/test_mgmt_resource.test_deployments_basic.yaml#10": (
        "Azure: 409 cancelling a deployment that had finished; template deployments are not emulated"
    ),
    "servicebus/test_cli_mgmt_servicebus.test_namespace.yaml#17": (
        "Azure: 400 for namespace migrate (needs a paired premium namespace); not emulated"
    ),
    # Endpoints outside a resource's lifecycle, not emulated
    "authorization/test_cli_mgmt_authorization.test_role_assignment.yaml#2": (
        "providerOperations metadata catalogue (tenant-level), not emulated"
    ),
    "loganalytics/test_mgmt_loganalytics.test_loganalytics_operations.yaml#0": (
        "tenant-level /providers/{namespace}/operations catalogue, not emulated"
    ),
    "monitor/test_cli_mgmt_monitor.test_metric_alerts.yaml#14": (
        "tenant-level /providers/microsoft.insights/operations catalogue, not emulated"
    ),
    "cdn/test_cli_mgmt_cdn.test_cdn.yaml#51": (
        "tenant-level /providers/Microsoft.Cdn/checkNameAvailability (no subscription), not emulated"
    ),
    "monitor/test_cli_mgmt_monitor.test_metric_alerts.yaml#18": (
        "metric alert status by name (.../status/{name}) computed from metrics, not emulated"
    ),
    "monitor/test_cli_mgmt_monitor.test_metric_alerts.yaml#19": (
        "VM insights onboarding status (a computed, read-only extension), not emulated"
    ),
    "keyvault/test_cli_mgmt_keyvault.test_keyvault.yaml#7": (
        "Key Vault soft delete (locations/deletedVaults) is not emulated: a deleted vault is gone"
    ),
    "resource/test_mgmt_resource.test_deployments_basic.yaml#8": (
        "deployment operations list: template deployments are not emulated"
    ),
    "resource/test_mgmt_resource.test_deployments_basic.yaml#9": (
        "deployment operation by id: template deployments are not emulated"
    ),
    "resource/test_mgmt_resource.test_deployments_basic.yaml#14": (
        "finished deployment delete polls 204 where other deletes poll 200; deployments are not emulated"
    ),
    "resource/test_mgmt_resource.test_resources.yaml#31": (
        "moveResources is accepted (202, polled to done) but not carried out: the moved resource "
        "is not found under its new group"
    ),
    "resource/test_mgmt_resource.test_resources.yaml#33": (
        "follows #31: deleting the moved resource under its new group finds nothing (204)"
    ),
}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return replay()


def test_replay_agrees_with_azure(outcomes: list[Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + report(outcomes, frozenset(ALLOWED)))
    agree = sum(o.agrees for o in outcomes)
    assert len(outcomes) >= 550, "the recordings fixture lost requests"
    assert agree / len(outcomes) >= 0.95, report(outcomes, frozenset(ALLOWED))
    unexplained = [o for o in outcomes if not o.agrees and o.key not in ALLOWED]
    assert not unexplained, report(unexplained)


def test_no_recorded_api_version_is_refused(outcomes: list[Outcome]) -> None:
    refused = [o for o in outcomes if o.error_code in ("NoRegisteredProviderFound", "InvalidApiVersionParameter")]
    assert not refused, report(refused)


def test_allow_list_has_no_stale_entries(outcomes: list[Outcome]) -> None:
    """An allow-listed request that now agrees must leave the list (the list only shrinks)."""
    agreeing = {o.key for o in outcomes if o.agrees}
    assert not (set(ALLOWED) & agreeing), sorted(set(ALLOWED) & agreeing)
