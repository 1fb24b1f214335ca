"""The AzureRM-proven read-back rules (adapters/normalisations.py): each one takes what ARM returns
for a value for the value sent, and a different value is still drift."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.compare import compare
from adapters.registry import rules_for

GENERIC = "Microsoft.Example/widgets"  # a type no table knows: conventions alone

#: (type, desired, what ARM returned for it, a real change of it)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # numbers and booleans as strings, booleans in any casing (API Management customProperties)
    (GENERIC, {"properties": {"count": 5}}, {"properties": {"count": "5"}}, {"properties": {"count": "6"}}),
    ("Microsoft.ApiManagement/service",
     {"properties": {"customProperties": {"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "false"}}},
     {"properties": {"customProperties": {"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False",
                                          "Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2": "False"}}},
     {"properties": {"customProperties": {"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "True"}}}),
    # timestamps at another precision or offset
    (GENERIC, {"properties": {"startTime": "2020-09-24T18:30:01.000Z"}}, {"properties": {"startTime": "2020-09-24T18:30:01+00:00"}},
     {"properties": {"startTime": "2020-09-24T18:30:02Z"}}),
    # durations as ISO 8601 or TimeSpan
    (GENERIC, {"properties": {"lockDuration": "PT1M"}}, {"properties": {"lockDuration": "00:01:00"}},
     {"properties": {"lockDuration": "00:02:00"}}),
    # trailing slash on URLs, leading/trailing slash on ids
    (GENERIC, {"properties": {"storageEndpoint": "https://st.blob.core.windows.net"}},
     {"properties": {"storageEndpoint": "https://st.blob.core.windows.net/"}},
     {"properties": {"storageEndpoint": "https://other.blob.core.windows.net/"}}),
    (GENERIC, {"properties": {"targetId": "subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i"}},
     {"properties": {"targetId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i/"}},
     {"properties": {"targetId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/j"}}),
    # comma-separated sets re-ordered and re-spaced
    ("Microsoft.Storage/storageAccounts", {"properties": {"networkAcls": {"bypass": "AzureServices,Logging,Metrics"}}},
     {"properties": {"networkAcls": {"bypass": "Logging, Metrics, AzureServices"}}},
     {"properties": {"networkAcls": {"bypass": "Logging, Metrics"}}}),
    # a JSON document in a string, re-serialised
    (GENERIC, {"properties": {"ticketConfiguration": '{"PayloadRevision":0,"WorkItemType":"Incident"}'}},
     {"properties": {"ticketConfiguration": '{"WorkItemType": "Incident", "PayloadRevision": 0}'}},
     {"properties": {"ticketConfiguration": '{"WorkItemType": "Alert", "PayloadRevision": 0}'}}),
    # an IPv4 address with or without /32
    (GENERIC, {"properties": {"ipRules": [{"value": "20.1.2.3"}]}}, {"properties": {"ipRules": [{"value": "20.1.2.3/32"}]}},
     {"properties": {"ipRules": [{"value": "20.1.2.4/32"}]}}),
    # an empty list returned as [""] (SQL)
    ("Microsoft.Sql/servers/securityAlertPolicies", {"properties": {"emailAddresses": []}}, {"properties": {"emailAddresses": [""]}},
     {"properties": {"emailAddresses": ["ops@example.com"]}}),
    # a zero value the service omits
    (GENERIC, {"properties": {"enabled": False}}, {"properties": {}}, {"properties": {"enabled": True}}),
    # Service Bus standard: a partitioned entity reports 16 x the size
    ("Microsoft.ServiceBus/namespaces/queues", {"properties": {"maxSizeInMegabytes": 1024, "enablePartitioning": True}},
     {"properties": {"maxSizeInMegabytes": 16384, "enablePartitioning": True}},
     {"properties": {"maxSizeInMegabytes": 32768, "enablePartitioning": True}}),
    # Redis: created at a major version, returns the full one
    ("Microsoft.Cache/redis", {"properties": {"redisVersion": "6"}}, {"properties": {"redisVersion": "6.0.14"}},
     {"properties": {"redisVersion": "4.0.14"}}),
    # SQL sku names short or long
    ("Microsoft.Sql/managedInstances", {"sku": {"name": "GP_Gen8IH"}}, {"sku": {"name": "GP_G8IH"}}, {"sku": {"name": "BC_G8IH"}}),
    # Key Vault: the default retention is not returned
    ("Microsoft.KeyVault/vaults", {"properties": {"softDeleteRetentionInDays": 90}}, {"properties": {"enableSoftDelete": True}},
     {"properties": {"softDeleteRetentionInDays": 7}}),
    # Container Apps: the Consumption profile the server adds
    ("Microsoft.App/managedEnvironments",
     {"properties": {"workloadProfiles": [{"name": "d4", "workloadProfileType": "D4", "minimumCount": 1, "maximumCount": 3}]}},
     {"properties": {"workloadProfiles": [{"name": "Consumption", "workloadProfileType": "Consumption"},
                                          {"name": "d4", "workloadProfileType": "D4", "minimumCount": 1, "maximumCount": 3}]}},
     {"properties": {"workloadProfiles": [{"name": "Consumption", "workloadProfileType": "Consumption"},
                                          {"name": "d8", "workloadProfileType": "D8", "minimumCount": 1, "maximumCount": 3}]}}),
    # diagnostic settings list every category, the ones not asked for disabled
    ("Microsoft.Insights/diagnosticSettings", {"properties": {"logs": [{"category": "AuditEvent", "enabled": True}]}},
     {"properties": {"logs": [{"category": "AuditEvent", "enabled": True}, {"category": "AllMetrics", "enabled": False}]}},
     {"properties": {"logs": [{"category": "AuditEvent", "enabled": False}]}}),
    # a nested location by name, in ARM's display spelling (Cosmos DB locations, flow logs' workspaceRegion)
    (GENERIC, {"properties": {"locations": [{"locationName": "eastus", "failoverPriority": 0}]}},
     {"properties": {"locations": [{"locationName": "East US", "failoverPriority": 0}]}},
     {"properties": {"locations": [{"locationName": "West US", "failoverPriority": 0}]}}),
    (GENERIC, {"properties": {"workspaceRegion": "westeurope"}}, {"properties": {"workspaceRegion": "West Europe"}},
     {"properties": {"workspaceRegion": "North Europe"}}),
    # ARM's common SKU fields re-cased (App Service plan tier STANDARD -> Standard)
    (GENERIC, {"sku": {"name": "S1", "tier": "STANDARD"}}, {"sku": {"name": "S1", "tier": "Standard"}},
     {"sku": {"name": "S1", "tier": "Premium"}}),
]


@pytest.mark.parametrize(("arm_type", "desired", "returned", "changed"), CASES, ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)])
def test_what_arm_returns_for_a_value_is_that_value_and_a_change_is_drift(
    arm_type: str, desired: dict[str, Any], returned: dict[str, Any], changed: dict[str, Any]
) -> None:
    rules = rules_for(arm_type)
    result = compare(desired, returned, rules)
    assert result.in_sync, result.differences
    assert not compare(desired, changed, rules).in_sync


def test_secrets_and_create_time_inputs_by_name_are_not_compared() -> None:
    """ARM never returns a secret; `createMode`/`source...Id` instruct the create (recorded: VM
    `adminPassword`, SQL alert policies' `storageAccountAccessKey`, Compute `creationData.sourceUri`)."""
    desired = {"properties": {"osProfile": {"adminPassword": "x-Secret-1", "adminUsername": "azure"},
                              "createMode": "Restore", "creationData": {"sourceUri": "https://x/y.vhd"}}}
    live = {"properties": {"osProfile": {"adminUsername": "azure"}, "creationData": {"createOption": "Import"}}}
    result = compare(desired, live, rules_for(GENERIC))
    assert result.in_sync
    assert "properties.osProfile.adminPassword" in result.unverifiable
    assert not compare(desired, {"properties": {"osProfile": {"adminUsername": "root"}}}, rules_for(GENERIC)).in_sync


def test_a_child_location_a_definition_does_not_require_is_not_compared() -> None:
    """Private DNS zone links carry `global`; a Service Bus queue its namespace's: neither is the desired body's."""
    for arm_type in ("Microsoft.ServiceBus/namespaces/queues", "Microsoft.Network/virtualNetworks/subnets"):
        assert compare({"location": "westus2"}, {"location": "West US 2"}, rules_for(arm_type)).in_sync
        assert compare({"location": "westus2"}, {}, rules_for(arm_type)).in_sync
    tracked_child = rules_for("Microsoft.Sql/servers/databases")  # location required: a tracked child
    assert not compare({"location": "westus2"}, {"location": "eastus"}, tracked_child).in_sync


def test_cosmos_request_only_options_are_write_only() -> None:
    desired = {"properties": {"resource": {"id": "db1"}, "options": {"throughput": 400}}}
    live = {"properties": {"resource": {"id": "db1", "_rid": "abc"}}}
    result = compare(desired, live, rules_for("Microsoft.DocumentDB/databaseAccounts/sqlDatabases"))
    assert result.in_sync and "properties.options" in result.unverifiable


def test_a_location_name_convention_leaves_urls_and_ids_alone() -> None:
    """Only values shaped like location names are compared as locations: a URL or an id in a field named
    `...Location` keeps its own comparison (another container stays drift, spaces are not ignored)."""
    rules = rules_for(GENERIC)
    desired = {"properties": {"storageLocation": "https://st.blob.core.windows.net/backups"}}
    assert not compare(desired, {"properties": {"storageLocation": "https://st.blob.core.windows.net/back-ups"}}, rules).in_sync
    assert not compare({"properties": {"targetRegion": "a/b"}}, {"properties": {"targetRegion": "ab"}}, rules).in_sync
