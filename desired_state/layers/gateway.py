"""Gateway layer: API Management per the cost table, one API per
microservice, a product with a subscription, and the policies: global basic
auth + subscription key check, rate limiting and response caching."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.microservices import MicroservicesLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.apimanagement import (
    ApiManagementServiceSpec,
    ApimSubscriptionSpec,
    ApiPolicySpec,
    ApiSpec,
    NamedValueSpec,
    ProductSpec,
    ServicePolicySpec,
)

BASIC_AUTH_NAMED_VALUE = "basic-auth-header"

#: Global policy. Scopes per policy: learn.microsoft.com/azure/api-management/api-management-policies
#: (`rate-limit-by-key` and the cache policies are valid at the global scope; `rate-limit` is not).
GLOBAL_POLICY = f"""<policies>
  <inbound>
    <check-header name="Authorization" failed-check-httpcode="401" failed-check-error-message="Unauthorized" ignore-case="false">
      <value>{{{{{BASIC_AUTH_NAMED_VALUE}}}}}</value>
    </check-header>
    <check-header name="Ocp-Apim-Subscription-Key" failed-check-httpcode="401" failed-check-error-message="Missing subscription key" ignore-case="false" />
    <rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Subscription?.Key ?? context.Request.IpAddress)" />
    <cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="none" />
  </inbound>
  <backend>
    <forward-request />
  </backend>
  <outbound>
    <cache-store duration="60" />
  </outbound>
  <on-error />
</policies>"""

def api_policy(service: str) -> str:
    """Per-API policy: inherit the global policy, tag the request with the service."""
    return (
        "<policies>\n  <inbound>\n    <base />\n"
        f'    <set-header name="X-Service" exists-action="override">\n      <value>{service}</value>\n    </set-header>\n'
        "  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n"
        "  <on-error>\n    <base />\n  </on-error>\n</policies>"
    )


@dataclass
class GatewayLayer(LayerSpecs):
    """The public API entry point."""

    service: ApiManagementServiceSpec | None = None


def build(ctx: LayerContext, resource_group: ResourceGroupSpec, microservices: MicroservicesLayer) -> GatewayLayer:
    layer = GatewayLayer("gateway")
    if not ctx.settings.features.enable_api_management:
        return layer
    s = ctx.settings
    service = layer.add(
        ApiManagementServiceSpec(
            address="gateway.apim", name=ctx.namer.unique("apim", max_length=50), resource_group=resource_group,
            location=ctx.location, tags=ctx.tags, sku=s.tiers.apim_sku, publisher_email=s.monitoring.alert_email,
            publisher_name=s.owner,
        )
    )
    layer.service = service
    basic_auth = layer.add(
        NamedValueSpec(
            address="gateway.named_value.basic_auth", name=BASIC_AUTH_NAMED_VALUE, parent=service,
            display_name=BASIC_AUTH_NAMED_VALUE, value=ctx.secrets.apim_basic_auth_header,
        )
    )
    layer.add(ServicePolicySpec(address="gateway.policy.global", parent=service, xml=GLOBAL_POLICY, named_values=(basic_auth,)))
    product = layer.add(
        ProductSpec(
            address="gateway.product.platform", name="platform", parent=service, display_name="Platform APIs",
            description="All microservice APIs; requires a subscription key and basic auth.",
        )
    )
    layer.add(
        ApimSubscriptionSpec(
            address="gateway.subscription.platform", name="platform-default", parent=service, product=product,
            display_name="Platform default subscription",
        )
    )
    for key, app in microservices.apps.items():
        api = layer.add(
            ApiSpec(
                address=f"gateway.api.{key}", name=f"{key}-api", parent=service, display_name=f"{key.title()} API",
                path=key, backend=app,
            )
        )
        layer.add(ApiPolicySpec(address=f"gateway.api_policy.{key}", parent=api, xml=api_policy(key)))
    return layer
