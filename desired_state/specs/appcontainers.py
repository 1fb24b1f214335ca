"""Microsoft.App: Container Apps environments and apps (api 2025-01-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from desired_state.errors import DesiredStateError
from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.specs.applicationinsights import ApplicationInsightsSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import SubnetSpec
from desired_state.specs.servicebus import ServiceBusNamespaceSpec
from desired_state.specs.tracked import TrackedSpec, user_assigned

#: A workload-profiles environment with the Consumption profile accepts a /27 or
#: larger subnet (the legacy Consumption-only kind needs a /23, too big for the
#: plan's /24 app subnet): learn.microsoft.com/azure/container-apps/networking.
CONSUMPTION_PROFILE = "Consumption"


class ManagedEnvironmentSpec(TrackedSpec):
    """A Container Apps environment injected into the app subnet.

    Logs go through Azure Monitor (`destination: azure-monitor`) and a
    diagnostic setting to Log Analytics, so no workspace shared key is needed.
    """

    arm_type: ClassVar[str] = "Microsoft.App/managedEnvironments"
    name_rule = NameRule(2, 60, r"[a-z][a-z0-9-]*[a-z0-9]", "lowercase letters, digits and hyphens, starting with a letter")

    subnet: SubnetSpec
    internal: bool = False

    def properties(self) -> dict[str, Any]:
        return {
            "vnetConfiguration": {"infrastructureSubnetId": self.subnet.id, "internal": self.internal},
            "workloadProfiles": [{"name": CONSUMPTION_PROFILE, "workloadProfileType": "Consumption"}],
            "appLogsConfiguration": {"destination": "azure-monitor"},
            "zoneRedundant": False,
        }


class ServiceBusScaleRule(BaseModel):
    """A KEDA `azure-servicebus` scale rule on a queue or a topic subscription."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    queue_name: str | None = None
    topic_name: str | None = None
    subscription_name: str | None = None
    message_count: int = 5


class ContainerAppSpec(TrackedSpec):
    """A microservice: one container, HTTP ingress, KEDA Service Bus scaling."""

    arm_type: ClassVar[str] = "Microsoft.App/containerApps"
    name_rule = NameRule(2, 32, r"[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens, starting with a letter")

    environment: ManagedEnvironmentSpec
    identity: UserAssignedIdentitySpec
    image: str
    target_port: int = 8080
    external_ingress: bool = True
    min_replicas: int = 0
    max_replicas: int = 10
    service_bus: ServiceBusNamespaceSpec | None = None
    scale_rules: tuple[ServiceBusScaleRule, ...] = ()
    app_insights: ApplicationInsightsSpec | None = None
    env: dict[str, str] = {}

    def envelope(self) -> dict[str, Any]:
        return {"identity": user_assigned([self.identity])}

    def _scale_rule(self, rule: ServiceBusScaleRule) -> dict[str, Any]:
        if self.service_bus is None:
            raise DesiredStateError("a Service Bus scale rule needs service_bus set", resource=self.address, field="service_bus")
        metadata = {"namespace": self.service_bus.name, "messageCount": str(rule.message_count)}
        if rule.queue_name is not None:
            metadata["queueName"] = rule.queue_name
        if rule.topic_name is not None:
            metadata["topicName"] = rule.topic_name
        if rule.subscription_name is not None:
            metadata["subscriptionName"] = rule.subscription_name
        # KEDA authenticates with the app's user-assigned identity (no connection string secret).
        return {"name": rule.name, "custom": {"type": "azure-servicebus", "metadata": metadata, "identity": self.identity.id}}

    def environment_variables(self) -> dict[str, str]:
        """Container env: identity, broker and telemetry wiring, then the app's own."""
        env = {"AZURE_CLIENT_ID": live_ref(self.identity, "properties.clientId")}
        if self.service_bus is not None:
            env["SERVICEBUS_NAMESPACE"] = self.service_bus.fully_qualified_namespace
        if self.app_insights is not None:
            env["APPLICATIONINSIGHTS_CONNECTION_STRING"] = live_ref(self.app_insights, "properties.ConnectionString")
        return {**env, **self.env}

    def properties(self) -> dict[str, Any]:
        return {
            "environmentId": self.environment.id,
            "workloadProfileName": CONSUMPTION_PROFILE,
            "configuration": {
                "activeRevisionsMode": "Single",
                "ingress": {"external": self.external_ingress, "targetPort": self.target_port, "transport": "auto"},
            },
            "template": {
                "containers": [
                    {
                        "name": self.name,
                        "image": self.image,
                        "resources": {"cpu": 0.5, "memory": "1Gi"},
                        "env": [{"name": key, "value": value} for key, value in self.environment_variables().items()],
                    }
                ],
                "scale": {
                    "minReplicas": self.min_replicas,
                    "maxReplicas": self.max_replicas,
                    "rules": [self._scale_rule(rule) for rule in self.scale_rules],
                },
            },
        }
