"""Service Bus (azure-mgmt-servicebus 10, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

_M = "azure.mgmt.servicebus.models:"
#: ISO 8601 durations; the service may change their casing.
_ENTITY_CI = frozenset({
    "properties.lockDuration", "properties.defaultMessageTimeToLive", "properties.autoDeleteOnIdle",
    "properties.duplicateDetectionHistoryTimeWindow", "properties.status",
})

TYPES = (
    ArmType(
        arm_type="Microsoft.ServiceBus/namespaces",
        graph_row=True,
        service="servicebus", operations="namespaces",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "SBNamespace",
        rules=CompareRules(
            case_insensitive=frozenset({"sku.name", "sku.tier", "properties.minimumTlsVersion"}),
            immutable=frozenset({"location", "properties.zoneRedundant"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.ServiceBus/namespaces/queues",
        service="servicebus", operations="queues",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "namespaces", "name"), model=_M + "SBQueue",
        rules=CompareRules(
            case_insensitive=_ENTITY_CI,
            # Service Bus refuses to change these after creation.
            immutable=frozenset({"properties.requiresSession", "properties.enablePartitioning",
                                 "properties.requiresDuplicateDetection"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.ServiceBus/namespaces/topics",
        service="servicebus", operations="topics",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "namespaces", "name"), model=_M + "SBTopic",
        rules=CompareRules(
            case_insensitive=_ENTITY_CI,
            immutable=frozenset({"properties.enablePartitioning", "properties.requiresDuplicateDetection"}),
        ),
    ),
    ArmType(
        arm_type="Microsoft.ServiceBus/namespaces/topics/subscriptions",
        service="servicebus", operations="subscriptions",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "namespaces", "topics", "name"), model=_M + "SBSubscription",
        rules=CompareRules(case_insensitive=_ENTITY_CI, immutable=frozenset({"properties.requiresSession"})),
    ),
)
