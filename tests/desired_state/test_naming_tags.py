"""Naming convention, name rules, ownership tags and stable role-assignment names."""

from __future__ import annotations

import pytest

from desired_state.errors import DesiredStateError
from desired_state.naming import Namer, check_name, unique_suffix
from desired_state.specs.authorization import role_assignment_name
from desired_state.tags import ENVIRONMENT_TAG, OWNER_TAG, OWNER_VALUE, is_owned, ownership_tags


def test_convention_and_unique_names() -> None:
    namer = Namer(workload="platform", environment="dev", region="westus2", subscription_id="sub-1")
    assert namer.standard("vnet") == "vnet-platform-dev-wus2"
    assert namer.standard("nsg", "app") == "nsg-platform-app-dev-wus2"
    suffix = unique_suffix("sub-1", "dev")
    assert namer.unique("kv", max_length=24) == f"kv-platform-dev-{suffix}"
    assert namer.compact("st", "etl") == f"stplatformetldev{suffix}"
    long = Namer(workload="averyveryverylongworkloadname", environment="staging", region="westus2", subscription_id="s")
    assert len(long.unique("kv", max_length=24)) <= 24
    assert len(long.compact("st", "func")) <= 24
    check_name("kv", "Microsoft.KeyVault/vaults", long.unique("kv", max_length=24))
    check_name("st", "Microsoft.Storage/storageAccounts", long.compact("st", "func"))


def test_unique_suffix_is_stable_and_depends_on_subscription_and_environment() -> None:
    assert unique_suffix("SUB", "dev") == unique_suffix("sub", "dev")
    assert len({unique_suffix("a", "dev"), unique_suffix("b", "dev"), unique_suffix("a", "prod")}) == 3


@pytest.mark.parametrize(
    ("arm_type", "name"),
    [
        ("Microsoft.KeyVault/vaults", "1kv-starts-with-digit"),
        ("Microsoft.KeyVault/vaults", "kv--double-hyphen"),
        ("Microsoft.Sql/servers", "SQL-Upper"),
        ("Microsoft.ServiceBus/namespaces", "sb-1"),
        ("Microsoft.App/containerApps", "ca-name-that-is-longer-than-32-characters"),
    ],
)
def test_invalid_names_raise_naming_resource_and_field(arm_type: str, name: str) -> None:
    with pytest.raises(DesiredStateError) as info:
        check_name("some.address", arm_type, name)
    assert (info.value.resource, info.value.field) == ("some.address", "name")
    assert arm_type in str(info.value)


def test_ownership_tags_and_case_insensitive_keys() -> None:
    assert ownership_tags("dev") == {OWNER_TAG: OWNER_VALUE, ENVIRONMENT_TAG: "dev"}
    assert (OWNER_TAG, OWNER_VALUE, ENVIRONMENT_TAG) == ("managed-by", "azure-reconciler", "reconciler-environment")
    assert is_owned({"Managed-By": "azure-reconciler", "RECONCILER-ENVIRONMENT": "dev"}, "dev")
    assert not is_owned({"managed-by": "azure-reconciler", "reconciler-environment": "prod"}, "dev")
    assert not is_owned({"managed-by": "terraform", "reconciler-environment": "dev"}, "dev")
    assert not is_owned(None, "dev")


def test_role_assignment_names_are_deterministic_guids() -> None:
    first = role_assignment_name("/subscriptions/s/rg", "/id/x", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0")
    assert first == role_assignment_name("/SUBSCRIPTIONS/s/RG", "/id/x", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0")
    assert first != role_assignment_name("/subscriptions/s/rg", "/id/y", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0")
    check_name("r", "Microsoft.Authorization/roleAssignments", first)
