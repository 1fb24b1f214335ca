"""Recorded live ARM traffic of both corpora replayed against the emulator: same status codes and
LRO headers, no request refused for an api-version ARM publishes.

See ``tests/emulator/replay.py`` for how the replay works and ``tests/fixtures/recordings*/README.md``
for where the traffic comes from.
"""

from __future__ import annotations

import pytest

from tests.emulator.replay import CORPORA, Outcome, load, replay, report

_VMSS_INSTANCES = (
    "scale-set instances are created by Azure with ids of its own (recorded: instance 0 absent, "
    "instance 1 present, overprovisioning), not emulated; this request follows from that"
)
_EH_GEO_DR = (
    "Event Hubs geo-disaster-recovery pairing (alias keys, breakPairing/failover moving the alias, "
    "delete refused while paired) is not emulated"
)
_SQL_FAILOVER_GROUP = "a SQL failover group exists on its partner server too (Azure replicates it); not emulated"
_EXISTED_BEFORE = "Azure: 200, the resource existed before the recording (the test's own fixture); the replay creates it"

# Differences with a reason, per corpus; every other answer must agree with Azure's.
ALLOWED: dict[str, dict[str, str]] = {
    "recordings": {
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
        "monitor/test_cli_mgmt_monitor.test_metric_alerts.yaml#18": (
            "metric alert status by name (.../status/{name}) computed from metrics, not emulated"
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
    },
    "recordings2": {
        "compute/test_mgmt_compute_base_async.test_compute_vm.yaml#22": (
            "GET locations/{region}/runCommands/{name}: Compute's catalogue of built-in run commands "
            "(no resource type in ARM's index), not emulated"
        ),
        "compute/test_mgmt_compute_vm.test_compute_vm.yaml#22": "as compute_base_async#22: the run command catalogue",
        "compute/test_mgmt_compute_vm.test_compute_vm_2.yaml#15": (
            "Azure: 409 OperationNotAllowed 'the Subscription of this VM is not eligible' (performMaintenance, "
            "a property of the recorder's subscription)"
        ),
        "compute/test_mgmt_compute_vm.test_compute_vm_2.yaml#16": "as #15: 409 for the subscription, not the request",
        "compute/test_mgmt_compute_vm.test_compute_vm_2.yaml#17": "as #15: 409 for the subscription, not the request",
        "compute/test_mgmt_compute_vmss.test_compute_vmss_perform_maintenance.yaml#11": _VMSS_INSTANCES,
        "compute/test_mgmt_compute_vmss.test_compute_vmss_perform_maintenance.yaml#12": (
            "Azure: 409 OperationNotAllowed 'the Subscription of this VM is not eligible' (performMaintenance)"
        ),
        "compute/test_mgmt_compute_vmss.test_compute_vmss_perform_maintenance.yaml#13": _VMSS_INSTANCES,
        "compute/test_mgmt_compute_vmss.test_compute_vmss_vm.yaml#12": _VMSS_INSTANCES,
        "compute/test_mgmt_compute_vmss.test_compute_vmss_vm.yaml#13": _VMSS_INSTANCES,
        **{f"compute/test_mgmt_compute_vmss.test_compute_vmss_vm_2.yaml#{n}": _VMSS_INSTANCES for n in range(11, 31)},
        "eventhub/test_cli_mgmt_eventhub.test_disaster_recovery_configs.yaml#16": _EH_GEO_DR,
        **{f"eventhub/test_cli_mgmt_eventhub.test_disaster_recovery_configs.yaml#{n}": _EH_GEO_DR for n in range(18, 23)},
        "network/test_cli_mgmt_network_wan_hub.test_network.yaml#63": (
            "a finished operation's result carrying Azure-AsyncOperation and Location again (Network's VPN "
            "gateway reset); the emulator's finished results carry no polling headers"
        ),
        "relay/test_azure_mgmt_relay_namespace.test_relay_namespace_curd.yaml#7": (
            "the RootManageSharedAccessKey rule Azure creates with every Relay namespace is not emulated"
        ),
        "resource/test_mgmt_resource.test_deployments_at_scope.yaml#7": (
            "deployment operations list: template deployments are not emulated"
        ),
        "resource/test_mgmt_resource.test_deployments_at_scope.yaml#8": (
            "Azure: 409 cancelling a deployment that had finished; template deployments are not emulated"
        ),
        "resource/test_mgmt_resource.test_deployments_at_scope.yaml#12": (
            "finished deployment delete polls 204 where other deletes poll 200; deployments are not emulated"
        ),
        "resource/test_mgmt_resource.test_deployments_linked_template_error.yaml#0": (
            "Azure: 400 InvalidTemplate for a linked template it could not fetch; templates are not evaluated"
        ),
        "resource/test_mgmt_resource_async.test_resource_groups.yaml#3": (
            "HEAD of a group while its asynchronous delete runs: Azure 404 at once, the emulator until polled"
        ),
        "resource/test_mgmt_resource_managed_application.test_application.yaml#0": _EXISTED_BEFORE,
        "resource/test_mgmt_resource_managed_application.test_application_by_id.yaml#0": _EXISTED_BEFORE,
        "servicebus/test_cli_mgmt_servicebus_namespace.test_disaster_recovery_configs.yaml#9": (
            "Azure: 400 NoRegisteredProviderFound for disasterRecoveryConfigs/checkNameAvailability at "
            "2018-01-01-preview: that action's own registration lists only 2017-04-01, narrower than its type's"
        ),
        "servicebus/test_cli_mgmt_servicebus_namespace.test_migration_configs.yaml#19": (
            "Service Bus standard-to-premium migration (the migrated namespace taken over) is not emulated"
        ),
        "servicebus/test_cli_mgmt_servicebus_namespace.test_migration_configs.yaml#20": (
            "follows #19: the migrated namespace's delete answers 204 in Azure"
        ),
        "servicebus/test_cli_mgmt_servicebus_namespace.test_migration_configs.yaml#24": (
            "Service Bus answers a finished delete's result with 404 (the namespace is gone), the emulator 200"
        ),
        "servicebus/test_cli_mgmt_servicebus_namespace.test_namespace.yaml#23": (
            "Service Bus answers a finished delete's result with 404 (the namespace is gone), the emulator 200"
        ),
        "sql/test_cli_mgmt_sql_database.test_database_blob_auditing_policy.yaml#0": "Azure: 500 (a transient error)",
        "sql/test_cli_mgmt_sql_database.test_restore_points.yaml#42": (
            "restore points are created by POST .../restorePoints (an action); the emulator keeps none, "
            "so their DELETE finds nothing (204)"
        ),
        **{f"sql/test_cli_mgmt_sql_failover_group.test_failover_group.yaml#{n}": _SQL_FAILOVER_GROUP for n in range(20, 26)},
        "sql/test_cli_mgmt_sql_job.test_job.yaml#35": (
            "a job execution started by POST jobs/start (an action) is not created by the emulator"
        ),
        "sql/test_cli_mgmt_sql_job.test_job.yaml#41": (
            "SQL answers 404 to DELETE of a step whose job is gone; ARM's rule (and the emulator) is 204"
        ),
        "sql/test_cli_mgmt_sql_managed_db.test_managed_instance_long_term_retention_policy.yaml#11": (
            "Azure: 400 validating the retention policy's values; SQL's value validation is not emulated"
        ),
        "sql/test_cli_mgmt_sql_managed_db.test_managed_security_alert_policy.yaml#0": _EXISTED_BEFORE,
        "sql/test_cli_mgmt_sql_managed_db.test_managed_security_alert_policy.yaml#1": _EXISTED_BEFORE,
        "sql/test_cli_mgmt_sql_vulnerability_assessment.test_managed_vulnerability_assessment.yaml#0": _EXISTED_BEFORE,
        "sql/test_cli_mgmt_sql_vulnerability_assessment.test_managed_vulnerability_assessment.yaml#1": _EXISTED_BEFORE,
    },
}

#: Requests each corpus must keep (a fixture that lost traffic would make the figure meaningless).
MINIMUM = {"recordings": 550, "recordings2": 2250}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(request: pytest.FixtureRequest) -> tuple[str, list[Outcome]]:
    name = str(request.param)
    return name, replay(load(CORPORA[name]))


def test_replay_agrees_with_azure(corpus: tuple[str, list[Outcome]], capsys: pytest.CaptureFixture[str]) -> None:
    name, outcomes = corpus
    allowed = frozenset(ALLOWED[name])
    with capsys.disabled():
        print(f"\n{name}: " + report(outcomes, allowed))
    agree = sum(o.agrees for o in outcomes)
    assert len(outcomes) >= MINIMUM[name], "the recordings fixture lost requests"
    assert agree / len(outcomes) >= 0.97, report(outcomes, allowed)
    unexplained = [o for o in outcomes if not o.agrees and o.key not in allowed]
    assert not unexplained, report(unexplained)


def test_no_request_is_refused_for_a_published_api_version(corpus: tuple[str, list[Outcome]]) -> None:
    _name, outcomes = corpus
    refused = [o for o in outcomes if o.error_code in ("NoRegisteredProviderFound", "InvalidApiVersionParameter")]
    assert not refused, report(refused)


def test_allow_list_has_no_stale_entries(corpus: tuple[str, list[Outcome]]) -> None:
    """An allow-listed request that now agrees must leave the list (the list only shrinks)."""
    name, outcomes = corpus
    agreeing = {o.key for o in outcomes if o.agrees}
    assert not (set(ALLOWED[name]) & agreeing), sorted(set(ALLOWED[name]) & agreeing)
    present = {o.key for o in outcomes}
    assert set(ALLOWED[name]) <= present, sorted(set(ALLOWED[name]) - present)
