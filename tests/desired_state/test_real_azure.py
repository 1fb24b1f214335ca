"""The estate is one that works on real Azure (issue 11), per environment:
passwordless SQL, API Management that routes, the private path, functions
that reach their private dependencies, Key Vault secrets."""

from __future__ import annotations

import json

import pytest

from desired_state.errors import DesiredStateError
from desired_state.settings import ENVIRONMENTS, PLACEHOLDER_IMAGE, DeploySettings, get_environment_settings
from desired_state.state import DesiredState, build_from_settings
from tests.desired_state.conftest import deploy, minimal_deploy, secrets

PRIVATE = ("staging", "prod")


def _of_type(state: DesiredState, arm_type: str) -> list[dict[str, object]]:
    return [r.body for r in state.resources if r.type == arm_type]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_sql_is_entra_only_with_no_password_anywhere(states: dict[str, DesiredState], env: str) -> None:
    sql = states[env].by_address("database.sql_server")
    admin = sql.body["properties"]["administrators"]
    assert admin["azureADOnlyAuthentication"] is True and admin["administratorType"] == "ActiveDirectory"
    assert admin["principalType"] == "Application"
    assert admin["sid"] == "{ref:security.identity.sqladmin:properties.clientId}"
    assert admin["tenantId"] == "{ref:security.identity.sqladmin:properties.tenantId}"
    assert "administratorLogin" not in sql.body["properties"] and sql.secrets == {}
    assert "security.identity.sqladmin" in sql.depends_on
    assert "password" not in json.dumps([r.body for r in states[env].resources]).lower()


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if e != "qa"])
def test_api_management_routes_every_api_through_the_product(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    apis = [r for r in state.resources if r.type == "Microsoft.ApiManagement/service/apis"]
    assert len(apis) == 4
    for api in apis:
        operations = [r for r in state.resources
                      if r.type == "Microsoft.ApiManagement/service/apis/operations" and r.id.startswith(api.id + "/")]
        assert {(o.body["properties"]["method"], o.body["properties"]["urlTemplate"]) for o in operations} == {
            ("GET", "/"), ("GET", "/{id}"), ("POST", "/"), ("PUT", "/{id}"), ("DELETE", "/{id}"),
        }
        links = [r for r in state.resources if r.type == "Microsoft.ApiManagement/service/products/apiLinks"
                 and r.body["properties"]["apiId"] == api.id]
        assert len(links) == 1 and "/products/platform/apiLinks/" in links[0].id


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if e != "qa"])
def test_basic_auth_named_value_comes_from_key_vault_read_by_apim_identity(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    vault = state.by_address("security.key_vault")
    named = state.by_address("gateway.named_value.basic_auth")
    assert named.secrets == {} and named.body["properties"]["secret"] is True
    uri = named.body["properties"]["keyVault"]["secretIdentifier"]
    assert uri == f"https://{vault.name}.vault.azure.net/secrets/apim-basic-auth-header"
    assert "security.secret.apim_basic_auth_header" in named.depends_on
    grant = state.by_address("gateway.role.apim.key_vault_secrets_user")
    assert grant.id.startswith(vault.id + "/providers/Microsoft.Authorization/roleAssignments/")
    assert grant.body["properties"]["principalId"] == "{ref:gateway.apim:identity.principalId}"
    assert grant.body["properties"]["roleDefinitionId"].endswith("4633458b-17de-408a-b874-0445c86b69e6")
    assert "gateway.role.apim.key_vault_secrets_user" in named.depends_on


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_microservices_are_reached_over_the_vnet_only_in_every_environment(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    # Internal everywhere (issue 28): dev and qa no longer expose the services without authentication.
    cae = state.by_address("microservices.environment").body["properties"]["vnetConfiguration"]
    assert cae["internal"] is True
    gateway_subnet = state.by_address("networking.subnet.gateway")
    if env != "qa":
        # Every gateway reaches the private services from the gateway subnet, dev's included.
        apim = state.by_address("gateway.apim").body
        assert apim["properties"]["virtualNetworkType"] == "External"
        assert apim["properties"]["virtualNetworkConfiguration"]["subnetResourceId"] == gateway_subnet.id
        # Developer is injected (no delegation); StandardV2 integrates (delegated to serverFarms).
        delegated = [d["properties"]["serviceName"] for d in gateway_subnet.body["properties"].get("delegations", [])]
        expected = {"Developer": [], "StandardV2": ["Microsoft.Web/serverFarms"]}[apim["sku"]["name"]]
        assert delegated == expected
    for app in [r for r in state.resources if r.type == "Microsoft.App/containerApps"]:
        # Each service's port is the one of its image (the quickstart placeholder serves on 80).
        (container,) = app.body["properties"]["template"]["containers"]
        image = state.settings.services[app.address.rsplit(".", 1)[1]]
        assert container["image"] == image.image
        assert app.body["properties"]["configuration"]["ingress"]["targetPort"] == image.port
        assert image.port == 80 if image.image == PLACEHOLDER_IMAGE else image.port == 8080
        # A private registry is pulled with the app's identity, a public image with nothing.
        registries = app.body["properties"]["configuration"].get("registries", [])
        if image.image.startswith("contoso.azurecr.io/"):
            assert registries == [{"server": "contoso.azurecr.io", "identity": state.by_address("security.identity.microservices").id}]
        else:
            assert registries == []
    rules = {r["name"]: r for r in state.by_address("networking.nsg.app").body["properties"]["securityRules"]}
    assert rules["AllowGatewayToMicroservices"]["properties"]["sourceAddressPrefix"] == gateway_subnet.body["properties"]["addressPrefix"]
    gw_rules = {r["name"] for r in state.by_address("networking.nsg.gateway").body["properties"]["securityRules"]}
    assert {"AllowApimManagement", "AllowAzureLoadBalancer", "AllowHttpsFromInternet"} <= gw_rules


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_functions_have_a_vnet_path_wherever_dependencies_are_private(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    plan = state.by_address("functions.plan").body
    apps = [r for r in state.resources if r.type == "Microsoft.Web/sites"]
    if env in PRIVATE:
        assert plan["sku"] == {"name": "EP1", "tier": "ElasticPremium"}
        for app in apps:
            assert app.body["properties"]["virtualNetworkSubnetId"] == state.by_address("networking.subnet.functions").id
    else:
        assert plan["sku"]["name"] == "Y1"
        assert all("virtualNetworkSubnetId" not in app.body["properties"] for app in apps)


def test_build_refuses_an_app_without_vnet_that_depends_on_a_private_resource() -> None:
    settings = get_environment_settings("staging")
    consumption = settings.model_copy(update={"tiers": settings.tiers.model_copy(update={"functions_plan_sku": "Y1"})})
    with pytest.raises(DesiredStateError) as caught:
        build_from_settings(consumption, secrets=secrets())
    message = str(caught.value)
    assert "functions.app." in message and "messaging.namespace" in message
    assert "virtualNetworkSubnetId" in message and "EP1" in message


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_third_party_key_is_a_key_vault_secret_referenced_by_the_sync_worker(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    vault = state.by_address("security.key_vault")
    secret = state.by_address("security.secret.thirdparty_api_key")
    assert secret.id == f"{vault.id}/secrets/thirdparty-api-key" and set(secret.secrets) == {"properties.value"}
    # App settings live in the site's `config/appsettings` resource (issue 13), a name -> value map.
    settings = state.by_address("functions.app.thirdparty_sync.appsettings").body["properties"]
    assert settings["THIRDPARTY_API_KEY"] == (
        f"@Microsoft.KeyVault(SecretUri=https://{vault.name}.vault.azure.net/secrets/thirdparty-api-key/)"
    )
    # the settings resource comes after its site, which comes after the secret
    assert "security.secret.thirdparty_api_key" in state.by_address("functions.app.thirdparty_sync").depends_on
    assert "functions.app.thirdparty_sync" in state.by_address("functions.app.thirdparty_sync.appsettings").depends_on
    grant = state.by_address("security.role.functions.key_vault_secrets_user")
    assert grant.id.startswith(vault.id + "/")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_prod_egress_goes_through_the_firewall_policy_and_nothing_else_is_allowed(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    tables = [r for r in state.resources if r.type == "Microsoft.Network/routeTables"]
    if env != "prod":
        assert tables == [] and not [r for r in state.resources if r.type.startswith("Microsoft.Network/firewallPolicies")]
        return
    (table,) = tables
    (route,) = [r for r in state.resources if r.type == "Microsoft.Network/routeTables/routes"]
    assert route.id.startswith(table.id + "/routes/")
    assert route.body["properties"] == {
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "{ref:networking.firewall:properties.ipConfigurations.0.properties.privateIPAddress}",
    }
    for role in ("app", "functions"):
        assert state.by_address(f"networking.subnet.{role}").body["properties"]["routeTable"] == {"id": table.id}
    for role in ("gateway", "integration", "data", "management", "firewall"):
        assert "routeTable" not in state.by_address(f"networking.subnet.{role}").body["properties"]
    policy = state.by_address("networking.firewall_policy")
    assert state.by_address("networking.firewall").body["properties"]["firewallPolicy"] == {"id": policy.id}
    group = state.by_address("networking.firewall_rules.egress")
    assert group.id.startswith(policy.id + "/ruleCollectionGroups/")
    collections = group.body["properties"]["ruleCollections"]
    assert {c["action"]["type"] for c in collections} == {"Allow"}
    rules = {rule["name"]: rule for c in collections for rule in c["rules"]}
    assert rules["thirdparty-apis"]["targetFqdns"] == list(state.settings.network.thirdparty_api_hosts) == ["api.partner.net"]
    # No Storage tag any more: the functions' host account is private too (issue 28).
    assert set(rules) == {"thirdparty-apis", "entra-id", "azure-monitor", "container-images"}
    subnets = get_environment_settings("prod").network.subnets
    assert all(rule["sourceAddresses"] == [subnets["app"], subnets["functions"]] for rule in rules.values())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_front_door_has_a_managed_waf_on_the_premium_tier_where_it_is_deployed(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    policies = [r for r in state.resources if r.type == "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"]
    if env not in PRIVATE:  # no Front Door in dev and qa
        assert policies == [] and not [r for r in state.resources if r.type == "Microsoft.Cdn/profiles"]
        return
    (waf,) = policies
    assert waf.body["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert state.by_address("frontend.cdn.profile").body["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert waf.body["properties"]["policySettings"] == {
        "enabledState": "Enabled", "mode": "Prevention" if env == "prod" else "Detection",
    }
    sets = {(m["ruleSetType"], m["ruleSetVersion"]) for m in waf.body["properties"]["managedRules"]["managedRuleSets"]}
    assert sets == {("Microsoft_DefaultRuleSet", "2.1"), ("Microsoft_BotManagerRuleSet", "1.1")}
    link = state.by_address("frontend.cdn.security_policy")
    params = link.body["properties"]["parameters"]
    assert params["type"] == "WebApplicationFirewall" and params["wafPolicy"] == {"id": waf.id}
    # The WAF covers the `www` custom domain as well as the endpoint's generated host name.
    assert params["associations"] == [{
        "domains": [{"id": state.by_address("frontend.cdn.endpoint").id}, {"id": state.by_address("frontend.cdn.custom_domain.www").id}],
        "patternsToMatch": ["/*"],
    }]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_controller_heartbeat_alert_fires_when_no_cycle_reported_for_three_intervals(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    alert = state.by_address("observability.alert.controller_heartbeat").body["properties"]
    (criterion,) = alert["criteria"]["allOf"]
    assert criterion["query"] == 'customEvents | where name == "ReconcilerHeartbeat"'
    assert (criterion["operator"], criterion["threshold"]) == ("LessThan", 1)
    assert (alert["windowSize"], alert["evaluationFrequency"]) == ("PT15M", "PT5M")
    from reconciler.controller.telemetry import HEARTBEAT_EVENT_NAME  # the name the controller emits

    assert HEARTBEAT_EVENT_NAME in criterion["query"]
    drift = state.by_address("observability.alert.drift").body["properties"]
    assert alert["scopes"] == drift["scopes"] and alert["actions"] == drift["actions"]


def test_prod_against_azure_refuses_each_placeholder_naming_the_setting() -> None:
    with pytest.raises(DesiredStateError) as caught:
        build_from_settings(get_environment_settings("prod", DeploySettings(_env_file=None)), secrets=secrets())
    assert str(caught.value).startswith("settings.dns_zone_name:") and "RECONCILER_DNS_ZONE" in str(caught.value)
    placeholders = [setting for setting, _fix in get_environment_settings("prod", DeploySettings(_env_file=None)).placeholders()]
    assert placeholders == [
        "dns_zone_name", "monitoring.alert_email", "network.thirdparty_api_hosts",
        "services.orders.image", "services.payments.image", "services.products.image", "services.users.image",
        "sql_tools_image",
    ]
    assert get_environment_settings("prod", deploy()).placeholders() == []
    # One placeholder left is still refused, by name.
    partial = deploy().model_copy(update={"alert_email": None})
    with pytest.raises(DesiredStateError, match=r"settings.monitoring.alert_email: .*RECONCILER_ALERT_EMAIL"):
        build_from_settings(get_environment_settings("prod", partial), secrets=secrets())


@pytest.mark.parametrize("env", ["dev", "qa", "staging"])
def test_outside_prod_only_the_placeholders_that_break_a_deployment_are_refused(env: str) -> None:
    settings = get_environment_settings(env, DeploySettings(_env_file=None))
    with pytest.raises(DesiredStateError) as caught:
        build_from_settings(settings, secrets=secrets())
    assert str(caught.value).startswith("settings.dns_zone_name:") and "RECONCILER_DNS_ZONE" in str(caught.value)
    only_zone = get_environment_settings(env, DeploySettings(_env_file=None, dns_zone=f"{env}.platform.contoso.net"))
    with pytest.raises(DesiredStateError, match=r"^settings.sql_tools_image: .*RECONCILER_SQL_TOOLS_IMAGE"):
        build_from_settings(only_zone, secrets=secrets())
    # The quickstart images, the example alert address and third-party hosts deploy: accepted here.
    settings = get_environment_settings(env, minimal_deploy(env))
    assert {setting for setting, _ in settings.placeholders()} >= {"monitoring.alert_email", "services.users.image"}
    build_from_settings(settings, secrets=secrets())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_emulator_accepts_every_placeholder(env: str) -> None:
    settings = get_environment_settings(env, DeploySettings(_env_file=None))
    state = build_from_settings(settings, secrets=secrets().model_copy(update={"subscription_id": None}))
    assert state.by_address("core.resource_group").subscription_id == "00000000-0000-0000-0000-000000000000"


def test_deploy_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_THIRDPARTY_API_HOSTS", '["api.partner.net", "auth.partner.net"]')
    monkeypatch.setenv("RECONCILER_SERVICE_IMAGES", '{"users": {"image": "contoso.azurecr.io/users:2", "port": 8080}}')
    settings = get_environment_settings("prod", DeploySettings(_env_file=None))
    assert settings.network.thirdparty_api_hosts == ("api.partner.net", "auth.partner.net")
    assert settings.services["users"].image == "contoso.azurecr.io/users:2" and settings.services["orders"].port == 80
    monkeypatch.setenv("RECONCILER_SERVICE_IMAGES", '{"billing": {"image": "x", "port": 80}}')
    with pytest.raises(DesiredStateError, match="unknown services"):
        get_environment_settings("prod", DeploySettings(_env_file=None))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_cache_is_azure_managed_redis_with_a_private_endpoint_where_they_are_on(
    states: dict[str, DesiredState], env: str
) -> None:
    state = states[env]
    assert not [r for r in state.resources if r.type == "Microsoft.Cache/redis"]  # retiring: Managed Redis only
    clusters = [r for r in state.resources if r.type == "Microsoft.Cache/redisEnterprise"]
    if env not in ("dev", "prod"):
        assert clusters == []
        return
    (cluster,) = clusters
    assert cluster.body["sku"]["name"] == ("Balanced_B1" if env == "prod" else "Balanced_B0")
    assert cluster.body["properties"]["minimumTlsVersion"] == "1.2"
    database = state.by_address("cache.redis.database")
    assert database.id == f"{cluster.id}/databases/default"
    assert database.body["properties"]["accessKeysAuthentication"] == "Disabled"
    assert database.body["properties"]["clientProtocol"] == "Encrypted"
    endpoints = [r for r in state.resources if r.type == "Microsoft.Network/privateEndpoints"
                 and r.body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] == cluster.id]
    if env == "prod":
        (endpoint,) = endpoints
        assert endpoint.body["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"] == ["redisEnterprise"]
        assert cluster.body["properties"]["publicNetworkAccess"] == "Disabled"
    else:
        assert endpoints == [] and cluster.body["properties"]["publicNetworkAccess"] == "Enabled"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_internal_environment_default_domain_resolves_in_the_vnet(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    # Every environment is internal (issue 28), so every one resolves its default domain in the VNet.
    zone = state.by_address("microservices.dns.zone")
    # Named after the environment's generated default domain: known after apply.
    assert zone.name == "{ref:microservices.environment:properties.defaultDomain}"
    assert "microservices.environment" in zone.depends_on
    record = state.by_address("microservices.dns.record.wildcard")
    assert record.id == zone.id + "/A/*" and record.type == "Microsoft.Network/privateDnsZones/A"
    assert record.body["properties"]["aRecords"] == [{"ipv4Address": "{ref:microservices.environment:properties.staticIp}"}]
    link = state.by_address("microservices.dns.link")
    assert link.body["properties"]["virtualNetwork"]["id"] == state.by_address("networking.vnet").id
    assert link.body["properties"]["registrationEnabled"] is False


def test_a_name_from_a_live_value_must_hold_its_source() -> None:
    from desired_state.references import live_ref
    from desired_state.resource import ResourceGroupSpec
    from desired_state.specs.msi import UserAssignedIdentitySpec
    from desired_state.specs.privatedns import PrivateDnsZoneSpec
    from desired_state.state import assemble

    settings = get_environment_settings("dev")
    rg = ResourceGroupSpec(address="rg", name="rg-x", subscription_id="0" * 8 + "-0000-0000-0000-" + "0" * 12, location="westus2")
    source = UserAssignedIdentitySpec(address="id", name="id-x", resource_group=rg, location="westus2")
    name = live_ref(source, "properties.clientId")
    with pytest.raises(DesiredStateError) as caught:
        assemble(settings, {"x": [rg, source, PrivateDnsZoneSpec(address="zone", name=name, resource_group=rg)]})
    assert caught.value.resource == "zone" and caught.value.field == "name_from"
    other = UserAssignedIdentitySpec(address="other", name="id-y", resource_group=rg, location="westus2")
    with pytest.raises(DesiredStateError) as caught:
        assemble(settings, {"x": [rg, source, other, PrivateDnsZoneSpec(address="zone", name=name, name_from=other, resource_group=rg)]})
    assert caught.value.field == "name_from"
    state = assemble(settings, {"x": [rg, source, PrivateDnsZoneSpec(address="zone", name=name, name_from=source, resource_group=rg)]})
    assert state.by_address("zone").depends_on == ("id", "rg")
