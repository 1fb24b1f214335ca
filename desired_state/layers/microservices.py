"""Microservices layer: the Container Apps environment on the app subnet and
the four services (users, orders, products, payments), each running as the
microservices identity and scaled by KEDA on its Service Bus entity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.messaging import MessagingLayer
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.appcontainers import ContainerAppSpec, ManagedEnvironmentSpec, ServiceBusScaleRule
from desired_state.specs.monitor import DiagnosticSettingSpec

#: KEDA rule per service: orders drain orders-queue, payments react to domain events.
SCALE_RULES: dict[str, tuple[ServiceBusScaleRule, ...]] = {
    "users": (),
    "orders": (ServiceBusScaleRule(name="orders-queue", queue_name="orders-queue"),),
    "products": (),
    "payments": (
        ServiceBusScaleRule(name="events-topic", topic_name="events-topic", subscription_name="payments-api"),
    ),
}


@dataclass
class MicroservicesLayer(LayerSpecs):
    """The business services."""

    apps: dict[str, ContainerAppSpec] = field(default_factory=dict)


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
    messaging: MessagingLayer,
) -> MicroservicesLayer:
    layer = MicroservicesLayer("microservices")
    identity = security.identities.get("microservices")
    if not ctx.settings.features.enable_container_apps or identity is None:
        return layer
    n = ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    # Where the data tier is private (staging, prod) the environment is internal: its
    # load balancer has a private IP in the app subnet only. An app's "external" ingress
    # then means "reachable from the VNet" (API Management's subnet), while non-external
    # ingress would limit it to the environment itself
    # (learn.microsoft.com/azure/container-apps/ingress-overview, .../networking).
    environment = layer.add(
        ManagedEnvironmentSpec(
            address="microservices.environment", name=n.standard("cae"), subnet=network.subnets["app"],
            internal=ctx.private, **common,
        )
    )
    if observability.workspace is not None:
        layer.add(
            DiagnosticSettingSpec(
                address="microservices.diagnostics.environment", name="to-log-analytics", scope=environment,
                workspace=observability.workspace,
            )
        )
    for service, rules in SCALE_RULES.items():
        usable = rules if messaging.namespace is not None else ()
        image = ctx.settings.services[service]
        layer.apps[service] = layer.add(
            ContainerAppSpec(
                address=f"microservices.app.{service}", name=f"ca-{service}-api-{ctx.env}", environment=environment,
                identity=identity, image=image.image, target_port=image.port, service_bus=messaging.namespace, scale_rules=usable,
                min_replicas=1 if ctx.env == "prod" else 0, app_insights=observability.app_insights,
                env={"SERVICE_NAME": f"{service}-api"}, **common,
            )
        )
    return layer
