"""Settings encode every table of the architecture plan, per environment."""

from __future__ import annotations

import pytest

from desired_state.errors import DesiredStateError
from desired_state.settings import (
    SUBNET_ROLES,
    AppSecrets,
    EnvironmentSettings,
    NetworkSettings,
    get_environment_settings,
)


def _check_common(s: EnvironmentSettings, env: str, second_octet: int) -> None:
    assert s.environment == env
    assert s.network.vnet_cidr == f"10.{second_octet}.0.0/16"
    assert set(s.network.subnets) == set(SUBNET_ROLES)
    assert all(cidr.endswith("/24") for cidr in s.network.subnets.values())
    # Every environment runs the core workloads; Container Apps are on Consumption.
    f = s.features
    assert (f.enable_container_apps, f.enable_functions, f.enable_service_bus, f.enable_sql_database) == (True,) * 4
    assert s.tiers.container_apps_workload_profile == "Consumption"
    assert s.regions.primary == "westus2"


def test_dev_matches_the_plan() -> None:
    s = get_environment_settings("dev")
    _check_common(s, "dev", 0)
    assert (s.network.enable_ddos_protection, s.network.enable_firewall) == (False, False)
    assert (s.security.enable_private_endpoints, s.security.enable_purge_protection) == (False, False)
    assert s.security.soft_delete_retention_days == 7
    assert (s.monitoring.log_retention_days, s.monitoring.daily_quota_gb) == (30, 1)
    f = s.features
    assert (f.enable_api_management, f.enable_cdn, f.enable_data_factory, f.enable_redis, f.enable_cosmos_db) == (
        True, False, True, True, True,
    )
    assert (s.tiers.apim_sku, s.tiers.functions_plan_sku, s.tiers.sql_database_sku) == ("Developer", "Y1", "Basic")
    assert s.tiers.service_bus_sku == "Standard"  # topics need Standard; Basic has none
    assert s.regions.frontend_regions == ("westus2",)
    assert s.drift_policy == "remediate"


def test_qa_matches_the_plan() -> None:
    s = get_environment_settings("qa")
    _check_common(s, "qa", 3)
    assert (s.network.enable_ddos_protection, s.network.enable_firewall) == (False, False)
    assert (s.security.enable_private_endpoints, s.security.enable_purge_protection) == (False, False)
    assert s.security.soft_delete_retention_days == 14
    assert (s.monitoring.log_retention_days, s.monitoring.daily_quota_gb) == (30, 2)
    f = s.features
    assert (f.enable_api_management, f.enable_cdn, f.enable_data_factory, f.enable_redis, f.enable_cosmos_db) == (
        False, False, False, False, False,
    )
    assert (s.tiers.functions_plan_sku, s.tiers.sql_database_sku, s.tiers.service_bus_sku) == ("Y1", "Basic", "Standard")
    assert s.drift_policy == "remediate"


def test_staging_matches_the_plan() -> None:
    s = get_environment_settings("staging")
    _check_common(s, "staging", 1)
    assert (s.network.enable_ddos_protection, s.network.enable_firewall) == (False, False)
    assert (s.security.enable_private_endpoints, s.security.enable_purge_protection) == (True, False)
    assert s.security.soft_delete_retention_days == 30
    assert (s.monitoring.log_retention_days, s.monitoring.daily_quota_gb) == (60, 5)
    f = s.features
    assert (f.enable_api_management, f.enable_cdn, f.enable_data_factory, f.enable_redis, f.enable_cosmos_db) == (
        True, True, False, False, False,
    )
    assert (s.tiers.apim_sku, s.tiers.functions_plan_sku, s.tiers.sql_database_sku) == ("Developer", "EP1", "Basic")  # EP1: private dependencies need VNet integration
    assert s.tiers.service_bus_sku == "Premium"  # Service Bus private endpoints need Premium
    assert s.drift_policy == "remediate"


def test_prod_matches_the_plan() -> None:
    s = get_environment_settings("prod")
    _check_common(s, "prod", 2)
    assert (s.network.enable_ddos_protection, s.network.enable_firewall) == (True, True)
    assert s.network.firewall_subnet_cidr == "10.2.6.0/26"
    assert (s.security.enable_private_endpoints, s.security.enable_purge_protection) == (True, True)
    assert s.security.soft_delete_retention_days == 90
    assert (s.monitoring.log_retention_days, s.monitoring.daily_quota_gb) == (365, None)
    f = s.features
    assert (f.enable_api_management, f.enable_cdn, f.enable_data_factory, f.enable_redis, f.enable_cosmos_db) == (
        True, True, False, True, False,
    )
    assert (s.tiers.apim_sku, s.tiers.functions_plan_sku, s.tiers.sql_database_sku) == ("StandardV2", "EP1", "S2")  # Standard classic has no VNet mode
    assert s.regions.frontend_regions == ("westus2", "westeurope")
    assert s.drift_policy == "report"


def test_unknown_environment_names_the_valid_ones() -> None:
    with pytest.raises(DesiredStateError, match=r"unknown environment 'production'.*dev, qa, staging, prod"):
        get_environment_settings("production")


def _network(**subnets: str) -> NetworkSettings:
    layout = {role: f"10.0.{i}.0/24" for i, role in enumerate(SUBNET_ROLES)}
    layout.update(subnets)
    return NetworkSettings(vnet_cidr="10.0.0.0/16", subnets=layout, enable_ddos_protection=False, enable_firewall=False)


def test_overlapping_subnets_are_rejected_naming_the_subnet() -> None:
    with pytest.raises(DesiredStateError, match=r"subnets\.data: .*overlaps subnet app") as info:
        _network(data="10.0.1.0/24")
    assert info.value.field == "subnets.data"


def test_subnet_outside_the_vnet_is_rejected() -> None:
    with pytest.raises(DesiredStateError, match=r"subnets\.management: .*outside the VNet 10\.0\.0\.0/16"):
        _network(management="10.9.5.0/24")


def test_secrets_accept_azure_and_arm_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", "sub-from-arm")
    monkeypatch.setenv("ARM_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-from-azure")
    loaded = AppSecrets(_env_file=None)
    assert loaded.subscription_id == "sub-from-arm"
    assert loaded.tenant_id == "tenant-from-azure"
    assert loaded.client_secret is not None
    assert loaded.client_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(loaded)
    assert (loaded.lease_storage_account, loaded.lease_resource_group) == ("pulumistateonelasha", "rg-infra")
