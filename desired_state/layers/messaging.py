"""Messaging layer: the Service Bus namespace, its queues, topics and the
topic workers' subscriptions, data-plane roles for the workload identities,
a private endpoint where enabled, diagnostics and a dead-letter alert.

Every queue and subscription has its own dead-letter queue (the plan's
`dlq-queue`); expired messages are dead-lettered rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.monitor import DiagnosticSettingSpec, MetricAlertSpec, MetricCriterion
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.servicebus import (
    ServiceBusNamespaceSpec,
    ServiceBusQueueSpec,
    ServiceBusSubscriptionSpec,
    ServiceBusTopicSpec,
)

#: Queues by address key: (name, maxDeliveryCount).
QUEUES: dict[str, tuple[str, int]] = {
    "orders": ("orders-queue", 10),
    "etl": ("etl-queue", 5),
    "thirdparty": ("thirdparty-queue", 5),
}
TOPICS: dict[str, str] = {"events": "events-topic", "notifications": "notifications-topic"}
#: Subscriptions per topic key: the topic worker function, and the payments service on domain events.
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {"events": ("topic-worker", "payments-api"), "notifications": ("topic-worker",)}


@dataclass
class MessagingLayer(LayerSpecs):
    """The message broker and its entities."""

    namespace: ServiceBusNamespaceSpec | None = None
    queues: dict[str, ServiceBusQueueSpec] = field(default_factory=dict)
    topics: dict[str, ServiceBusTopicSpec] = field(default_factory=dict)


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
) -> MessagingLayer:
    layer = MessagingLayer("messaging")
    if not ctx.settings.features.enable_service_bus:
        return layer
    n = ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    namespace = layer.add(
        ServiceBusNamespaceSpec(
            address="messaging.namespace", name=n.unique("sbns", max_length=50), sku=ctx.settings.tiers.service_bus_sku,
            public_network_access=not ctx.private, **common,
        )
    )
    layer.namespace = namespace
    for key, (name, max_delivery) in QUEUES.items():
        layer.queues[key] = layer.add(
            ServiceBusQueueSpec(address=f"messaging.queue.{key}", name=name, parent=namespace, max_delivery_count=max_delivery)
        )
    for key, name in TOPICS.items():
        topic = layer.add(ServiceBusTopicSpec(address=f"messaging.topic.{key}", name=name, parent=namespace))
        layer.topics[key] = topic
        for sub in SUBSCRIPTIONS[key]:
            layer.add(
                ServiceBusSubscriptionSpec(
                    address=f"messaging.subscription.{key}.{sub.replace('-', '_')}", name=sub, parent=topic
                )
            )
    for workload in ("functions", "microservices"):
        identity = security.identities.get(workload)
        if identity is None:
            continue
        for role, slug in (("Azure Service Bus Data Receiver", "receiver"), ("Azure Service Bus Data Sender", "sender")):
            layer.add(
                RoleAssignmentSpec.grant(
                    f"messaging.role.{workload}.{slug}", scope=namespace, identity=identity, role=role,
                    subscription_id=ctx.subscription_id,
                )
            )
    if ctx.private:
        network.add_private_endpoint(
            layer,
            PrivateEndpointSpec(
                address="messaging.private_endpoint.namespace", name=n.standard("pe", "sb"),
                subnet=network.subnets["integration"], target=namespace, group_id="namespace", **common,
            )
        )
    if observability.workspace is not None:
        layer.add(
            DiagnosticSettingSpec(
                address="messaging.diagnostics.namespace", name="to-log-analytics", scope=namespace,
                workspace=observability.workspace,
            )
        )
    if observability.action_group is not None:
        layer.add(
            MetricAlertSpec(
                address="messaging.alert.dead_letters", name=n.standard("alert", "sb-deadletters"),
                resource_group=resource_group, tags=ctx.tags, target=namespace, action_group=observability.action_group,
                description="Messages are piling up in Service Bus dead-letter queues.",
                criteria=(
                    MetricCriterion(
                        name="DeadLetters", metric_name="DeadletteredMessages",
                        metric_namespace="Microsoft.ServiceBus/namespaces", operator="GreaterThan", threshold=0,
                        time_aggregation="Average",
                    ),
                ),
            )
        )
    return layer
