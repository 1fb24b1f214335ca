"""Microsoft.ServiceBus: namespace, queues, topics and subscriptions
(examples 2017-04-01 to 2022-10-01-preview)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from desired_state.name_rule import NameRule
from desired_state.resource import ChildSpec
from desired_state.specs.tracked import TrackedSpec


class ServiceBusNamespaceSpec(TrackedSpec):
    """A namespace; local (SAS) auth is off, callers use their managed identity."""

    arm_type: ClassVar[str] = "Microsoft.ServiceBus/namespaces"
    name_rule = NameRule(6, 50, r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", "letters, digits and hyphens, starting with a letter, ending with a letter or digit", True)

    sku: Literal["Basic", "Standard", "Premium"]
    public_network_access: bool = True
    minimum_tls_version: Literal["1.2"] = "1.2"

    @property
    def fully_qualified_namespace(self) -> str:
        return f"{self.name}.servicebus.windows.net"

    def envelope(self) -> dict[str, Any]:
        sku: dict[str, Any] = {"name": self.sku, "tier": self.sku}
        if self.sku == "Premium":
            sku["capacity"] = 1
        return {"sku": sku}

    def properties(self) -> dict[str, Any]:
        return {
            "minimumTlsVersion": self.minimum_tls_version,
            "disableLocalAuth": True,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
        }


class ServiceBusQueueSpec(ChildSpec):
    """A queue; expired and undeliverable messages go to its dead-letter queue."""

    arm_type: ClassVar[str] = "Microsoft.ServiceBus/namespaces/queues"
    name_rule = NameRule(1, 260, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit")

    parent: ServiceBusNamespaceSpec
    max_delivery_count: int = 10
    lock_duration: str = "PT1M"
    default_message_ttl: str = "P14D"
    dead_lettering_on_message_expiration: bool = True

    def properties(self) -> dict[str, Any]:
        return {
            "maxDeliveryCount": self.max_delivery_count,
            "lockDuration": self.lock_duration,
            "defaultMessageTimeToLive": self.default_message_ttl,
            "deadLetteringOnMessageExpiration": self.dead_lettering_on_message_expiration,
        }


class ServiceBusTopicSpec(ChildSpec):
    """A topic (needs the Standard tier or higher)."""

    arm_type: ClassVar[str] = "Microsoft.ServiceBus/namespaces/topics"
    name_rule = NameRule(1, 260, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit")

    parent: ServiceBusNamespaceSpec
    default_message_ttl: str = "P14D"

    def properties(self) -> dict[str, Any]:
        return {"defaultMessageTimeToLive": self.default_message_ttl, "enableBatchedOperations": True}


class ServiceBusSubscriptionSpec(ChildSpec):
    """A topic subscription read by one worker."""

    arm_type: ClassVar[str] = "Microsoft.ServiceBus/namespaces/topics/subscriptions"
    name_rule = NameRule(1, 50, r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?", "letters, digits, _-. starting and ending with a letter or digit")

    parent: ServiceBusTopicSpec
    max_delivery_count: int = 10
    lock_duration: str = "PT1M"
    dead_lettering_on_message_expiration: bool = True

    def properties(self) -> dict[str, Any]:
        return {
            "maxDeliveryCount": self.max_delivery_count,
            "lockDuration": self.lock_duration,
            "deadLetteringOnMessageExpiration": self.dead_lettering_on_message_expiration,
            "enableBatchedOperations": True,
        }
