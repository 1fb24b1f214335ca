"""Per-type ARM behaviour, declared as data.

One row per ARM type the estate uses. Anything not listed is served
generically (body stored, ``id``/``name``/``type``/``provisioningState`` added,
synchronous). Server defaults and body shape come from real response bodies
(``emulator.server_defaults``, derived from the REST examples in tests/fixtures/arm-examples); the LRO
style follows whether the SDK exposes ``begin_create_or_update`` for the type
and the async headers the examples show.

Modelled on purpose (real ARM behaviour, not emulator shortcuts):

- A VNet PUT *replaces* its subnet list: subnets missing from
  ``properties.subnets`` are deleted, which is why tools read-merge-write.
  The same holds for an NSG's ``properties.securityRules``.
- Write-only fields (passwords, tokens, create-time instructions) are
  accepted and never returned.

Where recorded live traffic shows how a type answers a write (``emulator.shapes``, generated
from the test recordings), that shape wins over ``put_style``/``delete_async`` here: e.g.
Service Bus namespace create is a synchronous 200 with provisioningState ``Created`` (docs:
201 + Azure-AsyncOperation), Cosmos DB account create 200 with both LRO headers, Log
Analytics workspace 201 ``Creating`` with no header, App Service plan 200 with no polling,
a namespace delete 202 + Location only. PATCH is a synchronous 200 with the body unless
traffic shows otherwise (VNet/NSG/public IP UpdateTags, Key Vault, App Service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.server_defaults import BODY_SHAPE, SERVER_DEFAULTS

LroStyle = Literal["sync", "async", "location"]


@dataclass(frozen=True)
class NameRule:
    """A per-type name rule stricter than ARM's generic one."""

    pattern: re.Pattern[str]
    code: str
    description: str


@dataclass(frozen=True)
class TypeBehaviour:
    """How one ARM type answers: LRO style, body shape, server fields."""

    arm_type: str
    put_style: LroStyle = "sync"
    delete_async: bool = False
    busy_status: int = 409
    busy_code: str = "AnotherOperationInProgress"
    creating_state: str = "Creating"
    updating_state: str = "Updating"
    has_type: bool = True
    has_etag: bool = False
    has_provisioning_state: bool = True
    defaults: dict[str, Any] = field(default_factory=dict)
    write_only: tuple[str, ...] = ()
    # (secret value path, flag path): the value is write-only when the flag is true
    write_only_when: tuple[tuple[str, str], ...] = ()
    # (sent path, returned path): the service returns the value under another name
    renamed: tuple[tuple[str, str], ...] = ()
    # (list path in the parent body, child type key) for children shown inline
    embedded: tuple[tuple[str, str], ...] = ()
    name_rule: NameRule | None = None
    # an implicit singleton level (blobServices/default) that exists with its parent
    implicit: bool = False
    # status of a PUT that creates: 201 for most types, 200 where the real
    # service (and so its SDK) answers 200 on create too
    create_status: int = 201

    @property
    def key(self) -> str:
        """The lower-cased type, as used in the store."""
        return self.arm_type.lower()


# Network RP answers a write during another write with 429 (ARM-SEMANTICS.md, Status codes).
_NETWORK_BUSY = {"busy_status": 429, "busy_code": "RetryableErrorDueToAnotherOperation"}

_STORAGE_NAME = NameRule(
    re.compile(r"^[a-z0-9]{3,24}$"),
    "AccountNameInvalid",
    "must be between 3 and 24 characters in length and use numbers and lower-case letters only",
)
_VAULT_NAME = NameRule(
    re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
    "VaultNameNotValid",
    "must be 3-24 characters, start with a letter, end with a letter or digit, "
    "and contain only letters, digits and hyphens",
)

# Workbooks are named by GUID ("Naming rules and restrictions for Azure resources", Microsoft.Insights
# workbooks: "must be a GUID"); the code is ARM's for a name a provider refuses (the workbooks
# provider's own answer was not found recorded).
_WORKBOOK_NAME = NameRule(
    re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    "InvalidResourceName",
    "must be a GUID",
)


