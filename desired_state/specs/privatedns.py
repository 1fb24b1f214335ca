"""Microsoft.Network private DNS zones and their VNet links (api 2020-06-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.specs.network import VirtualNetworkSpec
from desired_state.specs.tracked import TrackedChildSpec, TrackedSpec, sub_resource


class PrivateDnsZoneSpec(TrackedSpec):
    """`Microsoft.Network/privateDnsZones` such as `privatelink.database.windows.net`."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateDnsZones"
    has_properties: ClassVar[bool] = False

    location: str = "Global"


class VirtualNetworkLinkSpec(TrackedChildSpec):
    """`Microsoft.Network/privateDnsZones/virtualNetworkLinks`."""

    arm_type: ClassVar[str] = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"

    parent: PrivateDnsZoneSpec
    virtual_network: VirtualNetworkSpec
    location: str = "Global"
    registration_enabled: bool = False

    def properties(self) -> dict[str, Any]:
        return {"virtualNetwork": sub_resource(self.virtual_network), "registrationEnabled": self.registration_enabled}
