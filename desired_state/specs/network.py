"""Microsoft.Network: virtual networks, subnets, NSGs, NAT, public IPs,
private endpoints, DDoS plans, Azure Firewall with its policy and rule
collection groups, and route tables.

Body shapes follow the 2024-07-01 request examples in tests/fixtures/arm-examples.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from desired_state.name_rule import WORD_DOT_HYPHEN, NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec, ResourceSpec
from desired_state.specs.loganalytics import LogAnalyticsWorkspaceSpec
from desired_state.specs.storage import StorageAccountSpec
from desired_state.specs.tracked import TrackedChildSpec, TrackedSpec, sub_resource


class DdosProtectionPlanSpec(TrackedSpec):
    """`Microsoft.Network/ddosProtectionPlans` (no settable properties)."""

    arm_type: ClassVar[str] = "Microsoft.Network/ddosProtectionPlans"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")


class VirtualNetworkSpec(TrackedSpec):
    """`Microsoft.Network/virtualNetworks`. Subnets are their own resources,
    so the body declares no `subnets` list (the engine merges, never wipes)."""

    arm_type: ClassVar[str] = "Microsoft.Network/virtualNetworks"
    name_rule = NameRule(2, 64, r"\w[\w.-]*\w", "letters, digits, _-. starting and ending with a letter/digit/_")

    address_prefixes: list[str]
    ddos_protection_plan: DdosProtectionPlanSpec | None = None

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"addressSpace": {"addressPrefixes": list(self.address_prefixes)}}
        if self.ddos_protection_plan is not None:
            props["enableDdosProtection"] = True
            props["ddosProtectionPlan"] = sub_resource(self.ddos_protection_plan)
        return props


class SecurityRule(BaseModel):
    """One inline NSG rule (the NSG owns its rule list wholly)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    priority: int
    direction: Literal["Inbound", "Outbound"]
    access: Literal["Allow", "Deny"]
    protocol: Literal["Tcp", "Udp", "Icmp", "*"] = "Tcp"
    source_address_prefix: str = "*"
    destination_address_prefix: str = "*"
    destination_port_ranges: tuple[str, ...] = ("*",)
    description: str = ""

    def body(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "priority": self.priority,
            "direction": self.direction,
            "access": self.access,
            "protocol": self.protocol,
            "sourceAddressPrefix": self.source_address_prefix,
            "sourcePortRange": "*",
            "destinationAddressPrefix": self.destination_address_prefix,
        }
        # ARM takes a single range in `destinationPortRange`, several in `destinationPortRanges`.
        if len(self.destination_port_ranges) == 1:
            props["destinationPortRange"] = self.destination_port_ranges[0]
        else:
            props["destinationPortRanges"] = list(self.destination_port_ranges)
        if self.description:
            props["description"] = self.description
        return {"name": self.name, "properties": props}


class NetworkSecurityGroupSpec(TrackedSpec):
    """`Microsoft.Network/networkSecurityGroups` with its rules inline."""

    arm_type: ClassVar[str] = "Microsoft.Network/networkSecurityGroups"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    rules: tuple[SecurityRule, ...] = ()

    def properties(self) -> dict[str, Any]:
        return {"securityRules": [rule.body() for rule in self.rules]}


class PublicIpAddressSpec(TrackedSpec):
    """`Microsoft.Network/publicIPAddresses`: Standard, static, IPv4."""

    arm_type: ClassVar[str] = "Microsoft.Network/publicIPAddresses"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    def envelope(self) -> dict[str, Any]:
        return {"sku": {"name": "Standard", "tier": "Regional"}}

    def properties(self) -> dict[str, Any]:
        return {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}


class NatGatewaySpec(TrackedSpec):
    """`Microsoft.Network/natGateways`: outbound egress through its public IPs."""

    arm_type: ClassVar[str] = "Microsoft.Network/natGateways"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    public_ips: tuple[PublicIpAddressSpec, ...]
    idle_timeout_minutes: int = 4

    def envelope(self) -> dict[str, Any]:
        return {"sku": {"name": "Standard"}}

    def properties(self) -> dict[str, Any]:
        return {
            "idleTimeoutInMinutes": self.idle_timeout_minutes,
            "publicIpAddresses": [sub_resource(ip) for ip in self.public_ips],
        }


