"""Public DNS (azure-mgmt-dns, msrest models, api-version 2018-05-01)."""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules

_M = "azure.mgmt.dns.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.Network/dnsZones",
        service="dns", operations="zones",
        get="get", create="create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "Zone",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.zoneType"}),
            immutable=frozenset({"location", "properties.zoneType"}),
        ),
        api_version="2018-05-01",
    ),
    ArmType(
        arm_type="Microsoft.Network/dnsZones/CNAME",
        service="dns", operations="record_sets",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "dnsZones", "name", "const:CNAME"), model=_M + "RecordSet",
        # DNS names are case-insensitive (RFC 4343).
        rules=CompareRules(case_insensitive=frozenset({"properties.CNAMERecord.cname"})),
        api_version="2018-05-01",
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.Network/dnsZones/TXT"),
)
