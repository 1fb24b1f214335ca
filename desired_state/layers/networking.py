"""Networking layer: VNet, the six subnets with their NSGs, the egress path of
each environment (`egress_path`), private DNS zones where private endpoints are
on, and DDoS protection and Azure Firewall where enabled: then a firewall
policy allows only the egress the workers need, and a route table on the
workload subnets sends 0.0.0.0/0 to the firewall.

NSG rules follow the plan's access-control table: inbound from the Internet
is denied except HTTPS to the gateway subnet and the API Management control
plane (3443 from the `ApiManagement` service tag, which Azure requires:
learn.microsoft.com/azure/api-management/api-management-using-with-vnet);
inside the VNet only the table's flows are allowed into the app, integration
and data subnets. The subnets that hold private endpoints (integration, data)
enforce them on those endpoints too (`privateEndpointNetworkPolicies`): by
default Azure does not apply NSGs to private endpoints at all ("Manage network
policies for private endpoints", Microsoft Learn).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.resource import ResourceGroupSpec
from desired_state.settings import FIREWALL_SUBNET_NAME, SUBNET_ROLES, EnvironmentSettings
from desired_state.specs.apimanagement import VNET_INTEGRATION_SKUS
from desired_state.specs.network import (
    AzureFirewallSpec,
    DdosProtectionPlanSpec,
    FirewallPolicySpec,
    FirewallRule,
    NatGatewaySpec,
    NetworkSecurityGroupSpec,
    PrivateEndpointSpec,
    PublicIpAddressSpec,
    RouteSpec,
    RouteTableSpec,
    RuleCollectionGroupSpec,
    SecurityRule,
    SubnetSpec,
    VirtualNetworkSpec,
)
from desired_state.specs.privatedns import PrivateDnsZoneGroupSpec, PrivateDnsZoneSpec, VirtualNetworkLinkSpec

#: Private DNS zone per private-link service (learn.microsoft.com/azure/private-link/private-endpoint-dns).
PRIVATE_DNS_ZONES: dict[str, str] = {
    "sql": "privatelink.database.windows.net",
    "servicebus": "privatelink.servicebus.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "keyvault": "privatelink.vaultcore.azure.net",
    "redis": "privatelink.redis.azure.net",
    "queue": "privatelink.queue.core.windows.net",
    "sites": "privatelink.azurewebsites.net",
}

#: The private DNS zone of each private-link sub-resource (group id) the estate
#: connects; zone names from Microsoft Learn, "Azure Private Endpoint private
#: DNS zone values".
ZONE_OF_GROUP_ID: dict[str, str] = {
    "sqlServer": "sql", "namespace": "servicebus", "blob": "blob", "vault": "keyvault", "redisEnterprise": "redis",
    "queue": "queue", "sites": "sites",
}

#: The subnets private endpoints are placed in: NSG rules apply to the endpoints there.
PRIVATE_ENDPOINT_SUBNETS: tuple[str, ...] = ("integration", "data")

#: Subnet delegations: Container Apps workload-profile environments and
#: Functions VNet integration need their subnet delegated to the service.
DELEGATIONS: dict[str, tuple[str, ...]] = {
    "app": ("Microsoft.App/environments",),
    "functions": ("Microsoft.Web/serverFarms",),
}


#: Workload subnets whose internet egress goes through the firewall where there is one.
EGRESS_THROUGH_FIREWALL: tuple[str, ...] = ("app", "functions")

EgressPath = Literal["firewall", "nat-gateway", "platform"]


def egress_path(settings: EnvironmentSettings) -> EgressPath:
    """How the third-party sync worker reaches the internet, so which address a
    third party must allow:

    - `firewall` (prod): the route table sends the workload subnets' 0.0.0.0/0 to
      the firewall, which leaves with its public IP; a NAT gateway on those
      subnets would carry no traffic (a user-defined route wins over it, "Azure
      NAT Gateway", Microsoft Learn), so there is none;
    - `nat-gateway` (staging): VNet-integrated Elastic Premium apps route all
      traffic into the functions subnet (`vnetRouteAllEnabled`), whose NAT gateway
      gives them one static public IP;
    - `platform` (dev, qa): Consumption apps have no VNet integration and leave
      from the App Service deployment's shared outbound addresses (the site's
      `possibleOutboundIpAddresses`, "Inbound and outbound IP addresses in Azure
      App Service"); a NAT gateway would be idle and cost money for nothing.
    """
    if settings.network.enable_firewall:
        return "firewall"
    if settings.tiers.functions_plan_sku == "EP1":
        return "nat-gateway"
    return "platform"


def egress_rules(subnets: dict[str, str], thirdparty_hosts: tuple[str, ...]) -> tuple[FirewallRule, ...]:
    """What the workers may reach on the internet; the firewall denies the rest.

    Besides the third-party APIs: Microsoft Entra ID for managed-identity
    tokens, Azure Monitor for telemetry, and the container registry Container
    Apps pulls the images from (service tags MicrosoftContainerRegistry and
    AzureFrontDoor.FirstParty for MCR, AzureContainerRegistry for the deployment's
    own registry: learn.microsoft.com/azure/container-apps/use-azure-firewall).
    Service Bus, Key Vault, SQL, Redis and the storage accounts (the functions'
    host account included) are reached through private endpoints, whose routes
    are more specific than 0.0.0.0/0.
    """
    sources = tuple(subnets[role] for role in EGRESS_THROUGH_FIREWALL)
    return (
        FirewallRule(name="thirdparty-apis", sources=sources, fqdns=thirdparty_hosts),
        FirewallRule(name="entra-id", sources=sources, service_tags=("AzureActiveDirectory",)),
        FirewallRule(name="azure-monitor", sources=sources, service_tags=("AzureMonitor",)),
        FirewallRule(
            name="container-images", sources=sources,
            service_tags=("MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty", "AzureContainerRegistry"),
        ),
    )


@dataclass
class NetworkingLayer(LayerSpecs):
    """The network the private tiers live in."""

    vnet: VirtualNetworkSpec | None = None
    firewall: AzureFirewallSpec | None = None
    subnets: dict[str, SubnetSpec] = field(default_factory=dict)
    private_dns_zones: dict[str, PrivateDnsZoneSpec] = field(default_factory=dict)

    def add_private_endpoint(self, layer: LayerSpecs, endpoint: PrivateEndpointSpec) -> PrivateEndpointSpec:
        """Add `endpoint` to `layer` with the zone group that registers its
        records in the private DNS zone of its target's sub-resource."""
        layer.add(endpoint)
        zone = self.private_dns_zones[ZONE_OF_GROUP_ID[endpoint.group_id]]
        layer.add(
            PrivateDnsZoneGroupSpec(address=f"{endpoint.address}.dns", name="default", parent=endpoint, zones=(zone,))
        )
        return endpoint


def _deny_internet(priority: int = 4096) -> SecurityRule:
    return SecurityRule(
        name="DenyInternetInbound", priority=priority, direction="Inbound", access="Deny", protocol="*",
        source_address_prefix="Internet", description="deny by default from the Internet",
    )


def _deny_vnet(priority: int = 4000) -> SecurityRule:
    return SecurityRule(
        name="DenyOtherVnetInbound", priority=priority, direction="Inbound", access="Deny", protocol="*",
        source_address_prefix="VirtualNetwork", description="only the flows of the access-control table",
    )


def _allow(name: str, priority: int, source: str, ports: tuple[str, ...], description: str) -> SecurityRule:
    return SecurityRule(
        name=name, priority=priority, direction="Inbound", access="Allow", protocol="Tcp",
        source_address_prefix=source, destination_port_ranges=ports, description=description,
    )


def nsg_rules(subnets: dict[str, str]) -> dict[str, tuple[SecurityRule, ...]]:
    """The rules of each subnet's NSG, from the plan's access-control table."""
    app, functions, gateway = subnets["app"], subnets["functions"], subnets["gateway"]
    return {
        "gateway": (
            _allow("AllowHttpsFromInternet", 100, "Internet", ("443",), "Internet -> API Management (public, with auth)"),
            _allow("AllowApimManagement", 110, "ApiManagement", ("3443",), "API Management control plane"),
            _allow("AllowAzureLoadBalancer", 120, "AzureLoadBalancer", ("6390",), "API Management health probe"),
            _deny_internet(),
        ),
        "app": (
            _allow("AllowGatewayToMicroservices", 100, gateway, ("80", "443"), "API Management -> microservices"),
            _allow("AllowAppInternal", 110, app, ("*",), "Container Apps environment internal traffic"),
            _allow("AllowAzureLoadBalancer", 120, "AzureLoadBalancer", ("*",), "platform health probes"),
            _deny_vnet(),
            _deny_internet(),
        ),
        "functions": (_deny_internet(),),
        "integration": (
            _allow("AllowAppToServiceBus", 100, app, ("443", "5671", "5672"), "microservices -> Service Bus"),
            _allow("AllowFunctionsToServiceBus", 110, functions, ("443", "5671", "5672"), "functions -> Service Bus"),
            # API Management reads the basic-auth named value from Key Vault (private endpoint here).
            _allow("AllowGatewayToKeyVault", 120, gateway, ("443",), "API Management -> Key Vault"),
            _deny_vnet(),
            _deny_internet(),
        ),
        "data": (
            _allow("AllowAppToSql", 100, app, ("1433",), "microservices -> SQL Database"),
            _allow("AllowFunctionsToData", 110, functions, ("1433", "443"), "functions -> SQL and blob storage"),
            # Azure Managed Redis serves TLS on 10000 (databases/default `port`).
            _allow("AllowAppToRedis", 120, app, ("10000",), "microservices -> Azure Managed Redis"),
            _allow("AllowAppToBlob", 130, app, ("443",), "microservices -> blob storage"),
            _deny_vnet(),
            _deny_internet(),
        ),
        "management": (_deny_internet(),),
    }


def build(ctx: LayerContext, resource_group: ResourceGroupSpec) -> NetworkingLayer:
    layer = NetworkingLayer("networking")
    net = ctx.settings.network
    n, tags, loc = ctx.namer, ctx.tags, ctx.location
    common: dict[str, Any] = {"resource_group": resource_group, "location": loc, "tags": tags}

    ddos = None
    if net.enable_ddos_protection:
        ddos = layer.add(DdosProtectionPlanSpec(address="networking.ddos_plan", name=n.standard("ddos"), **common))
    vnet = layer.add(
        VirtualNetworkSpec(
            address="networking.vnet", name=n.standard("vnet"), address_prefixes=[net.vnet_cidr],
            ddos_protection_plan=ddos, **common,
        )
    )
    layer.vnet = vnet

    nat = None
    if egress_path(ctx.settings) == "nat-gateway":
        nat_ip = layer.add(PublicIpAddressSpec(address="networking.public_ip.nat", name=n.standard("pip", "nat"), **common))
        nat = layer.add(
            NatGatewaySpec(address="networking.nat_gateway", name=n.standard("ng"), public_ips=(nat_ip,), **common)
        )

    delegations = dict(DELEGATIONS)
    if ctx.settings.features.enable_api_management and ctx.settings.tiers.apim_sku in VNET_INTEGRATION_SKUS:
        # Standard v2 VNet integration needs its subnet delegated to Microsoft.Web/serverFarms
        # (learn.microsoft.com/azure/api-management/integrate-vnet-outbound); classic
        # injection (Developer) needs it undelegated (.../virtual-network-injection-resources).
        delegations["gateway"] = ("Microsoft.Web/serverFarms",)
    route_table = None
    if net.enable_firewall and net.firewall_subnet_cidr is not None:
        # Azure requires this exact name and allows no NSG on it.
        fw_subnet = layer.add(
            SubnetSpec(
                address="networking.subnet.firewall", name=FIREWALL_SUBNET_NAME, parent=vnet,
                address_prefix=net.firewall_subnet_cidr,
            )
        )
        layer.subnets["firewall"] = fw_subnet
        fw_ip = layer.add(PublicIpAddressSpec(address="networking.public_ip.firewall", name=n.standard("pip", "afw"), **common))
        policy = layer.add(FirewallPolicySpec(address="networking.firewall_policy", name=n.standard("afwp"), **common))
        layer.add(
            RuleCollectionGroupSpec(
                address="networking.firewall_rules.egress", name="workload-egress", parent=policy, priority=200,
                rules=egress_rules(net.subnets, net.thirdparty_api_hosts),
            )
        )
        firewall = layer.firewall = layer.add(
            AzureFirewallSpec(
                address="networking.firewall", name=n.standard("afw"), subnet=fw_subnet, public_ip=fw_ip, policy=policy,
                **common,
            )
        )
        route_table = layer.add(
            RouteTableSpec(address="networking.route_table.egress", name=n.standard("rt", "egress"), **common)
        )
        # All outbound traffic (0.0.0.0/0) to the firewall's private IP (known after apply). Private
        # endpoints' /32 routes stay more specific, so private traffic does not pass the appliance
        # (learn.microsoft.com/azure/private-link/private-endpoint-overview).
        layer.add(
            RouteSpec(
                address="networking.route.egress_default", name="default-to-firewall", parent=route_table,
                address_prefix="0.0.0.0/0", next_hop_type="VirtualAppliance",
                appliance=firewall,
            )
        )

    rules = nsg_rules(net.subnets)
    for role in SUBNET_ROLES:
        nsg = layer.add(
            NetworkSecurityGroupSpec(address=f"networking.nsg.{role}", name=n.standard("nsg", role), rules=rules[role], **common)
        )
        layer.subnets[role] = layer.add(
            SubnetSpec(
                address=f"networking.subnet.{role}",
                name=f"snet-{role}",
                parent=vnet,
                address_prefix=net.subnets[role],
                network_security_group=nsg,
                nat_gateway=nat if role == "functions" else None,
                route_table=route_table if role in EGRESS_THROUGH_FIREWALL else None,
                delegations=delegations.get(role, ()),
                private_endpoint_network_policies="Enabled" if role in PRIVATE_ENDPOINT_SUBNETS else None,
            )
        )

    if ctx.private:
        # Every private-link zone the estate's endpoints register in, linked to the VNet.
        for key, zone_name in PRIVATE_DNS_ZONES.items():
            if key == "redis" and not ctx.settings.features.enable_redis:
                continue
            zone = layer.add(
                PrivateDnsZoneSpec(address=f"networking.private_dns_zone.{key}", name=zone_name, resource_group=resource_group, tags=tags)
            )
            layer.private_dns_zones[key] = zone
            layer.add(
                VirtualNetworkLinkSpec(
                    address=f"networking.private_dns_link.{key}", name=f"link-{vnet.name}", parent=zone,
                    virtual_network=vnet, tags=tags,
                )
            )
    return layer