class FirewallPolicySpec(TrackedSpec):
    """`Microsoft.Network/firewallPolicies`: the rules of the firewall, held in
    rule collection groups (learn.microsoft.com/azure/firewall-manager/policy-overview)."""

    arm_type: ClassVar[str] = "Microsoft.Network/firewallPolicies"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    threat_intel_mode: Literal["Alert", "Deny", "Off"] = "Alert"

    def properties(self) -> dict[str, Any]:
        return {"sku": {"tier": "Standard"}, "threatIntelMode": self.threat_intel_mode}


class FirewallRule(BaseModel):
    """One allow rule: an application rule (FQDNs over HTTPS) or a network rule (service tags)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    sources: tuple[str, ...]
    fqdns: tuple[str, ...] = ()
    service_tags: tuple[str, ...] = ()
    ports: tuple[str, ...] = ("443",)

    def body(self) -> dict[str, Any]:
        if self.fqdns:
            return {
                "ruleType": "ApplicationRule", "name": self.name, "sourceAddresses": list(self.sources),
                "targetFqdns": list(self.fqdns), "protocols": [{"protocolType": "Https", "port": int(p)} for p in self.ports],
            }
        return {
            "ruleType": "NetworkRule", "name": self.name, "sourceAddresses": list(self.sources),
            "destinationAddresses": list(self.service_tags), "destinationPorts": list(self.ports), "ipProtocols": ["TCP"],
        }


class RuleCollectionGroupSpec(ChildSpec):
    """`firewallPolicies/ruleCollectionGroups`: one Allow collection of `rules`
    (application rules and network rules go in separate collections). What no
    rule allows, the firewall denies."""

    arm_type: ClassVar[str] = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    parent: FirewallPolicySpec
    priority: int
    rules: tuple[FirewallRule, ...]

    def properties(self) -> dict[str, Any]:
        collections: list[dict[str, Any]] = []
        for kind, rules in (("app", [r for r in self.rules if r.fqdns]), ("net", [r for r in self.rules if not r.fqdns])):
            if rules:
                collections.append({
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": f"{self.name}-{kind}",
                    "priority": self.priority + len(collections),
                    "action": {"type": "Allow"},
                    "rules": [rule.body() for rule in rules],
                })
        return {"priority": self.priority, "ruleCollections": collections}


class SubnetSpec(ChildSpec):
    """`Microsoft.Network/virtualNetworks/subnets`."""

    arm_type: ClassVar[str] = "Microsoft.Network/virtualNetworks/subnets"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-. starting with a letter/digit/_")

    parent: VirtualNetworkSpec
    address_prefix: str
    network_security_group: NetworkSecurityGroupSpec | None = None
    nat_gateway: NatGatewaySpec | None = None
    route_table: RouteTableSpec | None = None
    #: Service names the subnet is delegated to (e.g. `Microsoft.App/environments`).
    delegations: tuple[str, ...] = ()
    #: Whether NSG rules (and route tables) apply to the private endpoints in the subnet.
    #: Azure's default is `Disabled`: an NSG then does not filter traffic to a private
    #: endpoint at all ("Manage network policies for private endpoints", Microsoft Learn).
    #: None leaves the field undeclared.
    private_endpoint_network_policies: Literal["Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"] | None = None

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"addressPrefix": self.address_prefix}
        if self.private_endpoint_network_policies is not None:
            props["privateEndpointNetworkPolicies"] = self.private_endpoint_network_policies
        if self.network_security_group is not None:
            props["networkSecurityGroup"] = sub_resource(self.network_security_group)
        if self.nat_gateway is not None:
            props["natGateway"] = sub_resource(self.nat_gateway)
        if self.route_table is not None:
            props["routeTable"] = sub_resource(self.route_table)
        if self.delegations:
            props["delegations"] = [
                {"name": service.replace("/", "."), "properties": {"serviceName": service}} for service in self.delegations
            ]
        return props


class PrivateEndpointSpec(TrackedSpec):
    """`Microsoft.Network/privateEndpoints` connecting `target` into `subnet`."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateEndpoints"
    name_rule = NameRule(2, 64, r"\w[\w.-]*\w", "letters, digits, _-.")

    subnet: SubnetSpec
    target: ResourceSpec
    group_id: str

    def properties(self) -> dict[str, Any]:
        return {
            "subnet": sub_resource(self.subnet),
            "privateLinkServiceConnections": [
                {
                    "name": self.name,
                    "properties": {"privateLinkServiceId": self.target.id, "groupIds": [self.group_id]},
                }
            ],
        }


