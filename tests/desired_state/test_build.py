"""Each environment builds; feature flags decide what exists; names are valid
and stable; bodies are ARM wire shape and hold no secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desired_state.naming import name_rule
from desired_state.settings import ENVIRONMENTS, ZERO_SUBSCRIPTION
from desired_state.state import DesiredState, build, summarize
from desired_state.tags import is_owned
from tests.desired_state.conftest import (
    BASIC_AUTH,
    SUBSCRIPTION,
    THIRDPARTY_KEY,
    deploy,
    minimal_deploy,
    secrets,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "arm-examples"


def _types(state: DesiredState) -> set[str]:
    return set(state.types())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_builds_in_dependency_order(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    seen: set[str] = set()
    for resource in state.resources:
        assert set(resource.depends_on) <= seen, resource.address
        seen.add(resource.address)
    assert state.by_address("core.resource_group").type == "Microsoft.Resources/resourceGroups"
    assert summarize(state)["resources"] == len(state.resources)


def test_dev_has_data_factory_redis_cosmos_and_no_cdn(states: dict[str, DesiredState]) -> None:
    types = _types(states["dev"])
    assert {"Microsoft.DataFactory/factories", "Microsoft.Cache/redisEnterprise", "Microsoft.DocumentDB/databaseAccounts"} <= types
    assert "Microsoft.Cdn/profiles" not in types
    assert "Microsoft.Network/privateEndpoints" not in types


def test_qa_is_minimal(states: dict[str, DesiredState]) -> None:
    types = _types(states["qa"])
    for absent in (
        "Microsoft.ApiManagement/service",
        "Microsoft.Cdn/profiles",
        "Microsoft.Cache/redisEnterprise",
        "Microsoft.DataFactory/factories",
        "Microsoft.DocumentDB/databaseAccounts",
    ):
        assert absent not in types


def test_staging_has_private_endpoints_and_cdn_and_no_redis(states: dict[str, DesiredState]) -> None:
    state = states["staging"]
    types = _types(state)
    assert {"Microsoft.Network/privateEndpoints", "Microsoft.Network/privateDnsZones", "Microsoft.Cdn/profiles"} <= types
    assert "Microsoft.Cache/redisEnterprise" not in types
    zones = {r.name for r in state.resources if r.type == "Microsoft.Network/privateDnsZones"}
    assert zones == {
        "privatelink.database.windows.net",
        "privatelink.servicebus.windows.net",
        "privatelink.blob.core.windows.net",
        "privatelink.vaultcore.azure.net",
        # the functions' host storage queues and the function apps themselves (issue 28)
        "privatelink.queue.core.windows.net",
        "privatelink.azurewebsites.net",
        # the internal Container Apps environment's generated default domain
        "{ref:microservices.environment:properties.defaultDomain}",
    }
    assert state.by_address("database.sql_server").body["properties"]["publicNetworkAccess"] == "Disabled"


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_every_private_endpoint_registers_in_the_zone_of_its_target(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    expected_zone = {
        "sqlServer": "privatelink.database.windows.net",
        "namespace": "privatelink.servicebus.windows.net",
        "blob": "privatelink.blob.core.windows.net",
        "vault": "privatelink.vaultcore.azure.net",
        # Azure Managed Redis (learn.microsoft.com/azure/private-link/private-endpoint-dns).
        "redisEnterprise": "privatelink.redis.azure.net",
        "queue": "privatelink.queue.core.windows.net",
        "sites": "privatelink.azurewebsites.net",
    }
    zone_ids = {r.name: r.id for r in state.resources if r.type == "Microsoft.Network/privateDnsZones"}
    endpoints = [r for r in state.resources if r.type == "Microsoft.Network/privateEndpoints"]
    # Key Vault, SQL, Service Bus, ETL blob, the functions' host blob and queue, the four
    # function apps; prod's Managed Redis has one too.
    assert len(endpoints) == (11 if env == "prod" else 10)
    for endpoint in endpoints:
        group = state.by_address(f"{endpoint.address}.dns")
        assert group.id == f"{endpoint.id}/privateDnsZoneGroups/default"
        group_id = endpoint.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0]
        configs = group.body["properties"]["privateDnsZoneConfigs"]
        assert [c["properties"]["privateDnsZoneId"] for c in configs] == [zone_ids[expected_zone[group_id]]]
        assert endpoint.address in group.depends_on


def test_prod_has_ddos_firewall_private_endpoints_redis_cdn_and_apim(states: dict[str, DesiredState]) -> None:
    state = states["prod"]
    types = _types(state)
    assert {
        "Microsoft.Network/ddosProtectionPlans",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Cache/redisEnterprise",
        "Microsoft.Cdn/profiles",
        "Microsoft.ApiManagement/service",
    } <= types
    firewall_subnet = state.by_address("networking.subnet.firewall")
    assert firewall_subnet.name == "AzureFirewallSubnet"
    assert firewall_subnet.body["properties"]["addressPrefix"] == "10.2.6.0/26"
    vnet = state.by_address("networking.vnet").body["properties"]
    assert vnet["ddosProtectionPlan"]["id"] == state.by_address("networking.ddos_plan").id
    assert state.by_address("security.key_vault").body["properties"]["enablePurgeProtection"] is True
    assert [r.name for r in state.resources if r.type == "Microsoft.Web/staticSites"][1].startswith("stapp-platform-weu")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_has_the_core_workloads(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    assert len([r for r in state.resources if r.type == "Microsoft.App/containerApps"]) == 4
    assert len([r for r in state.resources if r.type == "Microsoft.Web/sites"]) == 4
    assert {"messaging.queue.orders", "messaging.queue.etl", "messaging.queue.thirdparty"} <= {r.address for r in state.resources}
    assert state.by_address("database.sql_database").type == "Microsoft.Sql/servers/databases"
    thirdparty = state.by_address("messaging.queue.thirdparty").body["properties"]
    assert thirdparty["deadLetteringOnMessageExpiration"] is True and thirdparty["maxDeliveryCount"] == 5


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_name_satisfies_its_type_rule_and_is_stable(env: str) -> None:
    first = build(env, secrets=secrets(), deploy=deploy())
    second = build(env, secrets=secrets(), deploy=deploy())
    assert [(r.address, r.id) for r in first.resources] == [(r.address, r.id) for r in second.resources]
    for resource in first.resources:
        if resource.name.startswith("{ref:"):  # generated by Azure, known after apply
            continue
        assert name_rule(resource.type).violation(resource.name) is None, resource.address


def test_globally_unique_names_depend_on_subscription_and_environment() -> None:
    zero = build("dev", secrets=secrets().model_copy(update={"subscription_id": None}))
    other = build("dev", secrets=secrets(), deploy=minimal_deploy("dev"))
    assert zero.by_address("core.resource_group").subscription_id == ZERO_SUBSCRIPTION
    assert other.by_address("core.resource_group").subscription_id == SUBSCRIPTION
    assert zero.by_address("security.key_vault").name != other.by_address("security.key_vault").name
    assert zero.by_address("networking.vnet").name == other.by_address("networking.vnet").name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rendered_bodies_hold_no_secret_value(
    states: dict[str, DesiredState], all_secret_values: list[str], env: str
) -> None:
    for resource in states[env].resources:
        text = json.dumps(resource.body)
        for value in all_secret_values:
            assert value not in text, resource.address


def test_secrets_travel_beside_the_body_keyed_by_path(states: dict[str, DesiredState]) -> None:
    key = states["dev"].by_address("security.secret.thirdparty_api_key")
    assert key.type == "Microsoft.KeyVault/vaults/secrets"
    assert "value" not in key.body["properties"]
    assert key.secrets["properties.value"].get_secret_value() == THIRDPARTY_KEY
    assert THIRDPARTY_KEY not in repr(key)
    header = states["dev"].by_address("security.secret.apim_basic_auth_header")
    assert header.secrets["properties.value"].get_secret_value() == BASIC_AUTH


def test_an_unset_secret_is_not_declared_and_its_readers_still_reference_it() -> None:
    state = build(
        "dev", secrets=secrets().model_copy(update={"thirdparty_api_key": None, "apim_basic_auth_header": None}),
        deploy=minimal_deploy("dev"),
    )
    assert not [r for r in state.resources if r.type == "Microsoft.KeyVault/vaults/secrets"]
    sync_settings = state.by_address("functions.app.thirdparty_sync.appsettings")
    assert "secrets/thirdparty-api-key/)" in json.dumps(sync_settings.body)
    named = state.by_address("gateway.named_value.basic_auth")
    assert named.body["properties"]["keyVault"]["secretIdentifier"].endswith("/secrets/apim-basic-auth-header")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_taggable_resources_carry_standard_and_ownership_tags(states: dict[str, DesiredState], env: str) -> None:
    for resource in states[env].resources:
        if "tags" in resource.body:
            assert is_owned(resource.body["tags"], env), resource.address
            assert resource.body["tags"]["environment"] == env


def test_role_assignment_uses_builtin_role_and_principal_placeholder(states: dict[str, DesiredState]) -> None:
    role = states["dev"].by_address("messaging.role.functions.receiver")
    props = role.body["properties"]
    assert props["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"
    )
    assert props["principalId"] == "{ref:security.identity.functions:properties.principalId}"
    assert props["principalType"] == "ServicePrincipal"
    assert role.id.startswith(states["dev"].by_address("messaging.namespace").id + "/providers/Microsoft.Authorization/")


def test_drift_alert_queries_reconciler_drift_events(states: dict[str, DesiredState]) -> None:
    state = states["prod"]
    rule = state.by_address("observability.alert.drift").body["properties"]
    assert rule["criteria"]["allOf"][0]["query"] == 'customEvents | where name == "ReconcilerDrift"'
    assert rule["scopes"] == [state.by_address("observability.app_insights").id]
    assert rule["actions"]["actionGroups"] == [state.by_address("observability.action_group").id]


def test_references_give_ids_in_bodies(states: dict[str, DesiredState]) -> None:
    state = states["staging"]
    subnet = state.by_address("networking.subnet.data").body["properties"]
    assert subnet["networkSecurityGroup"]["id"] == state.by_address("networking.nsg.data").id
    endpoint = state.by_address("database.private_endpoint.sql")
    assert endpoint.body["properties"]["subnet"]["id"] == state.by_address("networking.subnet.data").id
    connection = endpoint.body["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert connection == {"privateLinkServiceId": state.by_address("database.sql_server").id, "groupIds": ["sqlServer"]}
    assert set(endpoint.depends_on) >= {"networking.subnet.data", "database.sql_server"}
    container = state.by_address("etl.container.raw")
    assert container.id == state.by_address("etl.storage").id + "/blobServices/default/containers/raw"


# -- wire shape against the real ARM examples ----------------------------------------------------

#: Body paths the example files do not show, each checked against the SDK model of that type.
NOT_IN_EXAMPLES: dict[str, set[str]] = {
    "Microsoft.Network/publicIPAddresses": {"sku", "sku.name", "sku.tier"},
    "Microsoft.Network/networkSecurityGroups": {
        "properties.securityRules[].properties.description",
        "properties.securityRules[].properties.destinationPortRanges",
    },
    "Microsoft.Network/virtualNetworks": {
        "properties.ddosProtectionPlan", "properties.ddosProtectionPlan.id", "properties.enableDdosProtection",
    },
    # privateEndpointNetworkPolicies: SubnetPropertiesFormat (network 2024-07-01 REST spec), enum
    # Disabled/Enabled/NetworkSecurityGroupEnabled/RouteTableEnabled.
    "Microsoft.Network/virtualNetworks/subnets": {
        "properties.networkSecurityGroup", "properties.networkSecurityGroup.id", "properties.natGateway",
        "properties.natGateway.id", "properties.routeTable", "properties.routeTable.id",
        "properties.privateEndpointNetworkPolicies",
    },
    # TrafficAnalyticsProperties (network 2024-07-01 REST spec, "Create or update flow log": the
    # flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration object).
    "Microsoft.Network/networkWatchers/flowLogs": {
        "properties.flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration",
        *(f"properties.flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration.{f}"
          for f in ("enabled", "workspaceId", "workspaceRegion", "workspaceResourceId", "trafficAnalyticsInterval")),
    },
    "Microsoft.Storage/storageAccounts": {"properties.defaultToOAuthAuthentication"},
    # StaticSiteCustomDomainRequestPropertiesARMResource.validationMethod (web 2024-04-01 REST spec).
    "Microsoft.Web/staticSites/customDomains": {"properties.validationMethod"},
    # LoggerContract.credentials is a map of strings: `connectionString` for Application Insights
    # ("How to integrate Azure API Management with Azure Application Insights", Microsoft Learn).
    "Microsoft.ApiManagement/service/loggers": {"properties.credentials.connectionString"},
    # JobConfiguration.scheduleTriggerConfig, registries; Container/BaseContainer command, args, env;
    # JobProperties.workloadProfileName; ManagedServiceIdentity (app 2025-01-01 REST spec,
    # "Create or Update Container Apps Job With Event Driven Trigger" / ContainerApps_CreateOrUpdate).
    "Microsoft.App/jobs": {
        "identity", "identity.type", "identity.userAssignedIdentities", "properties.workloadProfileName",
        "properties.configuration.registries", "properties.configuration.registries[].identity",
        "properties.configuration.registries[].server", "properties.configuration.scheduleTriggerConfig",
        "properties.configuration.scheduleTriggerConfig.cronExpression",
        "properties.configuration.scheduleTriggerConfig.parallelism",
        "properties.configuration.scheduleTriggerConfig.replicaCompletionCount",
        "properties.template.containers[].args", "properties.template.containers[].command",
        "properties.template.containers[].env", "properties.template.containers[].env[].name",
        "properties.template.containers[].env[].value",
    },
    "Microsoft.Network/privateEndpoints": {"properties.privateLinkServiceConnections[].name"},
    "Microsoft.KeyVault/vaults": {
        "properties.softDeleteRetentionInDays", "properties.enableSoftDelete", "properties.enableRbacAuthorization",
        "properties.enablePurgeProtection",
    },
    "Microsoft.OperationalInsights/workspaces": {"properties.workspaceCapping", "properties.workspaceCapping.dailyQuotaGb"},
    "Microsoft.Insights/scheduledQueryRules": {"kind"},
    "Microsoft.Insights/metricAlerts": {"properties.criteria.allOf[].threshold"},
    # Entra-only admin: ServerExternalAdministrator (sql 2023-08-01 "Create server", Microsoft.Sql REST spec).
    # The server's own identity: ManagedServiceIdentity and primaryUserAssignedIdentityId (sql 2023-08-01
    # "Create server with user-assigned identity" scenario, Microsoft.Sql REST spec).
    "Microsoft.Sql/servers": {
        "identity", "identity.type", "identity.userAssignedIdentities", "properties.primaryUserAssignedIdentityId",
        "properties.minimalTlsVersion", "properties.administrators", "properties.administrators.administratorType",
        "properties.administrators.principalType", "properties.administrators.login", "properties.administrators.sid",
        "properties.administrators.tenantId", "properties.administrators.azureADOnlyAuthentication",
    },
    # KeyVaultContractCreateProperties (apimanagement 2024-05-01 "ApiManagementCreateNamedValueWithKeyVault").
    "Microsoft.ApiManagement/service/namedValues": {"properties.keyVault", "properties.keyVault.secretIdentifier"},
    "Microsoft.ApiManagement/service": {
        "properties.virtualNetworkType", "properties.virtualNetworkConfiguration",
        "properties.virtualNetworkConfiguration.subnetResourceId",
    },
    # No arm-example in the shared set: OperationContract (apimanagement 2024-05-01 "ApiManagementCreateApiOperation").
    "Microsoft.ApiManagement/service/apis/operations": {
        "properties", "properties.displayName", "properties.method", "properties.urlTemplate",
        "properties.templateParameters", "properties.templateParameters[].name", "properties.templateParameters[].type",
        "properties.templateParameters[].required", "properties.description",
    },
    # ProductApiLinkContract (apimanagement 2024-05-01 "ApiManagementCreateProductApiLink").
    "Microsoft.ApiManagement/service/products/apiLinks": {"properties", "properties.apiId"},
    # No arm-example in the shared set for these three: RouteTable, FirewallPolicy and
    # FirewallPolicyRuleCollectionGroup of the network 2024-07-01 REST spec ("Create route table with
    # route", "Create FirewallPolicy", "Create FirewallPolicyRuleCollectionGroup").
    "Microsoft.Network/routeTables": {"location", "tags", "properties", "properties.disableBgpRoutePropagation"},
    "Microsoft.Network/routeTables/routes": {
        "properties", "properties.addressPrefix", "properties.nextHopType", "properties.nextHopIpAddress",
    },
    "Microsoft.Network/firewallPolicies": {"location", "tags", "properties", "properties.sku", "properties.sku.tier", "properties.threatIntelMode"},
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups": {
        "properties", "properties.priority", "properties.ruleCollections", "properties.ruleCollections[].ruleCollectionType",
        "properties.ruleCollections[].name", "properties.ruleCollections[].priority", "properties.ruleCollections[].action",
        "properties.ruleCollections[].action.type", "properties.ruleCollections[].rules",
        "properties.ruleCollections[].rules[].ruleType", "properties.ruleCollections[].rules[].name",
        "properties.ruleCollections[].rules[].sourceAddresses", "properties.ruleCollections[].rules[].targetFqdns",
        "properties.ruleCollections[].rules[].protocols", "properties.ruleCollections[].rules[].protocols[].protocolType",
        "properties.ruleCollections[].rules[].protocols[].port", "properties.ruleCollections[].rules[].destinationAddresses",
        "properties.ruleCollections[].rules[].destinationPorts", "properties.ruleCollections[].rules[].ipProtocols",
    },
    "Microsoft.Network/azureFirewalls": {"properties.firewallPolicy", "properties.firewallPolicy.id"},
    # No arm-example in the shared set: SecurityPolicy (cdn 2024-02-01 "SecurityPolicies_Create") and
    # WebApplicationFirewallPolicy (frontdoor 2025-10-01 "Creates specific policy").
    "Microsoft.Cdn/profiles/securityPolicies": {
        "properties", "properties.parameters", "properties.parameters.type", "properties.parameters.wafPolicy",
        "properties.parameters.wafPolicy.id", "properties.parameters.associations",
        "properties.parameters.associations[].domains", "properties.parameters.associations[].domains[].id",
        "properties.parameters.associations[].patternsToMatch",
    },
    "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies": {
        "location", "tags", "sku", "sku.name", "properties", "properties.policySettings",
        "properties.policySettings.enabledState", "properties.policySettings.mode", "properties.managedRules",
        "properties.managedRules.managedRuleSets", "properties.managedRules.managedRuleSets[].ruleSetType",
        "properties.managedRules.managedRuleSets[].ruleSetVersion",
        "properties.managedRules.managedRuleSets[].ruleSetAction",
    },
    # No arm-example in the shared set: Cluster and Database of Microsoft.Cache/redisEnterprise 2025-07-01
    # ("RedisEnterpriseCreate", "RedisEnterpriseDatabasesCreate").
    "Microsoft.Cache/redisEnterprise": {
        "location", "tags", "sku", "sku.name", "properties", "properties.minimumTlsVersion",
        "properties.highAvailability", "properties.publicNetworkAccess",
    },
    "Microsoft.Cache/redisEnterprise/databases": {
        "properties", "properties.clientProtocol", "properties.port", "properties.clusteringPolicy",
        "properties.evictionPolicy", "properties.accessKeysAuthentication",
    },
    # SecretCreateOrUpdateParameters (keyvault 2024-11-01 "Create a secret").
    "Microsoft.KeyVault/vaults/secrets": {"tags", "properties", "properties.contentType"},
    "Microsoft.DocumentDB/databaseAccounts": {"properties.capabilities", "properties.capabilities[].name", "properties.disableLocalAuth"},
    "Microsoft.ServiceBus/namespaces": {"properties.publicNetworkAccess"},
    "Microsoft.ServiceBus/namespaces/queues": {"properties.deadLetteringOnMessageExpiration"},
    "Microsoft.DataFactory/factories": {"identity", "identity.type", "identity.userAssignedIdentities", "properties.publicNetworkAccess"},
    "Microsoft.Web/serverfarms": {"properties.maximumElasticWorkerCount"},
    # SiteProperties.publicNetworkAccess (web 2024-04-01 REST spec: 'Enabled', 'Disabled' or empty).
    "Microsoft.Web/sites": {
        "identity", "identity.type", "identity.userAssignedIdentities", "properties.virtualNetworkSubnetId",
        "properties.publicNetworkAccess",
    },
    # No arm-example for this type: the REST API's StringDictionary (`properties`: a
    # map of setting names) and SiteConfigResource (web 2024-04-01, "Web Apps - Update
    # Application Settings" / "Update Configuration").
    "Microsoft.Web/sites/config": {
        "properties", "properties.linuxFxVersion", "properties.minTlsVersion", "properties.ftpsState",
        "properties.ipSecurityRestrictionsDefaultAction", "properties.scmIpSecurityRestrictionsDefaultAction",
        "properties.scmIpSecurityRestrictionsUseMain",
    },
    "Microsoft.App/managedEnvironments": {"properties.appLogsConfiguration.destination", "properties.vnetConfiguration.internal"},
    "Microsoft.App/containerApps": {
        "properties.configuration.registries", "properties.configuration.registries[].identity",
        "properties.configuration.registries[].server",
        "identity", "identity.type", "identity.userAssignedIdentities", "properties.configuration.activeRevisionsMode",
        "properties.template.containers[].env", "properties.template.containers[].env[].name",
        "properties.template.containers[].env[].value", "properties.template.scale.rules[].custom",
        "properties.template.scale.rules[].custom.type", "properties.template.scale.rules[].custom.identity",
        "properties.template.scale.rules[].custom.metadata",
    },
    "Microsoft.Cdn/profiles/originGroups": {"properties.sessionAffinityState"},
    # No arm-example for this type: the fields of the REST API's
    # PrivateDnsZoneGroup (network 2024-07-01, "Private Dns Zone Groups -
    # Create Or Update") and of the SDK model azure.mgmt.network.models.PrivateDnsZoneGroup.
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": {
        "properties", "properties.privateDnsZoneConfigs", "properties.privateDnsZoneConfigs[].name",
        "properties.privateDnsZoneConfigs[].properties",
        "properties.privateDnsZoneConfigs[].properties.privateDnsZoneId",
    },
}
#: Maps whose keys are data (ids, names, settings), not schema.
FREE_MAPS = ("tags", "identity.userAssignedIdentities", "properties.template.scale.rules[].custom.metadata")


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        if prefix in FREE_MAPS:
            return
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, f"{prefix}[]")


def _example_paths() -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for file in EXAMPLES.glob("*__*.json"):
        arm_type = "/".join(file.stem.split("__")[:-1])  # Microsoft.Network__virtualNetworks__subnets__PUT
        example = json.loads(file.read_text())["example"]
        paths = known.setdefault(arm_type, {"location", "tags"})
        if file.stem.endswith("__PUT"):
            for value in example["parameters"].values():
                if isinstance(value, dict):
                    paths.update(_paths(value))
        for response in example.get("responses", {}).values():
            if isinstance(response, dict) and isinstance(response.get("body"), dict):
                paths.update(_paths(response["body"]))
    return known


def test_bodies_use_only_fields_of_the_real_arm_shape(states: dict[str, DesiredState]) -> None:
    known = _example_paths()
    for state in states.values():
        for resource in state.resources:
            allowed = known.get(resource.type, set()) | NOT_IN_EXAMPLES.get(resource.type, set())
            body = resource.body
            if resource.type == "Microsoft.Web/sites/config" and resource.name == "appsettings":
                body = {"properties": {}}  # its keys are the setting names: data, not schema
            unknown = set(_paths(body)) - allowed
            assert not unknown, f"{resource.address}: {sorted(unknown)}"
