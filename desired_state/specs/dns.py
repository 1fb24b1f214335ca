"""Microsoft.Network public DNS: zones and CNAME records (api 2018-05-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec, ResourceSpec
from desired_state.specs.tracked import TrackedSpec


class DnsZoneSpec(TrackedSpec):
    """`Microsoft.Network/dnsZones` (location `global`, no properties to set)."""

    arm_type: ClassVar[str] = "Microsoft.Network/dnsZones"
    name_rule = NameRule(1, 253, r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", "lowercase DNS labels separated by dots")
    has_properties: ClassVar[bool] = False

    location: str = "global"


class CnameRecordSpec(ChildSpec):
    """`Microsoft.Network/dnsZones/CNAME`. The target is a generated host name
    of another resource, so it is a live-value placeholder on that resource."""

    arm_type: ClassVar[str] = "Microsoft.Network/dnsZones/CNAME"
    name_rule = NameRule(1, 63, r"@|[A-Za-z0-9_*-]+", "a DNS label or @")

    parent: DnsZoneSpec
    target: ResourceSpec
    target_path: str
    ttl: int = 3600

    def properties(self) -> dict[str, Any]:
        # `TTL` and `CNAMERecord` are the wire casing of the DNS API.
        return {"TTL": self.ttl, "CNAMERecord": {"cname": live_ref(self.target, self.target_path)}}


class TxtRecordSpec(ChildSpec):
    """`Microsoft.Network/dnsZones/TXT` (REST example CreateOrUpdateTXTRecordset.json):
    one TXT record whose value is a live value of another resource (a Front Door
    custom domain's validation token). `TXTRecords[].value` is a list of strings
    per record, with the DNS API's wire casing."""

    arm_type: ClassVar[str] = "Microsoft.Network/dnsZones/TXT"
    name_rule = NameRule(1, 253, r"@|[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_-]+)*", "a relative DNS name or @")

    parent: DnsZoneSpec
    target: ResourceSpec
    target_path: str
    ttl: int = 3600

    def properties(self) -> dict[str, Any]:
        return {"TTL": self.ttl, "TXTRecords": [{"value": [live_ref(self.target, self.target_path)]}]}
