"""Microsoft.Network private DNS zones, their VNet links and A record sets (api 2020-06-01
examples), and the zone groups that register a private endpoint's records in them."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import WORD_DOT_HYPHEN, NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec, ResourceSpec
from desired_state.specs.network import PrivateEndpointSpec, VirtualNetworkSpec
from desired_state.specs.tracked import TrackedChildSpec, TrackedSpec, sub_resource


class PrivateDnsZoneSpec(TrackedSpec):
    """`Microsoft.Network/privateDnsZones` such as `privatelink.database.windows.net`."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateDnsZones"
    name_rule = NameRule(1, 253, r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", "lowercase DNS labels separated by dots")
    has_properties: ClassVar[bool] = False

    location: str = "Global"


class VirtualNetworkLinkSpec(TrackedChildSpec):
    """`Microsoft.Network/privateDnsZones/virtualNetworkLinks`."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    name_rule = NameRule(1, 80, WORD_DOT_HYPHEN, "letters, digits, _-.")

    parent: PrivateDnsZoneSpec
    virtual_network: VirtualNetworkSpec
    location: str = "Global"
    registration_enabled: bool = False

    def properties(self) -> dict[str, Any]:
        return {"virtualNetwork": sub_resource(self.virtual_network), "registrationEnabled": self.registration_enabled}


class PrivateDnsZoneGroupSpec(ChildSpec):
    """`Microsoft.Network/privateEndpoints/privateDnsZoneGroups`: registers the
    endpoint's A records in the private DNS zones, so the target's public name
    resolves to its private address inside the VNet."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"

    parent: PrivateEndpointSpec
    zones: tuple[PrivateDnsZoneSpec, ...]

    def properties(self) -> dict[str, Any]:
        return {
            "privateDnsZoneConfigs": [
                # Config names may not contain dots (REST API: privateDnsZoneGroups).
                {"name": zone.name.replace(".", "-"), "properties": {"privateDnsZoneId": zone.id}}
                for zone in self.zones
            ]
        }


class PrivateARecordSpec(ChildSpec):
    """`Microsoft.Network/privateDnsZones/A`: one record set whose address is a
    live value of another resource (a Container Apps environment's `staticIp`).
    `ttl` and `aRecords[].ipv4Address` are the wire names of the Private DNS API
    (REST spec RecordSets_CreateOrUpdate, 2020-06-01); `*` is a wildcard record."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateDnsZones/A"
    name_rule = NameRule(1, 63, r"@|\*|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", "a relative DNS name, @ or the wildcard *")

    parent: PrivateDnsZoneSpec
    target: ResourceSpec
    target_path: str
    ttl: int = 3600

    def properties(self) -> dict[str, Any]:
        return {"ttl": self.ttl, "aRecords": [{"ipv4Address": live_ref(self.target, self.target_path)}]}
