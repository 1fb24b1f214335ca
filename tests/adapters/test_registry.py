"""The registry: every required ARM type has an adapter whose SDK calls exist."""

from __future__ import annotations

import inspect

import pytest

from adapters.bodies import resolve_model
from adapters.compare import CompareRules
from adapters.registry import AdapterRegistry, all_types, entry_for, rules_for
from tests.adapters.arm_double import factory
from tests.adapters.examples import all_examples

REQUIRED = ["Microsoft.Resources/resourceGroups", "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/networkSecurityGroups", "Microsoft.Network/networkSecurityGroups/securityRules", "Microsoft.Network/natGateways", "Microsoft.Network/publicIPAddresses", "Microsoft.Network/privateEndpoints", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "Microsoft.Network/ddosProtectionPlans", "Microsoft.Network/azureFirewalls", "Microsoft.Network/dnsZones", "Microsoft.Network/dnsZones/CNAME", "Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Microsoft.KeyVault/vaults", "Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.Authorization/roleAssignments", "Microsoft.OperationalInsights/workspaces", "Microsoft.Insights/components", "Microsoft.Insights/actionGroups", "Microsoft.Insights/metricAlerts", "Microsoft.Insights/scheduledQueryRules", "Microsoft.Insights/diagnosticSettings", "Microsoft.Sql/servers", "Microsoft.Sql/servers/databases", "Microsoft.Sql/servers/firewallRules", "Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues", "Microsoft.ServiceBus/namespaces/topics", "Microsoft.ServiceBus/namespaces/topics/subscriptions", "Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/blobServices/containers", "Microsoft.Web/serverfarms", "Microsoft.Web/sites", "Microsoft.Web/sites/config", "Microsoft.Web/staticSites", "Microsoft.App/managedEnvironments", "Microsoft.App/containerApps", "Microsoft.ApiManagement/service", "Microsoft.ApiManagement/service/apis", "Microsoft.ApiManagement/service/apis/policies", "Microsoft.ApiManagement/service/namedValues", "Microsoft.ApiManagement/service/policies", "Microsoft.ApiManagement/service/products", "Microsoft.ApiManagement/service/subscriptions", "Microsoft.Cdn/profiles", "Microsoft.Cdn/profiles/afdEndpoints", "Microsoft.Cdn/profiles/afdEndpoints/routes", "Microsoft.Cdn/profiles/originGroups", "Microsoft.Cdn/profiles/originGroups/origins", "Microsoft.DataFactory/factories", "Microsoft.Cache/redis", "Microsoft.DocumentDB/databaseAccounts", "Microsoft.Network/firewallPolicies", "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "Microsoft.KeyVault/vaults/secrets", "Microsoft.ApiManagement/service/apis/operations", "Microsoft.ApiManagement/service/products/apiLinks", "Microsoft.Cdn/profiles/securityPolicies", "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies", "Microsoft.Cache/redisEnterprise", "Microsoft.Cache/redisEnterprise/databases", "Microsoft.Network/privateDnsZones/A", "Microsoft.Storage/storageAccounts/fileServices/shares"]


def test_registry_covers_exactly_the_required_types() -> None:
    assert sorted(REQUIRED) == all_types()
    assert AdapterRegistry(factory()).types() == all_types()


def test_every_example_type_has_an_adapter() -> None:
    assert {ex.arm_type for ex in all_examples()} <= set(all_types())


@pytest.mark.parametrize("arm_type", REQUIRED)
def test_each_entry_names_sdk_calls_that_exist_with_matching_arguments(arm_type: str) -> None:
    declared = entry_for(arm_type)
    operations = getattr(factory().client(declared.service), declared.operations)
    for entry in (declared, *(declared.for_name(name) for name in declared.by_name)):
        calls = ((entry.get, 0), (entry.create, 1), (entry.delete, 0))
        for method_name, body_args in calls:
            if not method_name:  # only the delete may be missing: deleted with its parent, or no ARM delete
                assert method_name is entry.delete
                continue
            method = getattr(operations, method_name)
            required = [p for p in inspect.signature(method).parameters.values()
                        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
            extra = len([k for k in entry.delete_kwargs if method_name == entry.delete and k in [p.name for p in required]])
            assert len(required) == len(entry.args) + body_args + extra, method_name
        if entry.model:
            assert isinstance(resolve_model(entry.model), type)


def test_type_lookup_is_case_insensitive() -> None:
    registry = AdapterRegistry(factory())
    adapter = registry.for_type("microsoft.network/VIRTUALNETWORKS")
    assert adapter.arm_type == "Microsoft.Network/virtualNetworks"
    assert registry.for_type("Microsoft.Network/virtualNetworks") is adapter


def test_an_undeclared_type_has_the_default_rules() -> None:
    """Only declared paths count; `tests/adapters/test_generic_types.py` manages one end to end."""
    rules = rules_for("Microsoft.Network/routeTables")
    assert rules == CompareRules()


def test_rules_need_no_clients() -> None:
    assert isinstance(rules_for("Microsoft.Network/virtualNetworks"), CompareRules)


def test_clients_are_built_once_per_service() -> None:
    clients = factory()
    assert clients.client("network") is clients.client("network")
    assert clients.client("network") is not clients.client("sql")
