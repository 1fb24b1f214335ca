"""Container Apps and their environments (azure-mgmt-appcontainers 5, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.appcontainers.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.App/managedEnvironments",
        service="appcontainers", operations="managed_environments",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "ManagedEnvironment",
        rules=CompareRules(
            lists={"properties.workloadProfiles": ListRule("keyed", "name")},
            case_insensitive=frozenset({"properties.workloadProfiles[].workloadProfileType"}),
            # Write-only values the service never echoes.
            write_only=frozenset({
                "properties.appLogsConfiguration.logAnalyticsConfiguration.sharedKey",
                "properties.daprAIConnectionString", "properties.daprAIInstrumentationKey",
                "properties.customDomainConfiguration.certificateValue",
                "properties.customDomainConfiguration.certificatePassword",
            }),
            immutable=frozenset({"location", "properties.vnetConfiguration", "properties.infrastructureResourceGroup"}),
        ),
        etag=False,
    ),
    ArmType(
        arm_type="Microsoft.App/containerApps",
        service="appcontainers", operations="container_apps",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "ContainerApp",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.configuration.activeRevisionsMode", "properties.configuration.ingress.transport",
            }),
            lists={
                "properties.template.containers": ListRule("keyed", "name"),
                "properties.template.initContainers": ListRule("keyed", "name"),
                "properties.template.scale.rules": ListRule("keyed", "name"),
                "properties.template.containers[].env": ListRule("keyed", "name"),
                "properties.configuration.secrets": ListRule("keyed", "name"),
                "properties.configuration.registries": ListRule("keyed", "server"),
            },
            write_only=frozenset({"properties.configuration.secrets[].value"}),
            # The service returns the environment as `managedEnvironmentId`.
            reshaped={"properties.environmentId": "managedEnvironmentId"},
        ),
        etag=False,
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.App/jobs"),
)