class AzureFirewallSpec(TrackedSpec):
    """`Microsoft.Network/azureFirewalls` in the VNet's `AzureFirewallSubnet`."""

    arm_type: ClassVar[str] = "Microsoft.Network/azureFirewalls"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    subnet: SubnetSpec
    public_ip: PublicIpAddressSpec
    threat_intel_mode: Literal["Alert", "Deny", "Off"] = "Alert"
    policy: FirewallPolicySpec | None = None

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "sku": {"name": "AZFW_VNet", "tier": "Standard"},
            "threatIntelMode": self.threat_intel_mode,
            "ipConfigurations": [
                {
                    "name": "ipconfig",
                    "properties": {"subnet": sub_resource(self.subnet), "publicIPAddress": sub_resource(self.public_ip)},
                }
            ],
        }
        if self.policy is not None:
            props["firewallPolicy"] = sub_resource(self.policy)
        return props


class RouteTableSpec(TrackedSpec):
    """`Microsoft.Network/routeTables`. No adapter entry: managed by id through
    the generic resources API at the provider's newest api-version. Routes are
    their own resources, so the body declares no `routes` list."""

    arm_type: ClassVar[str] = "Microsoft.Network/routeTables"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    disable_bgp_route_propagation: bool = True

    def properties(self) -> dict[str, Any]:
        return {"disableBgpRoutePropagation": self.disable_bgp_route_propagation}


class RouteSpec(ChildSpec):
    """`Microsoft.Network/routeTables/routes` (no adapter entry either)."""

    arm_type: ClassVar[str] = "Microsoft.Network/routeTables/routes"

    parent: RouteTableSpec
    address_prefix: str
    next_hop_type: Literal["Internet", "VirtualAppliance", "VnetLocal", "VirtualNetworkGateway", "None"]
    #: The appliance's address, for `VirtualAppliance` only.
    next_hop_ip_address: str | None = None
    #: Or the appliance itself (a firewall): its private IP, known after apply, is the next hop.
    appliance: ResourceSpec | None = None
    appliance_ip_path: str = "properties.ipConfigurations.0.properties.privateIPAddress"

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"addressPrefix": self.address_prefix, "nextHopType": self.next_hop_type}
        if self.appliance is not None:
            props["nextHopIpAddress"] = live_ref(self.appliance, self.appliance_ip_path)
        elif self.next_hop_ip_address is not None:
            props["nextHopIpAddress"] = self.next_hop_ip_address
        return props


class NetworkWatcherSpec(TrackedSpec):
    """`Microsoft.Network/networkWatchers`: the subscription's one watcher of a region.

    Azure allows one network watcher per subscription and region and creates it by
    itself (`NetworkWatcher_<region>` in `NetworkWatcherRG`) when the first virtual
    network of the region appears ("Enable or disable Azure Network Watcher",
    Microsoft Learn); a second one is refused. Every environment of a subscription
    shares it, so it is declared without tags (REST example NetworkWatcherCreate.json:
    location and empty properties): created where missing, never claimed by one
    environment, never pruned."""

    arm_type: ClassVar[str] = "Microsoft.Network/networkWatchers"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    def body(self) -> dict[str, Any]:
        return {"location": self.location, "properties": {}}


class FlowLogSpec(TrackedChildSpec):
    """`networkWatchers/flowLogs` on a virtual network (VNet flow logs): every flow
    in the VNet, written to `storage` (required: flow logs are blobs) and analysed
    by traffic analytics into the Log Analytics workspace. Version 2 is the VNet
    flow log format ("VNet flow logs overview", Microsoft Learn); the flow log
    lives in the watcher's group and region, which must be the VNet's."""

    arm_type: ClassVar[str] = "Microsoft.Network/networkWatchers/flowLogs"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    parent: NetworkWatcherSpec
    target: VirtualNetworkSpec
    storage: StorageAccountSpec
    workspace: LogAnalyticsWorkspaceSpec
    retention_days: int
    #: Traffic analytics processing interval in minutes (10 or 60).
    analytics_interval: Literal[10, 60] = 60

    def properties(self) -> dict[str, Any]:
        return {
            "targetResourceId": self.target.id,
            "storageId": self.storage.id,
            "enabled": True,
            "format": {"type": "JSON", "version": 2},
            "retentionPolicy": {"days": self.retention_days, "enabled": True},
            "flowAnalyticsConfiguration": {
                "networkWatcherFlowAnalyticsConfiguration": {
                    "enabled": True,
                    "workspaceId": live_ref(self.workspace, "properties.customerId"),
                    "workspaceRegion": self.workspace.location,
                    "workspaceResourceId": self.workspace.id,
                    "trafficAnalyticsInterval": self.analytics_interval,
                }
            },
        }
