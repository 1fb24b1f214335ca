"""Private DNS (azure-mgmt-privatedns, TypeSpec models, api-version 2024-06-01)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

_M = "azure.mgmt.privatedns.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.Network/privateDnsZones",
        service="privatedns", operations="private_zones",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "PrivateZone",
    ),
    ArmType(
        arm_type="Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        graph_row=True,  # a row of Resource Graph's `resources` (Microsoft Learn, "Azure Resource Graph table and resource type reference")
        service="privatedns", operations="virtual_network_links",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "privateDnsZones", "name"), model=_M + "VirtualNetworkLink",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.resolutionPolicy"}),
            immutable=frozenset({"location", "properties.virtualNetwork"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.Network/privateDnsZones/A",
        service="privatedns", operations="record_sets",
        get="get", create="create_or_update", delete="delete",
        # RecordSets operations take the record type before the relative name.
        args=("resource_group", "privateDnsZones", "const:A", "name"), model=_M + "RecordSet",
    ),
)
