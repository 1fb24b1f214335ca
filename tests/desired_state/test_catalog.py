"""Our side's type knowledge is the spec classes: the catalog finds them all, and the
naming table is what they declare."""

from __future__ import annotations

from desired_state import build
from desired_state.catalog import declared_name_rules, spec_classes, spec_types
from desired_state.name_rule import GENERIC
from desired_state.naming import NAME_RULES, name_rule
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.network import RouteSpec
from desired_state.specs.storage import StorageAccountSpec


def test_every_type_an_environment_builds_has_a_spec_class() -> None:
    for env in ("dev", "qa", "staging", "prod"):
        assert set(build(env).types()) <= spec_types(), env


def test_the_name_rules_are_the_ones_the_spec_classes_declare() -> None:
    assert ResourceGroupSpec in spec_classes()
    assert dict(NAME_RULES) == dict(declared_name_rules())
    assert name_rule(StorageAccountSpec.arm_type) is StorageAccountSpec.name_rule
    # A spec that declares none gets ARM's generic rule.
    assert RouteSpec.name_rule is None
    assert name_rule(RouteSpec.arm_type) is GENERIC
