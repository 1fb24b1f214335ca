"""Per-environment settings (the plan's tables) and the secrets read from `.env`.

Every value of the architecture plan's environment tables is encoded here;
`get_environment_settings(env)` is the single way to obtain them.

Two decisions where the plan's tables conflict with Azure:

* Service Bus: the cost table says Basic outside prod, but the Basic tier has
  no topics, and the plan needs `events-topic` and `notifications-topic`
  everywhere. Standard is therefore the floor in every environment. Where
  private endpoints are on (staging, prod) the namespace is Premium, because
  Azure offers Service Bus private endpoints on the Premium tier only
  (learn.microsoft.com/azure/service-bus-messaging/private-link-service).
* Drift policy: `remediate` in dev/qa/staging (drift there is noise from
  experiments and is repaired automatically), `report` in prod (a change made
  by hand in prod is usually an incident fix; the controller reports it and a
  human folds it into desired state or reverts it deliberately).
"""

from __future__ import annotations

import io
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from desired_state.errors import DesiredStateError
from desired_state.resource import DriftPolicy

ENVIRONMENTS: tuple[str, ...] = ("dev", "qa", "staging", "prod")
SUBNET_ROLES: tuple[str, ...] = ("gateway", "app", "functions", "integration", "data", "management")
#: The name Azure requires for the subnet of an Azure Firewall.
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
PRIMARY_REGION = "westus2"
SECONDARY_REGION = "westeurope"
ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


class AppSecrets(BaseSettings):
    """Secrets shared by all environments, read from the environment and `.env`.

    Service principal variables accept both the `AZURE_*` names (azure-identity)
    and the `ARM_*` names (Terraform/Pulumi CI), so existing pipelines work.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    subscription_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")
    )
    tenant_id: str | None = Field(default=None, validation_alias=AliasChoices("AZURE_TENANT_ID", "ARM_TENANT_ID"))
    client_id: str | None = Field(default=None, validation_alias=AliasChoices("AZURE_CLIENT_ID", "ARM_CLIENT_ID"))
    client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET")
    )
    applicationinsights_connection_string: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("APPLICATIONINSIGHTS_CONNECTION_STRING")
    )
    lease_storage_account: str = Field(
        default="pulumistateonelasha", validation_alias=AliasChoices("LEASE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCOUNT")
    )
    lease_resource_group: str = Field(default="rg-infra", validation_alias=AliasChoices("LEASE_RESOURCE_GROUP"))
    thirdparty_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("THIRDPARTY_API_KEY"))
    apim_basic_auth_header: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("APIM_BASIC_AUTH_HEADER")
    )
    fingerprint_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RECONCILER_FINGERPRINT_KEY")
    )

    def __init__(self, **values: Any) -> None:
        # python-dotenv only warns about lines it cannot parse and drops them;
        # a dropped secret line would silently change what is deployed.
        env_file = values.get("_env_file", self.model_config.get("env_file"))
        if isinstance(env_file, str | Path):
            check_env_file(Path(env_file))
        super().__init__(**values)


def check_env_file(path: Path) -> None:
    """DesiredStateError naming the line of `path` that is not `KEY=value`
    (never echoing its content, which may hold a secret)."""
    from dotenv.parser import parse_stream

    import local_files

    try:  # the one safe reader: a FIFO or a device in place of .env is refused, never waited on
        data = local_files.read_bytes(path, what=".env", fix="", max_bytes=1024 * 1024, missing_ok=True)
    except local_files.LocalFileError as exc:
        raise DesiredStateError(f"{exc.problem}; make it a readable regular file", resource=str(path)) from None
    if data is None:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DesiredStateError("is not UTF-8 text; save it as UTF-8", resource=str(path)) from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and not binding.key.replace("_", "").isalnum()):
            raise DesiredStateError(
                f"line {binding.original.line} is not KEY=value; fix or remove that line "
                "(quote values with spaces, close every quote)",
                resource=str(path),
            )


def secret_setting(name: str, env_file: Path = Path(".env")) -> SecretStr | None:
    """A secret read by name from the environment, else from `.env` (where `AppSecrets` reads
    its values), None when neither sets it: what imported layers (docs/import.md) read each
    write-only value from, so no secret is ever written into code."""
    import os

    value = os.environ.get(name)
    if value is None:
        from dotenv import dotenv_values

        import local_files

        check_env_file(env_file)  # the one safe reader, and every line KEY=value
        data = local_files.read_bytes(env_file, what=".env", fix="", max_bytes=1024 * 1024, missing_ok=True)
        value = dotenv_values(stream=io.StringIO(data.decode("utf-8"))).get(name) if data is not None else None
    return SecretStr(value) if value else None


@lru_cache(maxsize=1)
def get_secrets() -> AppSecrets:
    """The process's secrets, read once."""
    return AppSecrets()


