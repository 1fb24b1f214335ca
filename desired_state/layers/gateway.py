"""Gateway layer: API Management per the cost table, one API per
microservice with its operations, a product that links every API and a
subscription to it, the policies (global basic auth, the expected header being
a Key Vault named value, + subscription key check, rate limiting, a quota and
response caching), request telemetry to Application Insights (logger and the
`applicationinsights` diagnostic) and the service's diagnostic setting.

The microservices are private in every environment, so the gateway reaches
them over the VNet through the gateway subnet: Developer is injected (External
mode: the gateway stays public), prod's StandardV2 integrates outbound (see
`CostTiers.apim_sku`)."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.microservices import MicroservicesLayer
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import BASIC_AUTH_SECRET, SecurityLayer
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.specs.apimanagement import (
    VNET_INJECTION_SKUS,
    VNET_INTEGRATION_SKUS,
    ApiManagementServiceSpec,
    ApimDiagnosticSpec,
    ApimLoggerSpec,
    ApimSubscriptionSpec,
    ApiOperationSpec,
    ApiPolicySpec,
    ApiSpec,
    NamedValueSpec,
    ProductApiLinkSpec,
    ProductSpec,
    ServicePolicySpec,
)
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.monitor import DiagnosticSettingSpec

BASIC_AUTH_NAMED_VALUE = "basic-auth-header"

#: The operations every service API exposes: (operation id suffix, method, URL template).
#: The services are CRUD resources named after themselves (GET /users, GET /users/{id}, ...),
#: and the API's path is the service key, so the templates are relative to it.
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("list", "GET", "/"),
    ("get", "GET", "/{id}"),
    ("create", "POST", "/"),
    ("update", "PUT", "/{id}"),
    ("delete", "DELETE", "/{id}"),
)

#: Calls per subscription key (or caller IP) and day: the plan's quota beside the
#: per-minute throttle.
QUOTA_CALLS_PER_DAY = 100_000

#: Global policy. Scopes per policy: learn.microsoft.com/azure/api-management/api-management-policies
#: (`rate-limit-by-key`, `quota-by-key` and the cache policies are valid at the global scope;
#: `rate-limit` and `quota` are not).
GLOBAL_POLICY = f"""<policies>
  <inbound>
    <check-header name="Authorization" failed-check-httpcode="401" failed-check-error-message="Unauthorized" ignore-case="false">
      <value>{{{{{BASIC_AUTH_NAMED_VALUE}}}}}</value>
    </check-header>
    <check-header name="Ocp-Apim-Subscription-Key" failed-check-httpcode="401" failed-check-error-message="Missing subscription key" ignore-case="false" />
    <rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Subscription?.Key ?? context.Request.IpAddress)" />
    <quota-by-key calls="{QUOTA_CALLS_PER_DAY}" renewal-period="86400" counter-key="@(context.Subscription?.Key ?? context.Request.IpAddress)" />
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


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
    microservices: MicroservicesLayer,
) -> GatewayLayer:
    layer = GatewayLayer("gateway")
    vault = security.key_vault
    if not ctx.settings.features.enable_api_management or vault is None:
        return layer
    s = ctx.settings
    in_vnet = s.tiers.apim_sku in VNET_INJECTION_SKUS | VNET_INTEGRATION_SKUS
    service = layer.add(
        ApiManagementServiceSpec(
            address="gateway.apim", name=ctx.namer.unique("apim", max_length=50), resource_group=resource_group,
            location=ctx.location, tags=ctx.tags, sku=s.tiers.apim_sku, publisher_email=s.monitoring.alert_email,
            publisher_name=s.owner, subnet=network.subnets["gateway"] if in_vnet else None,
        )
    )
    layer.service = service
    if observability.app_insights is not None:
        logger = layer.add(
            ApimLoggerSpec(
                address="gateway.logger.app_insights", name="app-insights", parent=service,
                app_insights=observability.app_insights,
            )
        )
        layer.add(ApimDiagnosticSpec(address="gateway.diagnostic.app_insights", parent=service, logger=logger))
    if observability.workspace is not None:
        layer.add(
            DiagnosticSettingSpec(
                address="gateway.diagnostics.apim", name="to-log-analytics", scope=service,
                workspace=observability.workspace,
            )
        )
    reader = layer.add(
        RoleAssignmentSpec.grant_system_identity(
            "gateway.role.apim.key_vault_secrets_user", scope=vault, holder=service, role="Key Vault Secrets User",
            subscription_id=ctx.subscription_id,
        )
    )
    secret = security.secrets.get(BASIC_AUTH_SECRET)
    after: tuple[ResourceSpec, ...] = (reader,) if secret is None else (reader, secret)
    basic_auth = layer.add(
        NamedValueSpec(
            address="gateway.named_value.basic_auth", name=BASIC_AUTH_NAMED_VALUE, parent=service,
            display_name=BASIC_AUTH_NAMED_VALUE, secret_uri=vault.secret_uri(BASIC_AUTH_SECRET), after=after,
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
        for verb, method, template in OPERATIONS:
            layer.add(
                ApiOperationSpec(
                    address=f"gateway.operation.{key}.{verb}", name=f"{verb}-{key}", parent=api,
                    display_name=f"{verb.title()} {key}", method=method, url_template=template,
                )
            )
        layer.add(ProductApiLinkSpec(address=f"gateway.product_api.{key}", name=f"{key}-api", parent=product, api=api))
    return layer
