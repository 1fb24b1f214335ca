"""Frontend layer: a Static Web App per frontend region (West US 2, plus West
Europe in prod), Front Door where the CDN is enabled (profile, endpoint,
origin group, one origin per region, a cached and compressed route, and a WAF
policy with Microsoft's managed rule sets attached by a security policy:
Prevention in prod, Detection in staging), the DNS zone, and the `www` name
bound end to end.

`www` is a CNAME to Front Door where there is one, else to the primary static
site, and the name is bound where it points: as a Front Door custom domain
with a managed certificate, validated by the `_dnsauth.www` TXT record holding
its validation token, associated with the route and with the WAF (a domain the
security policy leaves out is served without the WAF), or as the static site's
custom domain (`cname-delegation`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.observability import ObservabilityLayer
from desired_state.naming import region_code
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.cdn import (
    AfdCustomDomainSpec,
    AfdEndpointSpec,
    FrontDoorProfileSpec,
    FrontDoorWafPolicySpec,
    OriginGroupSpec,
    OriginSpec,
    RouteSpec,
    SecurityPolicySpec,
)
from desired_state.specs.dns import CnameRecordSpec, DnsZoneSpec, TxtRecordSpec
from desired_state.specs.monitor import DiagnosticSettingSpec
from desired_state.specs.web import StaticSiteCustomDomainSpec, StaticSiteSpec

#: The record of the site's public name in the zone.
WWW = "www"


@dataclass
class FrontendLayer(LayerSpecs):
    """The public web tier."""

    static_sites: dict[str, StaticSiteSpec] = field(default_factory=dict)
    profile: FrontDoorProfileSpec | None = None


def build(ctx: LayerContext, resource_group: ResourceGroupSpec, observability: ObservabilityLayer) -> FrontendLayer:
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
    zone = layer.add(DnsZoneSpec(address="frontend.dns_zone", name=s.dns_zone_name, **tagged))
    host = f"{WWW}.{s.dns_zone_name}"
    if not s.features.enable_cdn:
        cname = layer.add(
            CnameRecordSpec(
                address="frontend.dns.www", name=WWW, parent=zone, target=primary, target_path="properties.defaultHostname"
            )
        )
        layer.add(
            StaticSiteCustomDomainSpec(address="frontend.static_site.custom_domain", name=host, parent=primary, after=(cname,))
        )
        return layer
    # Premium: the tier whose WAF runs Microsoft's managed rule sets (see specs/cdn.py).
    profile = layer.profile = layer.add(
        FrontDoorProfileSpec(address="frontend.cdn.profile", name=n.standard("afd"), sku="Premium_AzureFrontDoor", **tagged)
    )
    endpoint = layer.add(
        AfdEndpointSpec(address="frontend.cdn.endpoint", name=n.unique("fde", max_length=46), parent=profile, tags=ctx.tags)
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
    domain = layer.add(
        AfdCustomDomainSpec(address="frontend.cdn.custom_domain.www", name=WWW, parent=profile, host_name=host, dns_zone=zone)
    )
    layer.add(
        TxtRecordSpec(
            address="frontend.dns.www_validation", name=f"_dnsauth.{WWW}", parent=zone, target=domain,
            target_path="properties.validationProperties.validationToken",
        )
    )
    layer.add(
        RouteSpec(
            address="frontend.cdn.route", name="default", parent=endpoint, origin_group=group, origins=origins,
            custom_domains=(domain,),
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
            address="frontend.cdn.security_policy", name="waf", parent=profile, waf_policy=waf, endpoints=(endpoint,),
            custom_domains=(domain,),
        )
    )
    layer.add(
        CnameRecordSpec(
            address="frontend.dns.www", name=WWW, parent=zone, target=endpoint, target_path="properties.hostName"
        )
    )
    if observability.workspace is not None:
        # Access, health probe and WAF logs are the profile's ("Monitor metrics and logs in Azure Front Door").
        layer.add(
            DiagnosticSettingSpec(
                address="frontend.diagnostics.front_door", name="to-log-analytics", scope=profile,
                workspace=observability.workspace,
            )
        )
    return layer
