"""The pieces `reconcile import` leans on, on their own: the generic spec, a layer kept in a file
(`--layer-file`), and `--adopt` globs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from desired_state import build
from desired_state.catalog import spec_types
from desired_state.errors import DesiredStateError
from desired_state.layer_file import load
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.generic import GenericSpec
from reconciler.engine.session import adopted

SUB = "00000000-0000-0000-0000-000000000000"
GROUP = ResourceGroupSpec(address="x.group", name="rg-x", subscription_id=SUB, location="westus2")


def test_the_generic_spec_is_any_type_by_its_wire_body() -> None:
    table = GenericSpec(address="x.table", name="rt-1", type="Microsoft.Network/routeTables", parent=GROUP,
                        location="westus2", tags={"a": "b"}, props={"disableBgpRoutePropagation": True})
    route = GenericSpec(address="x.route", name="r-1", type="Microsoft.Network/routeTables/routes", parent=table,
                        props={"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"})
    container = GenericSpec(address="x.c", name="c1", type="Microsoft.Storage/storageAccounts/blobServices/containers",
                            parent=table, segment="blobServices/default/containers")
    vault = GenericSpec(address="x.kv", name="kv-1", type="Microsoft.KeyVault/vaults", parent=GROUP, location="westus2",
                        props={"networkAcls": {"virtualNetworkRules": [{"id": route}]}}, envelope={"sku": {"name": "x"}})
    assert table.id == f"{GROUP.id}/providers/Microsoft.Network/routeTables/rt-1"
    assert route.id == f"{table.id}/routes/r-1" and container.id == f"{table.id}/blobServices/default/containers/c1"
    assert vault.body() == {"location": "westus2", "sku": {"name": "x"},
                            "properties": {"networkAcls": {"virtualNetworkRules": [{"id": route.id}]}}}
    assert [s.address for s in vault.references()] == ["x.group", "x.route"]  # a spec in the body is a dependency
    assert table.arm_type == "Microsoft.Network/routeTables"
    assert "Microsoft.Network/routeTables" in spec_types() and all(isinstance(t, str) for t in spec_types())


def test_a_generic_secret_not_configured_is_not_written_and_not_verifiable() -> None:
    def secret(value: SecretStr | None) -> GenericSpec:
        return GenericSpec(address="x.s", name="s", type="Microsoft.KeyVault/vaults/secrets", parent=GROUP,
                           tags={"a": "b"}, props={}, secrets={"properties.value": value})

    unset = secret(None).to_resource("x")
    assert "tags" not in unset.body and unset.secrets == {} and unset.unverifiable == ("properties.value",)
    configured = secret(SecretStr("v")).to_resource("x")
    assert configured.body["tags"] == {"a": "b"} and set(configured.secrets) == {"properties.value"}
    assert configured.unverifiable == ()


LAYER = '''
from desired_state.resource import ResourceGroupSpec

LAYER = "extra"


def build(ctx, declared):
    core = declared["core.resource_group"]
    return [ResourceGroupSpec(address="extra.group", name=core.name + "-extra", subscription_id=ctx.subscription_id,
                              location=ctx.location, tags={})]
'''


def test_a_layer_file_adds_its_layer_to_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "extra.py"
    path.write_text(LAYER)
    state = build("dev", layer_files=[load(path)])
    extra = state.by_address("extra.group")
    assert extra.layer == "extra" and extra.name == state.by_address("core.resource_group").name + "-extra"
    assert state.layers()[-1] == "extra"


@pytest.mark.parametrize(("text", "says"), [
    ("def build(ctx, declared):\n    return []\n", "defines no LAYER"),
    ('LAYER = "networking"\ndef build(ctx, declared):\n    return []\n', "one of the estate's own layers"),
    ('LAYER = "extra"\n', "defines no build"),
    ('LAYER = "extra"\ndef build(ctx, declared:\n', "line 2"),
    ('LAYER = "extra"\nraise RuntimeError("no")\n', "RuntimeError while loading: no"),
])
def test_a_file_that_defines_no_layer_is_refused_naming_it(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(text)
    with pytest.raises(DesiredStateError) as error:
        load(path)
    assert str(path) in str(error.value) and says in str(error.value)


@pytest.mark.parametrize(("body", "says"), [
    ('    return [ResourceGroupSpec(address="core.x", name="rg", subscription_id="s", location="l")]', "outside layer"),
    ("    return [1]", "not a spec"),
    ('    return declared["no.such"]', "KeyError"),
])
def test_a_layer_that_builds_wrong_is_refused_naming_the_file(tmp_path: Path, body: str, says: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(f'from desired_state.resource import ResourceGroupSpec\nLAYER = "extra"\ndef build(ctx, declared):\n{body}\n')
    with pytest.raises(DesiredStateError) as error:
        build("dev", layer_files=[load(path)])
    assert str(path) in str(error.value) and says in str(error.value)


def test_adopt_takes_addresses_and_globs_over_them() -> None:
    known = ["imported.a", "imported.b.c", "core.resource_group"]
    assert adopted(["imported.*"], known, "dev") == {"imported.a", "imported.b.c"}
    assert adopted(["core.resource_group", "imported.?"], known, "dev") == {"core.resource_group", "imported.a"}
    with pytest.raises(DesiredStateError) as error:
        adopted(["importd.*"], known, "dev")
    assert "--adopt importd.*: no such address in dev" in str(error.value)
