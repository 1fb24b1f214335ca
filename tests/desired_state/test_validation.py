"""Bad desired state fails before any call, naming the resource and the field."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from desired_state.errors import DesiredStateError
from desired_state.layers.context import LayerContext
from desired_state.policy import violations
from desired_state.resource import ResourceGroupSpec, ResourceSpec, TopLevelSpec
from desired_state.settings import ZERO_SUBSCRIPTION, get_environment_settings
from desired_state.specs.network import SubnetSpec, VirtualNetworkSpec
from desired_state.specs.storage import StorageAccountSpec
from desired_state.state import assemble, build_from_settings, build_layers
from tests.desired_state.conftest import secrets

SETTINGS = get_environment_settings("dev")


def _rg() -> ResourceGroupSpec:
    return ResourceGroupSpec(address="core.rg", name="rg-test", subscription_id=ZERO_SUBSCRIPTION, location="westus2")


def _vnet(rg: ResourceGroupSpec) -> VirtualNetworkSpec:
    return VirtualNetworkSpec(address="networking.vnet", name="vnet-test", resource_group=rg, location="westus2",
                              address_prefixes=["10.0.0.0/16"])


def _dev_layers() -> dict[str, list[ResourceSpec]]:
    return build_layers(LayerContext(settings=SETTINGS, secrets=secrets()))


def test_overlapping_subnet_cidrs_name_the_subnet_and_field() -> None:
    rg = _rg()
    vnet = _vnet(rg)
    a = SubnetSpec(address="networking.subnet.a", name="a", parent=vnet, address_prefix="10.0.1.0/24")
    b = SubnetSpec(address="networking.subnet.b", name="b", parent=vnet, address_prefix="10.0.1.128/25")
    state = assemble(SETTINGS, {"core": [rg], "networking": [vnet, a, b]})
    found = violations(state)
    assert [(v.resource, v.field, v.rule) for v in found] == [
        ("networking.subnet.b", "properties.addressPrefix", "subnets do not overlap")
    ]
    assert "networking.subnet.b.properties.addressPrefix" in str(found[0].error())


def test_subnet_outside_its_vnet_is_a_violation() -> None:
    rg = _rg()
    vnet = _vnet(rg)
    stray = SubnetSpec(address="networking.subnet.stray", name="stray", parent=vnet, address_prefix="10.7.0.0/24")
    state = assemble(SETTINGS, {"core": [rg], "networking": [vnet, stray]})
    (found,) = violations(state)
    assert (found.resource, found.field, found.rule) == (
        "networking.subnet.stray", "properties.addressPrefix", "subnets lie inside their VNet"
    )


def test_name_too_long_is_rejected_with_rule_and_fix() -> None:
    rg = _rg()
    account = StorageAccountSpec(address="etl.storage", name="st" + "a" * 30, resource_group=rg, location="westus2")
    with pytest.raises(DesiredStateError, match=r"^etl\.storage\.name: length 32 is outside 3-24.*shorten or rename") as info:
        assemble(SETTINGS, {"core": [rg], "etl": [account]})
    assert (info.value.resource, info.value.field) == ("etl.storage", "name")


def test_name_with_a_bad_character_is_rejected() -> None:
    rg = _rg()
    account = StorageAccountSpec(address="etl.storage", name="st-etl-dev", resource_group=rg, location="westus2")
    with pytest.raises(DesiredStateError, match=r"^etl\.storage\.name: 'st-etl-dev' breaks the charset rule: lowercase"):
        assemble(SETTINGS, {"core": [rg], "etl": [account]})


def test_reference_to_a_resource_not_in_the_state_names_both() -> None:
    rg = _rg()
    vnet = _vnet(rg)
    subnet = SubnetSpec(address="networking.subnet.app", name="app", parent=vnet, address_prefix="10.0.1.0/24")
    with pytest.raises(
        DesiredStateError, match=r"^networking\.subnet\.app\.references: reference to a resource not in the state: networking\.vnet"
    ):
        assemble(SETTINGS, {"core": [rg], "networking": [subnet]})


class _Node(TopLevelSpec):
    """A test type that depends on other specs without their ids in its own id."""

    arm_type: ClassVar[str] = "Test.Provider/nodes"

    needs: tuple[ResourceSpec, ...] = ()

    def properties(self) -> dict[str, Any]:
        return {}


def test_dependency_cycle_lists_the_cycle() -> None:
    rg = _rg()

    def node(name: str, *needs: str) -> _Node:
        stubs = tuple(_Node(address=f"x.{n}", name=n, resource_group=rg) for n in needs)
        return _Node(address=f"x.{name}", name=name, resource_group=rg, needs=stubs)

    # a -> b -> c -> a, and d -> a outside the cycle.
    specs = [node("a", "b"), node("b", "c"), node("c", "a"), node("d", "a")]
    with pytest.raises(DesiredStateError, match=r"dependency cycle x\.a -> x\.b -> x\.c -> x\.a; remove one") as info:
        assemble(SETTINGS, {"core": [rg], "x": specs})
    assert (info.value.resource, info.value.field) == ("x.a", "depends_on")


def test_duplicate_address_is_rejected() -> None:
    rg = _rg()
    with pytest.raises(DesiredStateError, match=r"^core\.rg\.address: address declared twice"):
        assemble(SETTINGS, {"core": [rg], "other": [rg]})


def test_unknown_environment_fails_before_anything_is_built() -> None:
    from desired_state.state import build

    with pytest.raises(DesiredStateError, match=r"unknown environment 'uat'; valid environments are dev, qa, staging, prod"):
        build("uat", secrets=secrets())


def test_prod_without_purge_protection_violates_policy() -> None:
    prod = get_environment_settings("prod")
    weakened = prod.model_copy(update={"security": prod.security.model_copy(update={"enable_purge_protection": False})})
    with pytest.raises(
        DesiredStateError, match=r"^security\.key_vault\.properties\.enablePurgeProtection: policy 'prod Key Vaults have purge protection'"
    ):
        build_from_settings(weakened, secrets=secrets())


def test_staging_without_private_endpoints_violates_policy() -> None:
    staging = get_environment_settings("staging")
    open_staging = staging.model_copy(
        update={"security": staging.security.model_copy(update={"enable_private_endpoints": False})}
    )
    with pytest.raises(DesiredStateError, match=r"private endpoints are on in staging"):
        build_from_settings(open_staging, secrets=secrets())


def test_weak_tls_on_storage_violates_policy() -> None:
    layers = _dev_layers()
    layers["etl"] = [
        spec.model_copy(update={"minimum_tls_version": "TLS1_0"}) if spec.address == "etl.storage" else spec
        for spec in layers["etl"]
    ]
    found = violations(assemble(SETTINGS, layers))
    assert [(v.resource, v.field, v.rule) for v in found] == [("etl.storage", "properties.minimumTlsVersion", "TLS 1.2 minimum")]


def test_public_sql_where_private_endpoints_are_on_violates_policy() -> None:
    staging = get_environment_settings("staging")
    layers = build_layers(LayerContext(settings=staging, secrets=secrets()))
    layers["database"] = [
        spec.model_copy(update={"public_network_access": True}) if spec.address == "database.sql_server" else spec
        for spec in layers["database"]
    ]
    found = violations(assemble(staging, layers))
    assert [(v.resource, v.rule) for v in found] == [
        ("database.sql_server", "no public SQL access where private endpoints are on")
    ]


# -- issue 28: the estate works on a subscription -------------------------------------------------

def _staging_layers() -> tuple[Any, dict[str, list[ResourceSpec]]]:
    staging = get_environment_settings("staging")
    return staging, build_layers(LayerContext(settings=staging, secrets=secrets()))


def _replace(layers: dict[str, list[ResourceSpec]], layer: str, address: str, **update: Any) -> None:
    layers[layer] = [spec.model_copy(update=update) if spec.address == address else spec for spec in layers[layer]]


@pytest.mark.parametrize("policies", ["Disabled", None])
def test_a_private_endpoint_subnet_without_nsg_enforcement_violates_policy(policies: str | None) -> None:
    staging, layers = _staging_layers()
    _replace(layers, "networking", "networking.subnet.data", private_endpoint_network_policies=policies)
    found = violations(assemble(staging, layers))
    assert [(v.resource, v.field, v.rule) for v in found] == [
        ("networking.subnet.data", "properties.privateEndpointNetworkPolicies", "NSG rules apply to private endpoints")
    ]
    assert found[0].fix.startswith("networking.subnet.data holds ") and "NSG does not filter" in found[0].fix


def test_a_private_endpoint_subnet_without_an_nsg_violates_policy() -> None:
    staging, layers = _staging_layers()
    _replace(layers, "networking", "networking.subnet.integration", network_security_group=None)
    found = violations(assemble(staging, layers))
    assert [(v.resource, v.rule) for v in found] == [("networking.subnet.integration", "NSG rules apply to private endpoints")]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_a_public_function_app_in_staging_or_prod_violates_policy(env: str) -> None:
    settings = get_environment_settings(env)
    layers = build_layers(LayerContext(settings=settings, secrets=secrets()))
    _replace(layers, "functions", "functions.app.etl_processor", public_network_access=True)
    found = violations(assemble(settings, layers))
    assert [(v.resource, v.field, v.rule) for v in found] == [
        ("functions.app.etl_processor", "properties.publicNetworkAccess", f"no public function app in {env}")
    ]


def test_public_function_apps_pass_where_there_is_no_private_endpoint() -> None:
    layers = _dev_layers()
    apps = [s for s in layers["functions"] if s.arm_type == "Microsoft.Web/sites"]
    assert apps and all(app.model_dump()["public_network_access"] for app in apps)
    assert violations(assemble(SETTINGS, layers)) == []


def test_a_workload_using_redis_without_an_access_policy_violates_policy() -> None:
    layers = _dev_layers()
    layers["cache"] = [spec for spec in layers["cache"] if spec.address != "cache.redis.access.microservices"]
    found = violations(assemble(SETTINGS, layers))
    assert {(v.resource, v.field, v.rule) for v in found} == {
        (f"microservices.app.{service}", "identity", "workloads that use Redis have an access policy on it")
        for service in ("users", "orders", "products", "payments")
    }
    assert "security.identity.microservices" in found[0].fix and "cache.redis" in found[0].fix


def test_an_access_policy_for_another_identity_does_not_count() -> None:
    layers = _dev_layers()
    functions_identity = next(s for s in layers["security"] if s.address == "security.identity.functions")
    _replace(layers, "cache", "cache.redis.access.microservices", identity=functions_identity)
    found = violations(assemble(SETTINGS, layers))
    assert len(found) == 4 and all(v.rule == "workloads that use Redis have an access policy on it" for v in found)
