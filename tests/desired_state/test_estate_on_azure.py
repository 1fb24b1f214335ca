"""Issue 28: every workload reaches and authenticates to what it uses, privately,
observed. Per environment, against the built desired state."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from desired_state.layers.networking import egress_path
from desired_state.settings import ENVIRONMENTS
from desired_state.state import DesiredState

PRIVATE = ("staging", "prod")
ROOT = Path(__file__).resolve().parents[2]


def _of_type(state: DesiredState, arm_type: str) -> list[str]:
    return [r.address for r in state.resources if r.type == arm_type]


def _env_of(state: DesiredState, address: str) -> dict[str, str]:
    (container,) = state.by_address(address).body["properties"]["template"]["containers"]
    return {e["name"]: e["value"] for e in container["env"]}


# -- 1. SQL: passwordless, deliverable end to end -------------------------------------------------

@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_sql_server_has_its_own_identity_for_the_graph_look_ups_of_user_creation(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    server = state.by_address("database.sql_server")
    identity = state.by_address("security.identity.sqlserver")
    assert server.body["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {identity.id: {}}}
    assert server.body["properties"]["primaryUserAssignedIdentityId"] == identity.id
    # The admin stays another identity: the one the users job runs as.
    assert server.body["properties"]["administrators"]["sid"] == "{ref:security.identity.sqladmin:properties.clientId}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_job_inside_the_vnet_creates_the_workload_identities_database_users(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    job = state.by_address("microservices.job.sql_users")
    admin = state.by_address("security.identity.sqladmin")
    assert job.body["identity"]["userAssignedIdentities"] == {admin.id: {}}
    props = job.body["properties"]
    assert props["environmentId"] == state.by_address("microservices.environment").id
    assert props["configuration"]["triggerType"] == "Schedule"
    assert props["configuration"]["scheduleTriggerConfig"]["cronExpression"] == "17 * * * *"
    (container,) = props["template"]["containers"]
    assert container["image"] == state.settings.sql_tools_image and container["command"] == ["sqlcmd"]
    args = container["args"]
    server = state.by_address("database.sql_server").name
    assert args[args.index("-S") + 1] == f"tcp:{server}.database.windows.net,1433"
    assert args[args.index("-d") + 1] == "sqldb-platform"
    assert args[args.index("--authentication-method") + 1] == "ActiveDirectoryManagedIdentity"
    assert args[args.index("-U") + 1] == "{ref:security.identity.sqladmin:properties.clientId}"
    script = args[args.index("-Q") + 1]
    for workload in ("functions", "microservices"):
        name = state.by_address(f"security.identity.{workload}").name
        assert f"CREATE USER [{name}] FROM EXTERNAL PROVIDER;" in script
        assert f"IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'{name}')" in script
        assert f"ALTER ROLE db_datareader ADD MEMBER [{name}];" in script
        assert f"ALTER ROLE db_datawriter ADD MEMBER [{name}];" in script
    assert "database.sql_database" in job.depends_on
    # It runs in the app subnet, which the data subnet's NSG admits on 1433.
    data_rules = {r["name"]: r["properties"] for r in state.by_address("networking.nsg.data").body["properties"]["securityRules"]}
    assert data_rules["AllowAppToSql"]["sourceAddressPrefix"] == state.settings.network.subnets["app"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_workload_is_told_the_server_and_database_names_and_no_password_exists(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    fqdn = f"{state.by_address('database.sql_server').name}.database.windows.net"
    for app in _of_type(state, "Microsoft.App/containerApps"):
        env_vars = _env_of(state, app)
        assert (env_vars["SQL_SERVER"], env_vars["SQL_DATABASE"]) == (fqdn, "sqldb-platform")
    for app in _of_type(state, "Microsoft.Web/sites"):
        settings = state.by_address(f"{app}.appsettings").body["properties"]
        assert (settings["SQL_SERVER"], settings["SQL_DATABASE"]) == (fqdn, "sqldb-platform")
    assert "password" not in json.dumps([r.body for r in state.resources]).lower()


def test_no_sql_admin_password_is_left_in_the_repository() -> None:
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), *(ROOT / "desired_state").rglob("*.py"),
                 *(ROOT / "reconciler").rglob("*.py"), ROOT / "Dockerfile"]:
        assert "SQL_ADMIN_PASSWORD" not in path.read_text(), path


# -- 2. Redis ---------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_services_get_a_redis_access_policy_and_the_host(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    cluster = state.by_address("cache.redis")
    assignment = state.by_address("cache.redis.access.microservices")
    assert assignment.id == f"{cluster.id}/databases/default/accessPolicyAssignments/microservices"
    assert assignment.body["properties"] == {
        "accessPolicyName": "default", "user": {"objectId": "{ref:security.identity.microservices:properties.principalId}"},
    }
    for app in _of_type(state, "Microsoft.App/containerApps"):
        env_vars = _env_of(state, app)
        assert env_vars["REDIS_HOST"] == "{ref:cache.redis:properties.hostName}" and env_vars["REDIS_PORT"] == "10000"
        assert "cache.redis" in state.by_address(app).depends_on


@pytest.mark.parametrize("env", ["qa", "staging"])
def test_without_redis_no_workload_is_told_of_one(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    assert all("REDIS_HOST" not in _env_of(state, app) for app in _of_type(state, "Microsoft.App/containerApps"))


# -- 3. Private function apps and host storage ---------------------------------------------------

@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_function_apps_are_private_workers(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    storage = state.by_address("functions.storage")
    assert storage.body["properties"]["allowSharedKeyAccess"] is False  # identity everywhere, no key to leak
    for app in _of_type(state, "Microsoft.Web/sites"):
        site = state.by_address(app)
        config = state.by_address(f"{app}.web").body["properties"]
        settings = state.by_address(f"{app}.appsettings").body["properties"]
        assert settings["WEBSITE_RUN_FROM_PACKAGE"] == f"https://{storage.name}.blob.core.windows.net/function-packages/{site.name}.zip"
        assert settings["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"] == state.by_address("security.identity.functions").id
        assert not [k for k in settings if k.startswith("WEBSITE_CONTENT")]
        endpoints = [r for r in state.resources if r.type == "Microsoft.Network/privateEndpoints"
                     and r.body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] == site.id]
        if env in PRIVATE:
            assert site.body["properties"]["publicNetworkAccess"] == "Disabled"
            (endpoint,) = endpoints
            assert endpoint.body["properties"]["subnet"]["id"] == state.by_address("networking.subnet.integration").id
            assert endpoint.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"] == ["sites"]
            assert "ipSecurityRestrictionsDefaultAction" not in config
        else:
            assert site.body["properties"]["publicNetworkAccess"] == "Enabled" and endpoints == []
            assert config["ipSecurityRestrictionsDefaultAction"] == "Deny"
            assert config["scmIpSecurityRestrictionsDefaultAction"] == "Deny"
            assert config["scmIpSecurityRestrictionsUseMain"] is True
    groups = sorted(r.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0]
                    for r in state.resources if r.type == "Microsoft.Network/privateEndpoints"
                    and r.body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] == storage.id)
    assert storage.body["properties"]["publicNetworkAccess"] == ("Disabled" if env in PRIVATE else "Enabled")
    assert groups == (["blob", "queue"] if env in PRIVATE else [])


# -- 4. NSG rules on private endpoints ------------------------------------------------------------

@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_private_endpoint_subnets_enforce_their_nsg_with_the_flows_that_were_missing(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    subnets = state.settings.network.subnets
    for role in ("integration", "data"):
        assert state.by_address(f"networking.subnet.{role}").body["properties"]["privateEndpointNetworkPolicies"] == "Enabled"
    for role in ("gateway", "app", "functions", "management"):
        assert "privateEndpointNetworkPolicies" not in state.by_address(f"networking.subnet.{role}").body["properties"]

    def rules(role: str) -> dict[str, dict[str, object]]:
        body = state.by_address(f"networking.nsg.{role}").body["properties"]["securityRules"]
        return {r["name"]: r["properties"] for r in body}

    assert (rules("integration")["AllowGatewayToKeyVault"]["sourceAddressPrefix"],
            rules("integration")["AllowGatewayToKeyVault"]["destinationPortRange"]) == (subnets["gateway"], "443")
    assert (rules("data")["AllowAppToRedis"]["sourceAddressPrefix"], rules("data")["AllowAppToRedis"]["destinationPortRange"]) == (
        subnets["app"], "10000")
    assert (rules("data")["AllowAppToBlob"]["sourceAddressPrefix"], rules("data")["AllowAppToBlob"]["destinationPortRange"]) == (
        subnets["app"], "443")


# -- 5. Front Door ------------------------------------------------------------------------------

@pytest.mark.parametrize("env", PRIVATE)
def test_front_door_caches_compresses_and_serves_www_with_a_validated_managed_certificate(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    route = state.by_address("frontend.cdn.route").body["properties"]
    cache = route["cacheConfiguration"]
    assert cache["queryStringCachingBehavior"] == "IgnoreQueryString"
    assert cache["compressionSettings"]["isCompressionEnabled"] is True
    assert {"text/html", "text/css", "application/javascript", "application/json"} <= set(cache["compressionSettings"]["contentTypesToCompress"])
    domain = state.by_address("frontend.cdn.custom_domain.www")
    zone = state.by_address("frontend.dns_zone")
    assert domain.body["properties"] == {
        "hostName": f"www.{zone.name}",
        "tlsSettings": {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"},
        "azureDnsZone": {"id": zone.id},
    }
    assert route["customDomains"] == [{"id": domain.id}]
    txt = state.by_address("frontend.dns.www_validation")
    assert txt.id == f"{zone.id}/TXT/_dnsauth.www"
    assert txt.body["properties"]["TXTRecords"] == [
        {"value": ["{ref:frontend.cdn.custom_domain.www:properties.validationProperties.validationToken}"]}
    ]
    cname = state.by_address("frontend.dns.www").body["properties"]["CNAMERecord"]["cname"]
    assert cname == "{ref:frontend.cdn.endpoint:properties.hostName}"
    assert not _of_type(state, "Microsoft.Web/staticSites/customDomains")  # www points at Front Door, not a site


@pytest.mark.parametrize("env", ["dev", "qa"])
def test_without_front_door_www_is_bound_to_the_static_site(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    site = state.by_address("frontend.static_site.wus2")
    binding = state.by_address("frontend.static_site.custom_domain")
    assert binding.id == f"{site.id}/customDomains/www.{state.settings.dns_zone_name}"
    assert binding.body == {"properties": {"validationMethod": "cname-delegation"}}
    assert "frontend.dns.www" in binding.depends_on  # the CNAME it is validated by exists first


# -- 6. Observability -----------------------------------------------------------------------------

def _diagnostic_scopes(state: DesiredState) -> dict[str, dict[str, object]]:
    return {
        r.id.split("/providers/Microsoft.Insights/diagnosticSettings/")[0]: r.body["properties"]
        for r in state.resources if r.type == "Microsoft.Insights/diagnosticSettings"
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_service_the_issue_names_sends_its_logs_to_the_workspace(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    scopes = _diagnostic_scopes(state)
    workspace = state.by_address("observability.log_analytics").id
    expected = ["etl.storage", "functions.storage", "security.key_vault", "database.sql_database", "messaging.namespace",
                "microservices.environment"]
    expected += {"dev": ["gateway.apim", "cache.redis"], "qa": [], "staging": ["gateway.apim", "frontend.cdn.profile"],
                 "prod": ["gateway.apim", "frontend.cdn.profile", "networking.firewall", "cache.redis"]}[env]
    for address in expected:
        assert scopes[state.by_address(address).id]["workspaceId"] == workspace, address
    for account in ("etl.storage", "functions.storage"):
        account_id = state.by_address(account).id
        assert "logs" not in scopes[account_id]  # an account has metrics only; its blob service has the logs
        assert scopes[f"{account_id}/blobServices/default"]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    if "cache.redis" in expected:
        assert scopes[state.by_address("cache.redis.database").id]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_api_management_sends_request_telemetry_to_application_insights(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    insights = state.by_address("observability.app_insights")
    logger = state.by_address("gateway.logger.app_insights")
    assert logger.body["properties"] == {
        "loggerType": "applicationInsights",
        "credentials": {"connectionString": "{ref:observability.app_insights:properties.ConnectionString}"},
        "resourceId": insights.id,
    }
    diagnostic = state.by_address("gateway.diagnostic.app_insights")
    assert diagnostic.name == "applicationinsights" and diagnostic.body["properties"]["loggerId"] == logger.id


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_vnet_flow_logs_go_to_storage_and_traffic_analytics(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    group = state.by_address("observability.network_watcher_group")
    watcher = state.by_address("observability.network_watcher")
    # The subscription's own watcher, as Azure names it, shared by the environments: no ownership tags.
    assert (group.name, watcher.name) == ("NetworkWatcherRG", "NetworkWatcher_westus2")
    assert "tags" not in group.body and "tags" not in watcher.body
    flow = state.by_address("observability.flow_log.vnet")
    assert flow.id.startswith(watcher.id + "/flowLogs/")
    props = flow.body["properties"]
    assert props["targetResourceId"] == state.by_address("networking.vnet").id
    assert props["storageId"] == state.by_address("observability.storage.flow_logs").id
    assert props["retentionPolicy"] == {"days": state.settings.monitoring.log_retention_days, "enabled": True}
    analytics = props["flowAnalyticsConfiguration"]["networkWatcherFlowAnalyticsConfiguration"]
    assert analytics["workspaceResourceId"] == state.by_address("observability.log_analytics").id
    assert analytics["workspaceId"] == "{ref:observability.log_analytics:properties.customerId}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_operations_workbook_shows_services_queues_and_functions(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    workbook = state.by_address("dashboards.workbook.operations")
    assert uuid.UUID(workbook.name) and workbook.body["kind"] == "shared"
    props = workbook.body["properties"]
    insights = state.by_address("observability.app_insights").id
    assert props["sourceId"] == insights and props["category"] == "workbook"
    assert isinstance(props["serializedData"], str)
    content = json.loads(props["serializedData"])
    assert content["version"] == "Notebook/1.0" and content["fallbackResourceIds"] == [insights]
    steps = {item["name"]: item for item in content["items"]}
    assert set(steps) == {"title", "requests-per-service", "latency-over-time", "queue-depth", "function-failures"}
    requests = steps["requests-per-service"]["content"]
    assert requests["crossComponentResources"] == [insights] and "by service = cloud_RoleName" in requests["query"]
    assert {"failures", "p95_ms"} <= set(re.findall(r"(\w+) =", requests["query"]))
    queues = steps["queue-depth"]["content"]
    assert queues["resourceIds"] == [state.by_address("messaging.namespace").id]
    assert [(m["metric"], m["splitBy"]) for m in queues["metrics"]] == [
        ("microsoft.servicebus/namespaces--ActiveMessages", "EntityName"),
        ("microsoft.servicebus/namespaces--DeadletteredMessages", "EntityName"),
    ]
    failures = steps["function-failures"]["content"]["query"]
    assert all(f'"{state.by_address(app).name}"' in failures for app in _of_type(state, "Microsoft.Web/sites"))


def test_the_workbook_name_is_stable_and_differs_per_environment(states: dict[str, DesiredState]) -> None:
    names = {env: states[env].by_address("dashboards.workbook.operations").name for env in ENVIRONMENTS}
    assert len(set(names.values())) == len(ENVIRONMENTS)


# -- 7. Smaller -------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_api_management_throttles_and_enforces_a_quota(states: dict[str, DesiredState], env: str) -> None:
    policy = states[env].by_address("gateway.policy.global").body["properties"]["value"]
    assert '<rate-limit-by-key calls="100" renewal-period="60"' in policy
    assert '<quota-by-key calls="100000" renewal-period="86400"' in policy


@pytest.mark.parametrize(("env", "path"), [("dev", "platform"), ("qa", "platform"), ("staging", "nat-gateway"), ("prod", "firewall")])
def test_each_environment_has_one_stated_egress_and_no_idle_nat_gateway(
    states: dict[str, DesiredState], env: str, path: str
) -> None:
    state = states[env]
    assert egress_path(state.settings) == path
    gateways = _of_type(state, "Microsoft.Network/natGateways")
    assert gateways == (["networking.nat_gateway"] if path == "nat-gateway" else [])
    functions_subnet = state.by_address("networking.subnet.functions").body["properties"]
    assert ("natGateway" in functions_subnet) == (path == "nat-gateway")
    assert ("routeTable" in functions_subnet) == (path == "firewall")