def _network(value: str, setting: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise DesiredStateError(
            f"{value!r} is not an IPv4 CIDR with its host bits zero ({exc}); write it like 10.0.1.0/24",
            resource="NetworkSettings",
            field=setting,
        ) from None


#: The image every service runs until its CI publishes its own; it serves on port 80.
PLACEHOLDER_IMAGE = "mcr.microsoft.com/k8se/quickstart:latest"
PLACEHOLDER_IMAGE_PORT = 80
#: Values under this domain are placeholders (RFC 2606 reserves it for examples).
PLACEHOLDER_DOMAIN = "example.com"
#: The image of the SQL users job until the deployment names its own: any image with
#: go-sqlcmd (`sqlcmd` on the PATH; docs/deploy.md builds one in the deployment's registry).
PLACEHOLDER_SQL_TOOLS_IMAGE = f"registry.{PLACEHOLDER_DOMAIN}/go-sqlcmd:latest"
#: Placeholders that break a deployment in every environment, not only prod: no custom
#: domain validates in a zone nobody delegated, and the SQL users job cannot pull an
#: image that does not exist (so no workload gets a database user). The others deploy
#: (the quickstart image serves, alerts go to a mailbox nobody reads, the firewall's
#: host list exists in prod only) and are refused in prod, which must be real.
BREAKING_PLACEHOLDERS: frozenset[str] = frozenset({"dns_zone_name", "sql_tools_image"})
MICROSERVICES: tuple[str, ...] = ("users", "orders", "products", "payments")


class ServiceImage(BaseModel):
    """The container image of one microservice and the port it serves on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str = PLACEHOLDER_IMAGE
    port: int = Field(default=PLACEHOLDER_IMAGE_PORT, ge=1, le=65535)


class DeploySettings(BaseSettings):
    """The values a real deployment must supply (the built-in ones are
    placeholders, refused against Azure: see `BREAKING_PLACEHOLDERS`):
    `RECONCILER_DNS_ZONE`, `RECONCILER_ALERT_EMAIL`,
    `RECONCILER_THIRDPARTY_API_HOSTS` (JSON list), `RECONCILER_SERVICE_IMAGES`
    (JSON object: service -> {"image", "port"}), `RECONCILER_SQL_TOOLS_IMAGE`,
    from the environment or `.env`. They apply to the environment being deployed."""

    model_config = SettingsConfigDict(env_prefix="RECONCILER_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    dns_zone: str | None = None
    alert_email: str | None = None
    thirdparty_api_hosts: tuple[str, ...] | None = None
    service_images: dict[str, ServiceImage] | None = None
    sql_tools_image: str | None = None


class NetworkSettings(BaseModel):
    """VNet address space, the six /24 subnets, DDoS and firewall switches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vnet_cidr: str
    subnets: dict[str, str]
    enable_ddos_protection: bool
    enable_firewall: bool
    #: /26 for `AzureFirewallSubnet`, in a free range of the VNet (only used when the firewall is on).
    firewall_subnet_cidr: str | None = None
    #: Hosts of the third-party APIs the sync worker calls: the only internet
    #: destinations the firewall allows besides the Azure services the workers need.
    thirdparty_api_hosts: tuple[str, ...] = ("api.thirdparty.example.com",)
    #: Where Azure keeps the subscription's network watchers (it creates the group
    #: with the first virtual network of a region; "Enable or disable Azure Network
    #: Watcher", Microsoft Learn).
    network_watcher_group: str = "NetworkWatcherRG"

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        # Checked here, not in a validator, so callers get DesiredStateError (not a wrapped ValidationError).
        self._check_layout()

    def _check_layout(self) -> None:
        vnet = _network(self.vnet_cidr, "vnet_cidr")
        missing = [role for role in SUBNET_ROLES if role not in self.subnets]
        if missing:
            raise DesiredStateError(
                f"missing subnets {missing}; the plan needs {list(SUBNET_ROLES)}", resource="NetworkSettings", field="subnets"
            )
        placed: list[tuple[str, ipaddress.IPv4Network]] = []
        layout = dict(self.subnets)
        if self.enable_firewall:
            if self.firewall_subnet_cidr is None:
                raise DesiredStateError(
                    "the firewall is enabled but no AzureFirewallSubnet range is set; set a free /26",
                    resource="NetworkSettings",
                    field="firewall_subnet_cidr",
                )
            layout[FIREWALL_SUBNET_NAME] = self.firewall_subnet_cidr
        for role, cidr in layout.items():
            net = _network(cidr, f"subnets.{role}")
            expected = 26 if role == FIREWALL_SUBNET_NAME else 24
            if net.prefixlen != expected:
                raise DesiredStateError(
                    f"subnet {role} is {cidr} but must be a /{expected} per the plan; change its prefix length",
                    resource="NetworkSettings",
                    field=f"subnets.{role}",
                )
            if not net.subnet_of(vnet):
                raise DesiredStateError(
                    f"subnet {role} {cidr} lies outside the VNet {self.vnet_cidr}; pick a range inside it",
                    resource="NetworkSettings",
                    field=f"subnets.{role}",
                )
            for other_role, other in placed:
                if net.overlaps(other):
                    raise DesiredStateError(
                        f"subnet {role} {cidr} overlaps subnet {other_role} {other}; give each subnet its own range",
                        resource="NetworkSettings",
                        field=f"subnets.{role}",
                    )
            placed.append((role, net))


class SecuritySettings(BaseModel):
    """Key Vault protection, private endpoints and the minimum TLS version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enable_purge_protection: bool
    soft_delete_retention_days: int = Field(ge=7, le=90)
    enable_private_endpoints: bool
    min_tls_version: Literal["1.2", "1.3"] = "1.2"


class MonitoringSettings(BaseModel):
    """Log Analytics retention and daily ingestion cap (None = unlimited)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    log_retention_days: int = Field(ge=30, le=730)
    daily_quota_gb: float | None
    alert_email: str = "platform-oncall@example.com"


class FeatureFlags(BaseModel):
    """Which parts of the estate an environment deploys (the plan's feature table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enable_container_apps: bool
    enable_functions: bool
    enable_service_bus: bool
    enable_sql_database: bool
    enable_api_management: bool
    enable_cdn: bool
    enable_data_factory: bool
    enable_redis: bool
    enable_cosmos_db: bool


class CostTiers(BaseModel):
    """SKUs from the plan's cost table (see the module docstring for Service Bus)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Prod's plan tier "Standard" is Standard v2: classic Standard has no
    #: virtual network mode, Standard v2 integrates outbound with a VNet
    #: (learn.microsoft.com/azure/api-management/integrate-vnet-outbound).
    apim_sku: Literal["Developer", "StandardV2"]
    #: Consumption (Y1) has no VNet integration; Elastic Premium (EP1) has
    #: (learn.microsoft.com/azure/azure-functions/functions-networking-options).
    functions_plan_sku: Literal["Y1", "EP1"]
    sql_database_sku: Literal["Basic", "S2"]
    service_bus_sku: Literal["Standard", "Premium"]
    container_apps_workload_profile: Literal["Consumption"] = "Consumption"
    static_site_sku: Literal["Free", "Standard"]
    #: Azure Managed Redis sizes (Azure Cache for Redis Basic/Standard are retiring: layers/cache.py).
    redis_sku: Literal["Balanced_B0", "Balanced_B1"]


class RegionSettings(BaseModel):
    """Where things run: one primary region, and the frontend's second region in prod."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary: str = PRIMARY_REGION
    frontend_secondary: str | None = None

    @property
    def frontend_regions(self) -> tuple[str, ...]:
        return (self.primary,) if self.frontend_secondary is None else (self.primary, self.frontend_secondary)


class EnvironmentSettings(BaseModel):
    """Everything that differs between environments, combined."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: str
    workload: str = "platform"
    owner: str = "platform-team"
    cost_center: str = "cc-platform"
    dns_zone_name: str
    network: NetworkSettings
    security: SecuritySettings
    monitoring: MonitoringSettings
    features: FeatureFlags
    tiers: CostTiers
    regions: RegionSettings = RegionSettings()
    drift_policy: DriftPolicy
    #: Image and port per microservice.
    services: dict[str, ServiceImage] = Field(default_factory=lambda: {name: ServiceImage() for name in MICROSERVICES})
    #: The image the SQL users job runs (go-sqlcmd).
    sql_tools_image: str = PLACEHOLDER_SQL_TOOLS_IMAGE

    def placeholders(self) -> list[tuple[str, str]]:
        """(setting, how to set it) for every value still a placeholder."""
        found: list[tuple[str, str]] = []
        if self.dns_zone_name.endswith(PLACEHOLDER_DOMAIN):
            found.append(("dns_zone_name", "set RECONCILER_DNS_ZONE to the zone you own"))
        if self.monitoring.alert_email.endswith("@" + PLACEHOLDER_DOMAIN):
            found.append(("monitoring.alert_email", "set RECONCILER_ALERT_EMAIL to the on-call address"))
        if any(host.endswith(PLACEHOLDER_DOMAIN) for host in self.network.thirdparty_api_hosts):
            found.append(("network.thirdparty_api_hosts", "set RECONCILER_THIRDPARTY_API_HOSTS (a JSON list)"))
        for name, service in sorted(self.services.items()):
            if service.image == PLACEHOLDER_IMAGE:
                found.append((f"services.{name}.image",
                              'set RECONCILER_SERVICE_IMAGES (JSON: {"<service>": {"image": ..., "port": ...}})'))
        if self.sql_tools_image.split("/", 1)[0].endswith(PLACEHOLDER_DOMAIN):
            found.append(("sql_tools_image", "set RECONCILER_SQL_TOOLS_IMAGE to an image with go-sqlcmd (docs/deploy.md)"))
        return found


def _subnets(second_octet: int) -> dict[str, str]:
    return {role: f"10.{second_octet}.{index}.0/24" for index, role in enumerate(SUBNET_ROLES)}


def _network_for(second_octet: int, *, ddos: bool, firewall: bool) -> NetworkSettings:
    return NetworkSettings(
        vnet_cidr=f"10.{second_octet}.0.0/16",
        subnets=_subnets(second_octet),
        enable_ddos_protection=ddos,
        enable_firewall=firewall,
        # First free block after the six /24s (10.x.0.0-10.x.5.255).
        firewall_subnet_cidr=f"10.{second_octet}.6.0/26" if firewall else None,
    )


def _settings(env: str) -> EnvironmentSettings:
    prod = env == "prod"
    private = env in ("staging", "prod")
    octet = {"dev": 0, "staging": 1, "prod": 2, "qa": 3}[env]
    soft_delete = {"dev": 7, "qa": 14, "staging": 30, "prod": 90}[env]
    retention = {"dev": 30, "qa": 30, "staging": 60, "prod": 365}[env]
    quota: float | None = {"dev": 1.0, "qa": 2.0, "staging": 5.0, "prod": None}[env]
    return EnvironmentSettings(
        environment=env,
        dns_zone_name=f"{env}.platform.example.com",
        network=_network_for(octet, ddos=prod, firewall=prod),
        security=SecuritySettings(
            enable_purge_protection=prod,
            soft_delete_retention_days=soft_delete,
            enable_private_endpoints=private,
        ),
        monitoring=MonitoringSettings(log_retention_days=retention, daily_quota_gb=quota),
        features=FeatureFlags(
            enable_container_apps=True,
            enable_functions=True,
            enable_service_bus=True,
            enable_sql_database=True,
            enable_api_management=env != "qa",
            enable_cdn=env in ("staging", "prod"),
            enable_data_factory=env == "dev",
            enable_redis=env in ("dev", "prod"),
            enable_cosmos_db=env == "dev",
        ),
        tiers=CostTiers(
            apim_sku="StandardV2" if prod else "Developer",
            # Functions need a VNet path wherever their dependencies are private.
            functions_plan_sku="EP1" if private else "Y1",
            sql_database_sku="S2" if prod else "Basic",
            service_bus_sku="Premium" if private else "Standard",
            static_site_sku="Standard" if private else "Free",
            redis_sku="Balanced_B1" if prod else "Balanced_B0",
        ),
        regions=RegionSettings(frontend_secondary=SECONDARY_REGION if prod else None),
        drift_policy="report" if prod else "remediate",
    )


def with_deploy_settings(settings: EnvironmentSettings, deploy: DeploySettings) -> EnvironmentSettings:
    """`settings` with the values a deployment supplied in place of the placeholders."""
    update: dict[str, Any] = {}
    if deploy.dns_zone:
        update["dns_zone_name"] = deploy.dns_zone
    if deploy.alert_email:
        update["monitoring"] = settings.monitoring.model_copy(update={"alert_email": deploy.alert_email})
    if deploy.thirdparty_api_hosts:
        update["network"] = settings.network.model_copy(update={"thirdparty_api_hosts": deploy.thirdparty_api_hosts})
    if deploy.service_images:
        unknown = sorted(set(deploy.service_images) - set(settings.services))
        if unknown:
            raise DesiredStateError(
                f"unknown services {unknown}; the services are {list(settings.services)}",
                resource="RECONCILER_SERVICE_IMAGES", field="service_images",
            )
        update["services"] = {**settings.services, **deploy.service_images}
    if deploy.sql_tools_image:
        update["sql_tools_image"] = deploy.sql_tools_image
    return settings.model_copy(update=update)


def get_environment_settings(env: str, deploy: DeploySettings | None = None) -> EnvironmentSettings:
    """The settings of one environment with the deployment's values
    (`DeploySettings`, read from the environment when not given);
    DesiredStateError for an unknown name."""
    if env not in ENVIRONMENTS:
        raise DesiredStateError(
            f"unknown environment {env!r}; valid environments are {', '.join(ENVIRONMENTS)}",
            resource="environment",
        )
    return with_deploy_settings(_settings(env), deploy if deploy is not None else DeploySettings())