# Types whose create answers 200, not 201: their arm-examples PUT responses
# hold no 201 (Service Bus entities, Insights, Data Factory, Cosmos DB, Web),
# and their SDK operations reject a 201 as an invalid status.
_CREATED_WITH_200 = frozenset(
    t.lower()
    for t in (
        "Microsoft.DataFactory/factories",
        "Microsoft.DocumentDB/databaseAccounts",
        "Microsoft.Insights/components",
        "Microsoft.Insights/diagnosticSettings",
        "Microsoft.Insights/metricAlerts",
        "Microsoft.EventHub/namespaces/authorizationRules",
        "Microsoft.EventHub/namespaces/eventhubs",
        "Microsoft.EventHub/namespaces/eventhubs/authorizationRules",
        "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
        "Microsoft.ServiceBus/namespaces/authorizationRules",
        "Microsoft.ServiceBus/namespaces/queues/authorizationRules",
        "Microsoft.ServiceBus/namespaces/topics/authorizationRules",
        "Microsoft.ServiceBus/namespaces/queues",
        "Microsoft.ServiceBus/namespaces/topics",
        "Microsoft.ServiceBus/namespaces/topics/subscriptions",
        "Microsoft.Web/serverfarms",
        "Microsoft.Web/sites",
        "Microsoft.Web/staticSites",
    )
)


# Each IP configuration of a firewall gets a private IP, which route tables point
# at; the emulator does not allocate addresses, so it answers a fixed one.
_FIREWALL_DEFAULTS: dict[str, Any] = {
    **SERVER_DEFAULTS.get("microsoft.network/azurefirewalls", {}),
    "properties": {
        **SERVER_DEFAULTS.get("microsoft.network/azurefirewalls", {}).get("properties", {}),
        "ipConfigurations": {"__each__": {"properties": {"privateIPAddress": "10.0.0.4"}}},
    },
}


def _row(arm_type: str, **kwargs: Any) -> TypeBehaviour:
    key = arm_type.lower()
    if key in _CREATED_WITH_200:
        kwargs.setdefault("create_status", 200)
    has_type, has_etag, has_ps = BODY_SHAPE.get(key, (True, False, True))
    kwargs.setdefault("has_type", has_type)
    kwargs.setdefault("has_etag", has_etag)
    kwargs.setdefault("has_provisioning_state", has_ps)
    kwargs.setdefault("defaults", SERVER_DEFAULTS.get(key, {}))
    return TypeBehaviour(arm_type=arm_type, **kwargs)


