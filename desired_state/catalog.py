"""Every spec class, found in `desired_state/specs/` (and the resource group):
the one place our side declares which ARM types exist and their name rules.

A new module in `desired_state/specs/` is found without being listed anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache

import desired_state.specs
from desired_state.name_rule import NameRule
from desired_state.resource import ResourceGroupSpec, ResourceSpec


@cache
def spec_classes() -> tuple[type[ResourceSpec], ...]:
    """Every concrete spec class (one with its own `arm_type`), in a stable order."""
    found: list[type[ResourceSpec]] = [ResourceGroupSpec]
    for info in sorted(pkgutil.iter_modules(desired_state.specs.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{desired_state.specs.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, ResourceSpec)
                and value.__module__ == module.__name__
                # a class of one ARM type (the generic spec's type is per instance)
                and isinstance(vars(value).get("arm_type"), str)
            ):
                found.append(value)
    return tuple(found)


def spec_types() -> frozenset[str]:
    """The ARM types the desired state can declare."""
    return frozenset(cls.arm_type for cls in spec_classes())


def declared_name_rules() -> Mapping[str, NameRule]:
    """ARM type -> the name rule its spec class declares (`name_rule`).

    Two spec classes of one type (App Service `sites/config`) must not disagree."""
    rules: dict[str, NameRule] = {}
    for cls in spec_classes():
        rule = vars(cls).get("name_rule")
        if rule is None:
            continue
        if rules.setdefault(cls.arm_type, rule) != rule:
            raise ValueError(f"{cls.__name__} declares another name rule for {cls.arm_type} than a sibling spec")
    return rules
