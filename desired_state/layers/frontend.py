"""Frontend layer: a Static Web App per frontend region (West US 2, plus West
Europe in prod), Front Door (profile, endpoint, origin group, one origin per
region, route, and a WAF policy with Microsoft's managed rule sets attached
by a security policy: Prevention in prod, Detection in staging) where the
CDN is enabled, and the DNS zone with a `www` CNAME
to Front Door, or to the primary static site where there is no CDN."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.naming import region_code
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.specs.cdn import (
    AfdEndpointSpec,
    FrontDoorProfileSpec,
    FrontDoorWafPolicySpec,
    OriginGroupSpec,
    OriginSpec,
    RouteSpec,
    SecurityPolicySpec,
)
from desired_state.specs.dns import CnameRecordSpec, DnsZoneSpec
from desired_state.specs.web import StaticSiteSpec


@dataclass
class FrontendLayer(LayerSpecs):
    """The public web tier."""

    static_sites: dict[str, StaticSiteSpec] = field(default_factory=dict)


def build(ctx: LayerContext, resource_group: ResourceGroupSpec) -> FrontendLayer:
    layer = FrontendLayer("frontend")
    n, s = ctx.namer, ctx.settings
    tagged: dict[str, Any] = {"resource_group": resource_group, "tags": ctx.tags}
    for region in s.regions.frontend_regions:
        code = region_code(region)
        layer.static_sites[region] = layer.add(
            StaticSiteSpec(
                address=f"frontend.static_site.{code}", name=n.unique("stapp", code, max_length=40), location=region,
                sku=s.tiers.static_site_sku, **tagged,
            )
        )
    primary = layer.static_sites[s.regions.primary]
    cname_target: ResourceSpec = primary
    cname_path = "properties.defaultHostname"
    if s.features.enable_cdn:
        # Premium: the tier whose WAF runs Microsoft's managed rule sets (see specs/cdn.py).
        profile = layer.add(
            FrontDoorProfileSpec(address="frontend.cdn.profile", name=n.standard("afd"), sku="Premium_AzureFrontDoor", **tagged)
        )
        endpoint = layer.add(
            AfdEndpointSpec(
                address="frontend.cdn.endpoint", name=n.unique("fde", max_length=46), parent=profile, tags=ctx.tags
            )
        )
        group = layer.add(OriginGroupSpec(address="frontend.cdn.origin_group", name="static-sites", parent=profile))
        origins = tuple(
            layer.add(
                OriginSpec(
                    address=f"frontend.cdn.origin.{region_code(region)}", name=f"stapp-{region_code(region)}",
                    parent=group, target=site,
                )
            )
            for region, site in layer.static_sites.items()
        )
        layer.add(
            RouteSpec(
                address="frontend.cdn.route", name="default", parent=endpoint, origin_group=group, origins=origins
            )
        )
        waf = layer.add(
            FrontDoorWafPolicySpec(
                address="frontend.waf_policy", name=f"waf{s.workload}{ctx.env}",
                mode="Prevention" if ctx.env == "prod" else "Detection", **tagged,
            )
        )
        layer.add(
            SecurityPolicySpec(
                address="frontend.cdn.security_policy", name="waf", parent=profile, waf_policy=waf, endpoints=(endpoint,)
            )
        )
        cname_target, cname_path = endpoint, "properties.hostName"
    zone = layer.add(DnsZoneSpec(address="frontend.dns_zone", name=s.dns_zone_name, **tagged))
    layer.add(
        CnameRecordSpec(
            address="frontend.dns.www", name="www", parent=zone, target=cname_target, target_path=cname_path
        )
    )
    return layer