_ROWS: list[TypeBehaviour] = [
    _row("Microsoft.Resources/resourceGroups", put_style="sync", delete_async=True, has_type=True),
    # API Management: the service and APIs are LROs; the 201 examples carry Azure-AsyncOperation.
    _row("Microsoft.ApiManagement/service", put_style="async", delete_async=True, creating_state="Created"),
    _row(
        "Microsoft.ApiManagement/service/apis",
        put_style="async",
        creating_state="InProgress",
        updating_state="InProgress",
        write_only=("properties.sourceApiId",),
    ),
    _row("Microsoft.ApiManagement/service/apis/operations"),
    # Loggers and diagnostics: synchronous create_or_update in the SDK (REST examples: 201/200).
    _row("Microsoft.ApiManagement/service/diagnostics"),
    _row("Microsoft.ApiManagement/service/loggers"),
    _row("Microsoft.ApiManagement/service/apis/policies", write_only=("properties.format",)),
    _row(
        "Microsoft.ApiManagement/service/namedValues",
        put_style="async",
        creating_state="InProgress",
        updating_state="InProgress",
        write_only_when=(("properties.value", "properties.secret"),),
    ),
    _row("Microsoft.ApiManagement/service/policies", write_only=("properties.format",)),
    _row("Microsoft.ApiManagement/service/products"),
    _row("Microsoft.ApiManagement/service/products/apiLinks", has_provisioning_state=False),
    _row("Microsoft.ApiManagement/service/subscriptions"),
    _row(
        "Microsoft.App/containerApps",
        put_style="async",
        delete_async=True,
        creating_state="InProgress",
        updating_state="InProgress",
        renamed=(("properties.environmentId", "properties.managedEnvironmentId"),),
    ),
    _row(
        "Microsoft.App/managedEnvironments",
        put_style="async",
        delete_async=True,
        creating_state="InitializationInProgress",
        updating_state="UpgradeRequested",
        write_only=(
            "properties.appLogsConfiguration.logAnalyticsConfiguration.sharedKey",
            "properties.customDomainConfiguration.certificateValue",
            "properties.customDomainConfiguration.certificatePassword",
            "properties.daprAIConnectionString",
        ),
    ),
    # Jobs: a long-running create like the apps (REST example: 201 InProgress with Location).
    _row(
        "Microsoft.App/jobs",
        put_style="async",
        delete_async=True,
        creating_state="InProgress",
        updating_state="InProgress",
    ),
    _row("Microsoft.Authorization/roleAssignments"),
    _row("Microsoft.Cache/redis", put_style="async", delete_async=True),
    _row("Microsoft.Cache/redisEnterprise", put_style="async", delete_async=True),
    _row("Microsoft.Cache/redisEnterprise/databases", put_style="async", delete_async=True),
    # azure-mgmt-redisenterprise's begin_create_update: an LRO.
    _row("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles", put_style="async", delete_async=True),
    # A classic CDN endpoint's PUT carries its origins inline (properties.origins); they are
    # then addressable as children (recordings: cdn/test_cli_mgmt_cdn GET .../origins/{name}).
    _row(
        "Microsoft.Cdn/profiles/endpoints",
        put_style="async",
        delete_async=True,
        embedded=(("properties.origins", "microsoft.cdn/profiles/endpoints/origins"),),
    ),
    _row("Microsoft.Cdn/profiles/endpoints/origins", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles/afdEndpoints", put_style="async", delete_async=True),
    # REST example AFDCustomDomains_Create.json: 202 with Azure-AsyncOperation while it provisions.
    _row("Microsoft.Cdn/profiles/customDomains", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles/afdEndpoints/routes", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles/originGroups", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles/securityPolicies", put_style="async", delete_async=True),
    _row("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies", put_style="async", delete_async=True),
    _row("Microsoft.Cdn/profiles/originGroups/origins", put_style="async", delete_async=True),
    _row("Microsoft.DataFactory/factories"),
    _row(
        "Microsoft.DocumentDB/databaseAccounts",
        put_style="async",
        delete_async=True,
        creating_state="Initializing",
        write_only=(
            "properties.virtualNetworkRules[].ignoreMissingVNetServiceEndpoint",
            "properties.enablePerRegionPerPartitionAutoscale",
        ),
    ),
    # Cosmos SQL databases/containers: 202 + both LRO headers, no body (emulator.shapes.DOCUMENTED);
    # their bodies carry no provisioningState (spec example CosmosDBSqlDatabaseGet.json)
    _row("Microsoft.DocumentDB/databaseAccounts/sqlDatabases", delete_async=True, has_provisioning_state=False),
    _row(
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        delete_async=True,
        has_provisioning_state=False,
    ),
    # Event Hubs children answer 200 on create (spec examples: 200 only) and show no provisioningState
    _row("Microsoft.EventHub/namespaces/authorizationRules", has_provisioning_state=False),
    _row("Microsoft.EventHub/namespaces/eventhubs", has_provisioning_state=False),
    _row("Microsoft.EventHub/namespaces/eventhubs/authorizationRules", has_provisioning_state=False),
    _row("Microsoft.EventHub/namespaces/eventhubs/consumergroups", has_provisioning_state=False),
    _row("Microsoft.Insights/actionGroups"),
    _row("Microsoft.Insights/components"),
    _row("Microsoft.Insights/diagnosticSettings"),
    _row("Microsoft.Insights/metricAlerts"),
    _row("Microsoft.Insights/scheduledQueryRules"),
    _row("Microsoft.Insights/workbooks", name_rule=_WORKBOOK_NAME),
    # Recorded: create answers 200 with provisioningState RegisteringDns, no LRO header (the SDK
    # polls the vault until Succeeded); the docs' async 201 is not what the service does.
    _row("Microsoft.KeyVault/vaults", put_style="async", name_rule=_VAULT_NAME, creating_state="RegisteringDns"),
    _row("Microsoft.KeyVault/vaults", put_style="async", name_rule=_VAULT_NAME),
    # ARM never returns a secret's value (the 2024-11-01 "Get a secret" example has none).
    _row("Microsoft.KeyVault/vaults/secrets", write_only=("properties.value",), has_provisioning_state=False),
    _row("Microsoft.ManagedIdentity/userAssignedIdentities"),
    _row(
        "Microsoft.Network/azureFirewalls",
        put_style="async",
        delete_async=True,
        # Each IP configuration gets a private IP (the emulator does not allocate: a fixed one).
        defaults=_FIREWALL_DEFAULTS,
        **_NETWORK_BUSY,
    ),
    _row("Microsoft.Network/firewallPolicies", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row("Microsoft.Network/firewallPolicies/ruleCollectionGroups", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row("Microsoft.Network/ddosProtectionPlans", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row("Microsoft.Network/dnsZones"),
    _row("Microsoft.Network/dnsZones/CNAME"),
    _row("Microsoft.Network/dnsZones/TXT"),
    _row("Microsoft.Network/natGateways", put_style="async", delete_async=True, **_NETWORK_BUSY),
    # A watcher's create_or_update is synchronous in azure-mgmt-network; its flow logs are LROs.
    _row("Microsoft.Network/networkWatchers", delete_async=True, **_NETWORK_BUSY),
    _row("Microsoft.Network/networkWatchers/flowLogs", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row(
        "Microsoft.Network/networkSecurityGroups",
        put_style="async",
        delete_async=True,
        embedded=(("properties.securityRules", "microsoft.network/networksecuritygroups/securityrules"),),
        **_NETWORK_BUSY,
    ),
    _row(
        "Microsoft.Network/networkSecurityGroups/securityRules",
        put_style="async",
        delete_async=True,
        **_NETWORK_BUSY,
    ),
    _row("Microsoft.Network/privateDnsZones", put_style="async", delete_async=True),
    _row("Microsoft.Network/privateDnsZones/virtualNetworkLinks", put_style="async", delete_async=True),
    _row("Microsoft.Network/privateEndpoints", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        put_style="async",
        delete_async=True,
        **_NETWORK_BUSY,
    ),
    _row("Microsoft.Network/publicIPAddresses", put_style="async", delete_async=True, **_NETWORK_BUSY),
    # Recorded: route tables and routes carry a body etag; a route write moves the table's
    _row("Microsoft.Network/routeTables", put_style="async", delete_async=True, has_etag=True, **_NETWORK_BUSY),
    _row("Microsoft.Network/routeTables/routes", put_style="async", delete_async=True, has_etag=True, **_NETWORK_BUSY),
    _row(
        "Microsoft.Network/virtualNetworks",
        put_style="async",
        delete_async=True,
        embedded=(("properties.subnets", "microsoft.network/virtualnetworks/subnets"),),
        **_NETWORK_BUSY,
    ),
    _row("Microsoft.Network/virtualNetworks/subnets", put_style="async", delete_async=True, **_NETWORK_BUSY),
    _row("Microsoft.OperationalInsights/workspaces", put_style="async", delete_async=True),
    _row("Microsoft.ServiceBus/namespaces", put_style="async", delete_async=True, creating_state="Created"),
    # Authorization rules: 200 on create (recorded), body {id, name, type, properties.rights}
    _row("Microsoft.ServiceBus/namespaces/authorizationRules", has_provisioning_state=False),
    _row("Microsoft.ServiceBus/namespaces/queues/authorizationRules", has_provisioning_state=False),
    _row("Microsoft.ServiceBus/namespaces/topics/authorizationRules", has_provisioning_state=False),
    _row("Microsoft.ServiceBus/namespaces/queues"),
    _row("Microsoft.ServiceBus/namespaces/topics"),
    _row("Microsoft.ServiceBus/namespaces/topics/subscriptions"),
    _row(
        "Microsoft.Sql/servers",
        put_style="async",
        delete_async=True,
        write_only=("properties.administratorLoginPassword",),
    ),
    # `createMode` instructs the create and is never returned (Microsoft's GET examples, recordings).
    _row("Microsoft.Sql/servers/databases", put_style="async", delete_async=True, write_only=("properties.createMode",)),
    _row("Microsoft.Sql/servers/firewallRules"),
    # Storage account create answers 202 + Location with an empty body (the example's empty 202).
    _row("Microsoft.Storage/storageAccounts", put_style="location", name_rule=_STORAGE_NAME),
    _row("Microsoft.Storage/storageAccounts/blobServices", implicit=True),
    _row("Microsoft.Storage/storageAccounts/fileServices", implicit=True),
    _row("Microsoft.Storage/storageAccounts/queueServices", implicit=True),
    _row("Microsoft.Storage/storageAccounts/tableServices", implicit=True),
    _row("Microsoft.Storage/storageAccounts/blobServices/containers"),
    _row("Microsoft.Storage/storageAccounts/fileServices/shares"),
    _row("Microsoft.Web/serverfarms", put_style="async", delete_async=False),
    _row("Microsoft.Web/sites", put_style="async"),
    # appsettings / connectionstrings / web: synchronous 200 answers; no provisioningState
    # (emulator.web_config; the SDK's update_application_settings accepts 200 only).
    _row("Microsoft.Web/sites/config", create_status=200, has_provisioning_state=False),
    # REST example CreateOrUpdateStaticSiteCustomDomain.json: 202 + Azure-AsyncOperation while it validates.
    _row("Microsoft.Web/staticSites/customDomains", put_style="async", delete_async=True),
    _row(
        "Microsoft.Web/staticSites",
        put_style="async",
        delete_async=True,
        write_only=("properties.repositoryToken", "properties.buildProperties"),
    ),
]

TYPES: dict[str, TypeBehaviour] = {row.key: row for row in _ROWS}

# Children whose parent shows them inline: child type key -> (parent type key, list path).
EMBEDDED_IN: dict[str, tuple[str, str]] = {
    child: (row.key, path) for row in _ROWS for path, child in row.embedded
}


def behaviour_for(type_key: str, arm_type: str) -> TypeBehaviour:
    """The declared behaviour of a type, or the generic one for unknown types."""
    found = TYPES.get(type_key)
    if found is not None:
        return found
    return TypeBehaviour(arm_type=arm_type)
