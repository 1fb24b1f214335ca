"""Microsoft.App: Container Apps environments and apps (api 2025-01-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from desired_state.errors import DesiredStateError
from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.resource import ResourceSpec
from desired_state.specs.applicationinsights import ApplicationInsightsSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import SubnetSpec
from desired_state.specs.redis import ManagedRedisSpec
from desired_state.specs.servicebus import ServiceBusNamespaceSpec
from desired_state.specs.sql import SqlDatabaseSpec
from desired_state.specs.tracked import TrackedSpec, user_assigned

#: A workload-profiles environment with the Consumption profile accepts a /27 or
#: larger subnet (the legacy Consumption-only kind needs a /23, too big for the
#: plan's /24 app subnet): learn.microsoft.com/azure/container-apps/networking.
CONSUMPTION_PROFILE = "Consumption"
#: Azure Managed Redis serves TLS on this port (the database spec's `port`).
REDIS_PORT = 10000


def registries(image: str, identity: UserAssignedIdentitySpec) -> list[dict[str, str]]:
    """Pull credentials for an image in Azure Container Registry: the app's own
    identity (which needs AcrPull on the registry), no admin password
    ("Azure Container Apps image pull with managed identity", Microsoft Learn).
    Images from other registries (the public quickstart image) need none."""
    server = image.split("/", 1)[0]
    return [{"server": server, "identity": identity.id}] if server.endswith(".azurecr.io") else []


def connection_settings(
    sql: SqlDatabaseSpec | None, redis: ManagedRedisSpec | None, service_bus: ServiceBusNamespaceSpec | None
) -> dict[str, str]:
    """Where a workload finds its data stores, as settings: names only, no secret
    (every one of them authenticates with the workload's Entra token)."""
    settings: dict[str, str] = {}
    if sql is not None:
        settings["SQL_SERVER"] = sql.parent.fully_qualified_domain_name
        settings["SQL_DATABASE"] = sql.name
    if redis is not None:
        settings["REDIS_HOST"] = redis.host_name()
        settings["REDIS_PORT"] = str(REDIS_PORT)
    if service_bus is not None:
        settings["SERVICEBUS_NAMESPACE"] = service_bus.fully_qualified_namespace
    return settings


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
    sql_database: SqlDatabaseSpec | None = None
    redis: ManagedRedisSpec | None = None
    env: dict[str, str] = {}

    def envelope(self) -> dict[str, Any]:
        return {"identity": user_assigned([self.identity])}

    def _registries(self) -> dict[str, Any]:
        found = registries(self.image, self.identity)
        return {"registries": found} if found else {}

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
        env.update(connection_settings(self.sql_database, self.redis, self.service_bus))
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
                **self._registries(),
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


class ContainerAppJobSpec(TrackedSpec):
    """A Container Apps job (`Microsoft.App/jobs`, REST example Job_CreateorUpdate.json,
    2025-01-01) on a schedule: each run starts `command` in the environment, so
    inside the VNet, as `identity`, and ends ("Jobs in Azure Container Apps",
    Microsoft Learn: trigger type Schedule with a cron expression in UTC)."""

    arm_type: ClassVar[str] = "Microsoft.App/jobs"
    name_rule = NameRule(2, 32, r"[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens, starting with a letter")

    environment: ManagedEnvironmentSpec
    identity: UserAssignedIdentitySpec
    image: str
    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    cron: str
    env: dict[str, str] = {}
    replica_timeout_seconds: int = 300
    retry_limit: int = 1
    #: Specs whose live values `args` or `env` hold (`{ref:...}` placeholders).
    refers_to: tuple[ResourceSpec, ...] = ()

    def envelope(self) -> dict[str, Any]:
        return {"identity": user_assigned([self.identity])}

    def properties(self) -> dict[str, Any]:
        container: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "command": list(self.command),
            "resources": {"cpu": 0.25, "memory": "0.5Gi"},
            "env": [{"name": key, "value": value} for key, value in self.env.items()],
        }
        if self.args:
            container["args"] = list(self.args)
        configuration: dict[str, Any] = {
            "triggerType": "Schedule",
            "scheduleTriggerConfig": {"cronExpression": self.cron, "parallelism": 1, "replicaCompletionCount": 1},
            "replicaTimeout": self.replica_timeout_seconds,
            "replicaRetryLimit": self.retry_limit,
        }
        configuration.update({"registries": found} if (found := registries(self.image, self.identity)) else {})
        return {
            "environmentId": self.environment.id,
            "workloadProfileName": CONSUMPTION_PROFILE,
            "configuration": configuration,
            "template": {"containers": [container]},
        }
