"""Microsoft.Network types served by azure-mgmt-network (TypeSpec models; the installed 33.1.0 sends api-version 2026-03-01, `operations/_operations.py`)."""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.network.models:"
_LOCATION_AND_ZONES = frozenset({"location", "zones"})

#: Subnet fields, shared by the subnet type and the VNet's inline subnets.
_SUBNET_CI = ("properties.privateEndpointNetworkPolicies", "properties.privateLinkServiceNetworkPolicies")
_RULE_CI = ("properties.access", "properties.direction", "properties.protocol")


def _under(prefix: str, paths: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f"{prefix}{p}" for p in paths)


TYPES = (
    ArmType(
        arm_type="Microsoft.Network/virtualNetworks",
        graph_row=True,
        service="network", operations="virtual_networks",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "VirtualNetwork",
        rules=CompareRules(
            case_insensitive=_under("properties.subnets[].", _SUBNET_CI),
            lists={
                # Subnets are also managed as their own resources: a VNet owns them only partly.
                "properties.subnets": ListRule("keyed", "name", "partly"),
                "properties.subnets[].properties.delegations": ListRule("keyed", "name"),
                "properties.subnets[].properties.serviceEndpoints": ListRule("keyed", "service"),
                "properties.virtualNetworkPeerings": ListRule("keyed", "name", "partly"),
                "properties.dhcpOptions.dnsServers": ListRule("ordered"),  # resolver order matters
            },
            reshaped={
                "properties.subnets[].properties.addressPrefix": "addressPrefixes",
                "properties.subnets[].properties.addressPrefixes": "addressPrefix",
            },
        ),
        api_version="2026-03-01 (SDK default of azure-mgmt-network 33.1.0)",
    ),
    ArmType(
        arm_type="Microsoft.Network/virtualNetworks/subnets",
        service="network", operations="subnets",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "virtualNetworks", "name"), model=_M + "Subnet",
        rules=CompareRules(
            case_insensitive=frozenset(_SUBNET_CI),
            lists={
                "properties.delegations": ListRule("keyed", "name"),
                "properties.serviceEndpoints": ListRule("keyed", "service"),
            },
            reshaped={"properties.addressPrefix": "addressPrefixes", "properties.addressPrefixes": "addressPrefix"},
            immutable=frozenset(),
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/networkSecurityGroups",
        graph_row=True,
        service="network", operations="network_security_groups",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "NetworkSecurityGroup",
        rules=CompareRules(
            case_insensitive=_under("properties.securityRules[].", _RULE_CI),
            # The desired NSG declares its rules inline and owns the list wholly:
            # a rule added in the portal is a security hole, so it is drift.
            lists={"properties.securityRules": ListRule("keyed", "name", "wholly")},
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/networkSecurityGroups/securityRules",
        service="network", operations="security_rules",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "networkSecurityGroups", "name"), model=_M + "SecurityRule",
        rules=CompareRules(case_insensitive=frozenset(_RULE_CI), immutable=frozenset()),
    ),
    ArmType(
        arm_type="Microsoft.Network/natGateways",
        service="network", operations="nat_gateways",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "NatGateway",
        rules=CompareRules(
            case_insensitive=frozenset({"sku.name", "sku.tier"}),
            immutable=_LOCATION_AND_ZONES,
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/publicIPAddresses",
        graph_row=True,
        service="network", operations="public_ip_addresses",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "PublicIPAddress",
        rules=CompareRules(
            case_insensitive=frozenset({
                "sku.name", "sku.tier", "properties.publicIPAllocationMethod",
                "properties.publicIPAddressVersion", "properties.dnsSettings.domainNameLabel",
            }),
            # Azure refuses in-place SKU, IP version and zone changes of a public IP.
            immutable=_LOCATION_AND_ZONES | {"sku", "properties.publicIPAddressVersion"},
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        service="network", operations="private_dns_zone_groups",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "privateEndpoints", "name"), model=_M + "PrivateDnsZoneGroup",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.privateDnsZoneConfigs[].properties.privateDnsZoneId"}),
            lists={"properties.privateDnsZoneConfigs": ListRule("keyed", "name")},
            immutable=frozenset(),
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/privateEndpoints",
        service="network", operations="private_endpoints",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "PrivateEndpoint",
        rules=CompareRules(
            lists={
                "properties.privateLinkServiceConnections": ListRule("keyed", "name"),
                "properties.manualPrivateLinkServiceConnections": ListRule("keyed", "name"),
                "properties.applicationSecurityGroups": ListRule("set"),
            },
            immutable=frozenset({"location", "properties.subnet"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/ddosProtectionPlans",
        service="network", operations="ddos_protection_plans",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "DdosProtectionPlan",
    ),
    ArmType(
        arm_type="Microsoft.Network/azureFirewalls",
        service="network", operations="azure_firewalls",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "AzureFirewall",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.sku.name", "properties.sku.tier", "properties.threatIntelMode"}),
            lists={
                "properties.ipConfigurations": ListRule("keyed", "name"),
                "properties.applicationRuleCollections": ListRule("keyed", "name"),
                "properties.natRuleCollections": ListRule("keyed", "name"),
                "properties.networkRuleCollections": ListRule("keyed", "name"),
                "properties.hubIPAddresses.publicIPs.addresses": ListRule("set", owned="partly"),
            },
            immutable=_LOCATION_AND_ZONES,
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/firewallPolicies",
        service="network", operations="firewall_policies",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "FirewallPolicy",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.sku.tier", "properties.threatIntelMode"}),
            immutable=_LOCATION_AND_ZONES,
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        service="network", operations="firewall_policy_rule_collection_groups",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "firewallPolicies", "name"), model=_M + "FirewallPolicyRuleCollectionGroup",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.ruleCollections[].action.type", "properties.ruleCollections[].rules[].protocols[].protocolType",
                "properties.ruleCollections[].rules[].ipProtocols[]",
            }),
            lists={
                "properties.ruleCollections": ListRule("keyed", "name"),
                "properties.ruleCollections[].rules": ListRule("keyed", "name"),
            },
            immutable=frozenset(),
        ),
    ),
)

#: Types managed generically (by id, no entry above): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.Network/routeTables"),
    GenericType(arm_type="Microsoft.Network/routeTables/routes"),
    GenericType(arm_type="Microsoft.Network/networkWatchers"),
    GenericType(arm_type="Microsoft.Network/networkWatchers/flowLogs"),  # its logs are kept in a storage account, not in it
)
